"""The notifications pipeline's part of `make bench` (BENCH_NOTIFICATIONS=0 skips it): the dispatcher over 10 000
and 100 000 due subscriptions and the worker's throughput for 10 000 end to end, against DynamoDB Local, moto
and the fakes. It runs tests/bench/test_notifications_bench.py (their fixtures start the stack) and reads
pytest-benchmark's JSON; the figures go to results.json under `notifications`, with their targets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from local.template import ROOT, load

DISPATCH_MARGIN_S = 20  # the dispatcher stops this long before its timeout (pipeline.DISPATCH_MARGIN_MS)
DISPATCH_GOAL_S = {10_000: 15.0, 100_000: 120.0}  # on this machine, against DynamoDB Local and moto
CALLER_ENV = dict(os.environ)  # read on import, before bench/__main__.py points os.environ at its own stack


def worker_count() -> int:
    """How many subscriptions the worker run takes end to end: 1 000 by default, so `make bench` stays under 10
    minutes: seeding them (DynamoDB Local writes ~650 items/s here, KMS encrypts each user's token) and processing
    them are bound by this machine's CPU (~60 CPU ms per subscription across the stand-ins).
    WEGIT_BENCH_WORKER=10000 runs 10 000 (about 15 minutes here)."""
    return int(os.environ.get("WEGIT_BENCH_WORKER", "1000"))


def enabled() -> bool:
    return os.environ.get("BENCH_NOTIFICATIONS", "1") != "0"


def run() -> dict[str, Any]:
    """Run the benchmarks; their figures."""
    started = time.perf_counter()
    sizes = os.environ.get("WEGIT_BENCH_DISPATCH", "10000,100000")
    print(f"notifications: dispatch of {sizes} due subscriptions, then {worker_count()} through the worker")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "benchmark.json"
        command = [sys.executable, "-m", "pytest", "tests/bench/test_notifications_bench.py", "-q", "-s",
                   f"--benchmark-json={out}"]  # fmt: skip
        variables = {"POWERTOOLS_LOG_LEVEL": "WARNING", **CALLER_ENV, "WEGIT_BENCH_DISPATCH": sizes,
                     "WEGIT_BENCH_WORKER": str(worker_count())}  # fmt: skip
        done = subprocess.run(command, cwd=ROOT, env=variables, check=False)
        benchmarks = json.loads(out.read_text())["benchmarks"] if out.is_file() else []
    result: dict[str, Any] = {"dispatch": {}, "passed": done.returncode == 0}
    for bench in benchmarks:
        info = bench["extra_info"]
        if "seconds" not in info and bench["name"].startswith("test_dispatch"):
            continue  # that benchmark failed (`passed` says so): no figures
        if bench["name"].startswith("test_dispatch"):
            keys = ("seconds", "enqueued", "cpu_seconds")
            result["dispatch"][str(info["subscriptions"])] = {key: info[key] for key in keys}
        else:
            result["worker"] = info
    result["dispatcher_timeout_s"] = load().functions["DispatchNotificationsFunction"].timeout
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def targets(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{"name": {"met", "value", "target"}} as bench/__main__.py keeps them."""
    found: dict[str, dict[str, Any]] = {}
    budget = result["dispatcher_timeout_s"] - DISPATCH_MARGIN_S
    for count, row in result["dispatch"].items():
        seconds, goal = row["seconds"], DISPATCH_GOAL_S.get(int(count))
        found[f"notifications: dispatch {int(count):,} within the dispatcher's timeout"] = _target(
            seconds, f"<= {budget} s (Timeout {result['dispatcher_timeout_s']} s less its margin)", seconds <= budget
        )
        if goal:
            found[f"notifications: dispatch {int(count):,} locally"] = _target(seconds, f"< {goal} s", seconds < goal)
    worker = result.get("worker")
    if worker:
        per = worker["github_requests_per_subscription"]
        found["notifications: GitHub requests per subscription"] = _target(per, 1, per == 1)
        found["notifications: none lost, none twice"] = _target(
            f"{worker['messages']}/{worker['subscriptions']}", "each once", result["passed"]
        )
    return found


def markdown(result: dict[str, Any]) -> str:
    lines = ["", "| notifications | subscriptions | seconds | per second | CPU ms / subscription "
             "| GitHub requests / subscription |", "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for count, row in result["dispatch"].items():
        cpu = round(row["cpu_seconds"] * 1000 / int(count), 1)
        lines.append(f"| dispatch | {count} | {row['seconds']} | {round(int(count) / row['seconds'])} | {cpu} | 0 |")
    worker = result.get("worker")
    if worker:
        cells = (f"worker, end to end ({worker['pollers']} pollers)", worker["subscriptions"], worker["seconds"],
                 worker["per_second"], worker["cpu_ms_per_subscription"],
                 worker["github_requests_per_subscription"])  # fmt: skip
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _target(value: Any, limit: Any, met: bool) -> dict[str, Any]:
    return {"met": bool(met), "value": value, "target": limit}
