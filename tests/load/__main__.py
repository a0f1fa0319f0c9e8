"""`make load`: a bounded headless locust run against the local API with the offline fakes.

USERS (50) users for DURATION (60 s) over every route of the client contract; prints requests, errors by
status and p50/p95/p99 per route, and exits 1 on any error. Not part of `make test`."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from local.server import LocalApi
from local.stack import Stack

HERE = Path(__file__).parent
USERS = int(os.environ.get("USERS", "50"))
DURATION = os.environ.get("DURATION", "60s")
# Warm workers per function: users beyond them wait their turn, as requests beyond a reserved concurrency do.
CONCURRENCY = int(os.environ.get("CONCURRENCY", "3"))
ROUTES = ["/health-check", "/trending-repositories", "/trending-developers", "/trending-languages",
          "/developers?name=octocat", "/developers/octocat/events", "/repositories?owner=octocat&name=Hello-World",
          "/search/repositories?name=tetris"]  # fmt: skip


def main() -> int:
    with (
        tempfile.TemporaryDirectory() as tmp,
        Stack(
            offline=True, persist=False, attach=False, concurrency=CONCURRENCY, function_log=Path(tmp) / "functions.log"
        ) as stack,
    ):
        assert stack.runtime is not None
        print("[load] refreshing trending once (the API then serves it from snapshots, as deployed)", flush=True)
        stack.runtime.invoke("RefreshTrendingFunction", {})
        api = LocalApi(stack.template.functions, stack.runtime, port=0, log=lambda line: None).start()
        warm(api.url)
        try:
            print(f"[load] {USERS} users for {DURATION} against {api.url}", flush=True)
            locust = Path(sys.executable).with_name("locust")
            subprocess.run(
                [str(locust), "-f", str(HERE / "locustfile.py"), "--headless", "-u", str(USERS),
                 "-r", str(USERS), "-t", DURATION, "--host", api.url, "--csv", f"{tmp}/load", "--only-summary",
                 "--stop-timeout", "10", "--exit-code-on-error", "0", "--loglevel", "WARNING"],
                check=True,
            )  # fmt: skip
        finally:
            api.stop()
        return report(Path(tmp))


def warm(base: str) -> None:
    """Every function's workers started before the clock runs (a few at a time: cold starts are not what this
    measures, and many at once on a small machine outlast Lambda's 10 s init)."""

    def get(path: str) -> None:
        with urllib.request.urlopen(base + path, timeout=120) as response:  # noqa: S310 - our loopback API
            response.read()

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        for path in ROUTES:
            list(pool.map(get, [path] * CONCURRENCY))


def report(folder: Path) -> int:
    with (folder / "load_stats.csv").open() as file:
        rows = list(csv.DictReader(file))
    with (folder / "load_failures.csv").open() as file:
        failures = list(csv.DictReader(file))
    print(f"\n{'route':34} {'requests':>9} {'errors':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'req/s':>7}")
    for row in rows:
        print(f"{row['Name']:34} {row['Request Count']:>9} {row['Failure Count']:>7} {row['50%']:>7} "
              f"{row['95%']:>7} {row['99%']:>7} {float(row['Requests/s']):>7.1f}")  # fmt: skip
    by_status: dict[str, int] = {}
    for failure in failures:
        by_status[failure["Error"]] = by_status.get(failure["Error"], 0) + int(failure["Occurrences"])
    total = next(row for row in rows if row["Name"] == "Aggregated")
    print(f"\nrequests: {total['Request Count']}, errors: {total['Failure Count']}"
          + "".join(f"\n  {error}: {count}" for error, count in sorted(by_status.items())))  # fmt: skip
    return 1 if int(total["Failure Count"]) or int(total["Request Count"]) == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
