"""`make bench`: the API's performance against the loopback fakes, with a simulated upstream round trip.

Prints a table, writes bench/results.json (every figure, and `targets`: {"name": {"met", "value", "target"}})
and draws the main figures to bench/results.png. Offline; BENCH_RTT_MS (default 50) is the simulated round
trip to GitHub (a new connection costs two more: TCP and TLS), BENCH_ROUNDS (default 5) the cold samples."""

from __future__ import annotations

import gzip
import json
import logging
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import history, notifications  # imported before main() changes os.environ (they keep the caller's)
from bench import share as share_codes
from bench.cold import COSTS, ColdRunner, costs_sample, median
from bench.warm import CONTEXT, UpstreamClock, api_event, busy, load_handler
from local import lambda_python
from local.dynamodb import DynamoDBLocal, create_tables
from local.fakes.github import GitHubFake
from local.fakes.latency import LatencyProxy
from local.template import LAYER_DIR, ROOT, load

# The handlers import the layer as Lambda provides it (/opt/python); here that is layers/common.
sys.path.insert(0, str(LAYER_DIR))

OUT = ROOT / "bench"
RTT = float(os.environ.get("BENCH_RTT_MS", "50")) / 1000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
WARM_CALLS = int(os.environ.get("BENCH_WARM_CALLS", "30"))
TOKEN = {"authorization": "ghp_" + "b" * 36}  # call 6 sends the user's token; calls 4, 7, 8 send none
SERVICE_TOKEN = "ghs_" + "s" * 36

# route → (function, path, query, headers, share of the contract's traffic: a session opens trending, looks at
# developers and repositories, reads events after logging in; languages once; health checks are not traffic)
ENDPOINTS: dict[str, tuple[str, str, dict[str, str] | None, dict[str, str], float]] = {
    "/health-check": ("HealthCheckFunction", "/health-check", None, {}, 0.0),
    "/trending-repositories": ("TrendingRepositoriesFunction", "/trending-repositories", {"since": "daily"}, {}, 0.30),
    "/trending-developers": ("TrendingDevelopersFunction", "/trending-developers", {"since": "daily"}, {}, 0.10),
    "/trending-languages": ("TrendingLanguagesFunction", "/trending-languages", None, {}, 0.05),
    "/developers": ("DevelopersFunction", "/developers", {"name": "octocat"}, {}, 0.10),
    "/developers/{name}/events": ("DeveloperEventsFunction", "/developers/octocat/events", {"page": "1"}, TOKEN, 0.20),
    "/repositories": ("RepositoriesFunction", "/repositories", {"owner": "octocat", "name": "hello"}, {}, 0.15),
    "/search/repositories": ("SearchRepositoriesFunction", "/search/repositories", {"name": "tetris"}, {}, 0.10),
}
SINGLE_CALL = ("/developers", "/developers/{name}/events", "/search/repositories")
GITHUB_FUNCTIONS = (
    "DevelopersFunction",
    "DeveloperEventsFunction",
    "RepositoriesFunction",
    "SearchRepositoriesFunction",
)
# The request functions behind accounts and subscriptions: at most 2x `import requests` at init (issue 17).
ACCOUNT_FUNCTIONS = (
    "CreateSessionFunction",
    "GetMeFunction",
    "PutGitHubTokenFunction",
    "DeleteGitHubTokenFunction",
    "DeleteMeFunction",
    "CreateSubscriptionFunction",
    "ListSubscriptionsFunction",
    "DeleteSubscriptionFunction",
    "CreateGrantsFunction",
    "ListNotificationsFunction",
    "MarkNotificationReadFunction",
)
COLD_BUDGET = {
    **dict.fromkeys(GITHUB_FUNCTIONS, 1.8),
    **dict.fromkeys(ACCOUNT_FUNCTIONS, 2.0),
    "TrendingRepositoriesFunction": 2.5,
    "TrendingDevelopersFunction": 2.5,
    "HealthCheckFunction": 1.5,
    "TrendingLanguagesFunction": 1.5,
}

# Prices (us-east-1, on-demand, first tier): Lambda per GB-second and per request; API Gateway per request;
# DynamoDB per read request unit. US$ per million requests = 1e6 x (GB x seconds billed x GB-s price +
# request price) + API price + DynamoDB reads x read price; Lambda bills duration rounded up to 1 ms.
PRICES = {
    "lambda_arm64_gb_second": 0.0000133334,
    "lambda_x86_gb_second": 0.0000166667,
    "lambda_per_million": 0.20,
    "http_api_per_million": 1.00,
    "rest_api_per_million": 3.50,
    "dynamodb_read_unit_per_million": 0.125,
}
MEMORY_GB = 0.5  # Globals MemorySize 512


def target(value: Any, limit: Any, met: bool) -> dict[str, Any]:
    return {"met": bool(met), "value": value, "target": limit}


def bytecode_coverage(python: str) -> dict[str, int]:
    """Every .py in the built artifacts against the .pyc Python 3.13 would load for it without compiling."""
    import subprocess

    magic = bytes.fromhex(
        subprocess.run(
            [python, "-c", "import importlib.util as u; print(u.MAGIC_NUMBER.hex())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    sources = [path for path in lambda_python.BUILD.rglob("*.py") if "__pycache__" not in path.parts]
    covered = 0
    for source in sources:
        pyc = source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"
        if pyc.is_file() and pyc.read_bytes()[:8] == magic + b"\x01\0\0\0":
            covered += 1
    return {"py_files": len(sources), "with_313_bytecode": covered}


def warm_round(
    handlers: dict[str, Any], clock: UpstreamClock, proxy: LatencyProxy | None, calls: int
) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for route, (_function, path, query, headers, _share) in ENDPOINTS.items():
        handler = handlers[route]
        for _ in range(3):  # warm: the connections open, the snapshots read once
            handler(api_event(path, query, headers), CONTEXT)
        connections_before = proxy.connections if proxy else 0
        not_modified_before = clock.not_modified
        totals, overheads, upstream, sizes = [], [], [], []
        body = ""
        for _ in range(calls):
            with clock.measure() as seen:
                started = time.perf_counter()
                answer = handler(api_event(path, query, headers), CONTEXT)
                elapsed = time.perf_counter() - started
            assert answer["statusCode"] == 200, (route, answer)
            body = answer["body"]
            totals.append(elapsed * 1000)
            overheads.append((elapsed - busy(seen)) * 1000)
            upstream.append(len([call for call in seen if call[0] == "http"]))
            sizes.append(sum(call[3] for call in seen if call[0] == "http"))
        results[route] = {
            "p50_ms": round(statistics.median(totals), 2),
            "p99_ms": round(sorted(totals)[max(0, math.ceil(len(totals) * 0.99) - 1)], 2),
            "overhead_p50_ms": round(statistics.median(overheads), 2),
            "upstream_requests_per_call": round(statistics.mean(upstream), 2),
            "new_connections_per_call": round(((proxy.connections if proxy else 0) - connections_before) / calls, 3),
            "upstream_bytes": int(statistics.median(sizes)),
            "github_304_share": round((clock.not_modified - not_modified_before) / max(1, sum(upstream)), 2),
            "response_bytes": len(body.encode()),
            "response_bytes_gzip": len(gzip.compress(body.encode(), 6)),
        }
    return results


def main() -> int:  # noqa: PLR0912, PLR0915 - one straight run, section by section
    started = time.perf_counter()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the fake's request lines
    template = load()
    python = lambda_python.python313()
    report: dict[str, Any] = {"round_trip_ms": RTT * 1000, "rounds": ROUNDS, "prices_usd": PRICES}
    with (
        GitHubFake() as github,
        LatencyProxy(github.server.host, github.server.port, round_trip=RTT) as proxy,
        DynamoDBLocal() as dynamodb,
        tempfile.TemporaryDirectory() as scratch,
    ):
        create_tables(dynamodb.client(), template.tables, template.table_names())
        env = {
            "PATH": "/usr/bin:/bin",
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_ENDPOINT_URL_DYNAMODB": dynamodb.endpoint,
            "TRENDING_TABLE": "TrendingTable",
            "GITHUB_API_URL": f"{proxy.url}/api",
            "GITHUB_WEB_URL": f"{proxy.url}/web",
            "GITHUB_TOKEN_PARAMETER": "",
            "GITHUB_TOKEN": SERVICE_TOKEN,
            "GITHUB_CACHE_TABLE": "GitHubCacheTable",
            "POWERTOOLS_SERVICE_NAME": "bench",
            "POWERTOOLS_METRICS_NAMESPACE": "Bench",
            "POWERTOOLS_LOG_LEVEL": "CRITICAL",
        }
        os.environ.update(env)
        for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):  # Lambda sets neither; with one, requests stats the
            os.environ.pop(name, None)  # bundle's path on every call (the fakes are plain HTTP: no bundle needed)
        from wegit.http_session import get_session
        from wegit.settings import get_settings
        from wegit.trending import service as trending

        # -- the trending snapshots a warm API reads; and what a scrape costs (the baseline has no cache) -----
        for kind in ("repositories", "developers"):
            trending.scrape_and_store(trending.Query(kind, "daily", None, None), with_menu=kind == "repositories")
        scrape_ms = []
        for _ in range(5):
            begun = time.perf_counter()
            html = get_session().get(trending.page_url(trending.Query("repositories", "daily", None, None))).text
            from wegit.trending import parser

            parser.parse_repositories(html)
            scrape_ms.append((time.perf_counter() - begun) * 1000)
        report["trending_scrape_ms"] = median(scrape_ms)

        # -- warm ---------------------------------------------------------------------------------------
        clock = UpstreamClock()
        clock.install()
        handlers = {route: load_handler(template.functions[spec[0]]) for route, spec in ENDPOINTS.items()}
        get_session.cache_clear()  # built by the scrape above, before the GitHub client added its cache to sessions
        from wegit.github import conditional

        handlers["/developers"](api_event(*ENDPOINTS["/developers"][1:4]), CONTEXT)  # loads the cache's client
        if conditional._loading is not None:
            conditional._loading.join(30)
        print(f"warm: {WARM_CALLS} calls per endpoint with a {RTT * 1000:.0f} ms round trip, then with none")
        warm = warm_round(handlers, clock, proxy, WARM_CALLS)
        os.environ.update(GITHUB_API_URL=github.api_url, GITHUB_WEB_URL=github.web_url)
        get_settings.cache_clear()
        get_session.cache_clear()
        local = warm_round(handlers, clock, None, WARM_CALLS * 2)
        os.environ.update(GITHUB_API_URL=env["GITHUB_API_URL"], GITHUB_WEB_URL=env["GITHUB_WEB_URL"])
        get_settings.cache_clear()
        get_session.cache_clear()
        for route in ENDPOINTS:
            warm[route]["no_rtt_p50_ms"] = local[route]["p50_ms"]
            warm[route]["no_rtt_p99_ms"] = local[route]["p99_ms"]
            warm[route]["overhead_p50_ms"] = local[route]["overhead_p50_ms"]
        report["warm"] = warm

        # -- cold, on Python 3.13 ---------------------------------------------------------------------------
        trees = {
            "bytecode": lambda_python.lambda_tree(Path(scratch) / "bytecode", runtime_bytecode=True),
            "source": lambda_python.lambda_tree(Path(scratch) / "source", bytecode=False, runtime_bytecode=True),
        }
        cold = ColdRunner(python, trees, {**env, "AWS_LAMBDA_FUNCTION_NAME": "bench"})
        functions = list(template.functions)
        init: dict[str, dict[str, list[float]]] = {
            name: {"bytecode": [], "source": [], "bytecode_cpu": [], "source_cpu": []}
            for name in ["requests", *functions]
        }
        print(f"cold init: {ROUNDS} rounds of {len(init) * 2} fresh Python 3.13 processes")
        for _ in range(ROUNDS):
            for name in init:
                for tree in ("bytecode", "source"):
                    folder = None if name == "requests" else lambda_python.BUILD / name
                    sample = cold.sample(tree, folder)
                    init[name][tree].append(sample["init"])
                    init[name][f"{tree}_cpu"].append(sample["init_cpu"])
        # Ratios from CPU time: on a shared machine wall time swings with the neighbours' load, CPU time less.
        base = {tree: statistics.median(init["requests"][tree]) for tree in ("bytecode_cpu", "source_cpu")}
        report["cold_init"] = {
            name: {
                "ms": median(samples["bytecode"]),
                "cpu_ms": median(samples["bytecode_cpu"]),
                "ratio": round(statistics.median(samples["bytecode_cpu"]) / base["bytecode_cpu"], 2),
                "ms_without_bytecode": median(samples["source"]),
                "cpu_ms_without_bytecode": median(samples["source_cpu"]),
                "ratio_without_bytecode": round(statistics.median(samples["source_cpu"]) / base["source_cpu"], 2),
            }
            for name, samples in init.items()
        }
        print("what each part of an init costs (the design's measurements)")
        costs: dict[str, list[float]] = {step: [] for step in COSTS}
        for _ in range(ROUNDS):
            for step, ms in costs_sample(cold).items():
                costs[step].append(ms)
        report["init_costs"] = {step: {"cpu_ms": median(samples)} for step, samples in costs.items()}
        bar = statistics.median(costs[next(iter(COSTS))])
        for row in report["init_costs"].values():
            row["ratio_to_requests"] = round(row["cpu_ms"] / bar, 2)
        print("cold first request: a fresh process, one request on a new connection")
        first: dict[str, dict[str, Any]] = {}
        for route, (function, path, query, headers, _share) in ENDPOINTS.items():
            variants = {"": {}, "without_preconnect": {"WEGIT_PRECONNECT": "0"}} if route in SINGLE_CALL else {"": {}}
            for variant, extra in variants.items():
                samples = [
                    cold.sample(
                        "bytecode", lambda_python.BUILD / function, event=api_event(path, query, headers), env=extra
                    )
                    for _ in range(ROUNDS)
                ]
                key = f"{route} {variant}".strip()
                first[key] = {
                    "init_ms": median([sample["init"] for sample in samples]),
                    "request_ms": median([sample["request"] for sample in samples]),
                    "total_ms": median([sample["init"] + sample["request"] for sample in samples]),
                }
        original = [cold.sample("bytecode", None, url=f"{proxy.url}/api/users/octocat") for _ in range(ROUNDS)]
        first["original: import requests, one request"] = {
            "init_ms": median([sample["init"] for sample in original]),
            "request_ms": median([sample["request"] for sample in original]),
            "total_ms": median([sample["init"] + sample["request"] for sample in original]),
        }
        report["cold_first_request"] = first
        report["bytecode"] = bytecode_coverage(python)

    # -- cost ---------------------------------------------------------------------------------------------------
    cost: dict[str, dict[str, float]] = {}
    for route, (_function, _path, _query, _headers, _share) in ENDPOINTS.items():
        ms = math.ceil(warm[route]["p50_ms"])
        reads = 1 if route in ("/trending-repositories", "/trending-developers") else 0
        ours = (
            1e6 * MEMORY_GB * ms / 1000 * PRICES["lambda_arm64_gb_second"]
            + PRICES["lambda_per_million"]
            + PRICES["http_api_per_million"]
            + reads * PRICES["dynamodb_read_unit_per_million"]
        )
        baseline_ms = math.ceil(report["trending_scrape_ms"]) if reads else ms  # no cache: every call scrapes
        baseline = (
            1e6 * MEMORY_GB * baseline_ms / 1000 * PRICES["lambda_x86_gb_second"]
            + PRICES["lambda_per_million"]
            + PRICES["rest_api_per_million"]
        )
        cost[route] = {"ours_usd_per_million": round(ours, 3), "rest_x86_no_cache_usd_per_million": round(baseline, 3)}
    mix = {route: spec[4] for route, spec in ENDPOINTS.items()}
    ours_mix = sum(cost[route]["ours_usd_per_million"] * share for route, share in mix.items())
    base_mix = sum(cost[route]["rest_x86_no_cache_usd_per_million"] * share for route, share in mix.items())
    report["cost"] = {"per_endpoint": cost, "traffic_mix": mix, "ours_mix": round(ours_mix, 3),
                      "baseline_mix": round(base_mix, 3)}  # fmt: skip

    # -- targets ------------------------------------------------------------------------------------------------
    targets: dict[str, dict[str, Any]] = {}
    for function, budget in COLD_BUDGET.items():
        ratio = report["cold_init"][function]["ratio"]
        targets[f"cold init ratio {function}"] = target(ratio, f"<= {budget}x import requests", ratio <= budget)
    bar = first["original: import requests, one request"]["total_ms"]
    for route in SINGLE_CALL:
        row = first[route]
        targets[f"cold first request {route}"] = target(
            row["request_ms"], f"<= init + {1.3 * RTT * 1000:.0f} ms", row["request_ms"] <= 1.3 * RTT * 1000
        )
    for route in ENDPOINTS:  # every contract route: its cold first request no slower than the original's
        row = first[route]
        targets[f"cold first request {route} vs original"] = target(
            row["total_ms"], f"<= {bar} ms (original)", row["total_ms"] <= bar
        )
    coverage = report["bytecode"]
    targets["every .py has its 3.13 bytecode"] = target(
        f"{coverage['with_313_bytecode']}/{coverage['py_files']}",
        "all",
        coverage["with_313_bytecode"] == coverage["py_files"],
    )
    for route in ENDPOINTS:
        value = warm[route]["overhead_p50_ms"]
        targets[f"warm overhead p50 {route}"] = target(value, "<= 2 ms", value <= 2.0)
    repositories = warm["/repositories"]["p50_ms"]
    targets["warm /repositories"] = target(
        repositories, f"<= {1.3 * RTT * 1000:.0f} ms", repositories <= 1.3 * RTT * 1000
    )
    for route in ("/trending-repositories", "/trending-developers"):
        value = warm[route]["upstream_requests_per_call"]
        targets[f"warm cache {route}: upstream requests"] = target(value, 0, value == 0)
    for route in ("/search/repositories", "/developers/{name}/events"):
        raw = warm[route]["upstream_bytes"]
        share, share_gz = warm[route]["response_bytes"] / raw, warm[route]["response_bytes_gzip"] / raw
        targets[f"bytes {route}"] = target(round(share * 100, 1), "<= 12 % of GitHub's", share <= 0.12)
        targets[f"bytes {route} gzipped"] = target(round(share_gz * 100, 1), "<= 4 % of GitHub's", share_gz <= 0.04)
    share = warm["/developers"]["github_304_share"]
    targets["conditional requests: a repeated read of unchanged data is a 304"] = target(share, "all", share >= 0.99)
    ratio = ours_mix / base_mix
    targets["US$ per million, contract mix, vs REST API + x86 + no cache"] = target(
        round(ratio, 2), "<= 0.4", ratio <= 0.4
    )
    if notifications.enabled():  # the notifications pipeline (BENCH_NOTIFICATIONS=0 skips it)
        report["notifications"] = notifications.run()
        targets.update(notifications.targets(report["notifications"]))
    if history.enabled():  # the trending history's reads (BENCH_HISTORY=0 skips it)
        print("trending history: two dated refreshes, then each route warm")
        report["history"] = history.run()
        targets.update(history.targets(report["history"]))
    report["share"] = share_codes.run()  # a share code served again: no WeChat call
    targets.update(share_codes.targets(report["share"]))
    report["targets"] = targets
    report["seconds"] = round(time.perf_counter() - started, 1)

    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    from bench.chart import draw

    draw(report, OUT / "results.png")
    (OUT / "results.md").write_text(markdown(report))
    if "notifications" in report:
        with (OUT / "results.md").open("a") as results_md:
            results_md.write(notifications.markdown(report["notifications"]))
    with (OUT / "results.md").open("a") as results_md:
        results_md.write(history.markdown(report["history"]) if "history" in report else "")
        results_md.write(share_codes.markdown(report["share"]))
    into_docs((OUT / "results.md").read_text())
    print_table(report)
    return 0


PERFORMANCE_DOC = ROOT / "docs" / "performance.md"
BLOCK = ("<!-- bench:begin -->\n", "<!-- bench:end -->")


def into_docs(tables: str, doc: Path = PERFORMANCE_DOC) -> None:
    """docs/performance.md's tables replaced by this run's (between its bench markers): never copied by hand.
    The text around the markers is written by hand and kept as it is."""
    text = doc.read_text()
    head, found, rest = text.partition(BLOCK[0])
    _, ended, tail = rest.partition(BLOCK[1])
    if not (found and ended):
        raise SystemExit(f"{doc}: the bench markers are missing; the tables were written to bench/results.md only")
    doc.write_text(head + BLOCK[0] + tables + BLOCK[1] + tail)


def markdown(report: dict[str, Any]) -> str:
    """The tables of bench/results.md, also written between the markers of docs/performance.md."""
    lines = [
        "| function | init ms | CPU ms | ratio | without .pyc: CPU ms | ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, row in report["cold_init"].items():
        lines.append(f"| {name} | {row['ms']} | {row['cpu_ms']} | {row['ratio']} | {row['cpu_ms_without_bytecode']} | "
                     f"{row['ratio_without_bytecode']} |")  # fmt: skip
    lines += [
        "",
        "| what it costs at init, CPU ms (Python 3.13, bytecode) | CPU ms | ÷ `import requests` |",
        "|---|---:|---:|",
    ]
    for step, row in report["init_costs"].items():
        lines.append(f"| {step} | {row['cpu_ms']} | {row['ratio_to_requests']} |")
    lines += ["", "| cold first request | init ms | request ms | total ms |", "|---|---:|---:|---:|"]
    for route, row in report["cold_first_request"].items():
        lines.append(f"| {route} | {row['init_ms']} | {row['request_ms']} | {row['total_ms']} |")
    lines += [
        "",
        "| warm | p50 ms | p99 ms | p50 no RTT | our overhead p50 | upstream/call | new conns/call | bytes | gzip "
        "| GitHub bytes | 304 share | US$/M ours | US$/M REST+x86 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for route, row in report["warm"].items():
        cost = report["cost"]["per_endpoint"][route]
        cells = [route, *(row[key] for key in ("p50_ms", "p99_ms", "no_rtt_p50_ms", "overhead_p50_ms",
                 "upstream_requests_per_call", "new_connections_per_call", "response_bytes", "response_bytes_gzip",
                 "upstream_bytes", "github_304_share")), cost["ours_usd_per_million"],
                 cost["rest_x86_no_cache_usd_per_million"]]  # fmt: skip
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    lines += ["", "| target | value | limit | met |", "|---|---|---|---|"]
    for name, row in report["targets"].items():
        lines.append(f"| {name} | {row['value']} | {row['target']} | {'yes' if row['met'] else '**no**'} |")
    return "\n".join(lines) + "\n"


def print_table(report: dict[str, Any]) -> None:
    print(f"\ncold init on Python 3.13 (median of {report['rounds']}; ratio of CPU time to `import requests`)")
    print(f"{'function':32} {'ms':>8} {'CPU ms':>7} {'ratio':>6} {'no .pyc ms':>11} {'CPU ms':>7} {'ratio':>6}")
    for name, row in report["cold_init"].items():
        print(f"{name:32} {row['ms']:8.1f} {row['cpu_ms']:7.1f} {row['ratio']:6.2f} {row['ms_without_bytecode']:11.1f} "
              f"{row['cpu_ms_without_bytecode']:7.1f} {row['ratio_without_bytecode']:6.2f}")  # fmt: skip
    print(f"\ncold first request (fresh process, {report['round_trip_ms']:.0f} ms round trip)")
    for route, row in report["cold_first_request"].items():
        print(f"{route:52} init {row['init_ms']:7.1f}  request {row['request_ms']:6.1f}  total {row['total_ms']:7.1f}")
    print(
        "\nwarm (ms)                      p50    p99  no-RTT p50  overhead  upstream  conns  bytes  gzip  GitHub  304s"
    )
    for route, row in report["warm"].items():
        print(f"{route:28} {row['p50_ms']:6.1f} {row['p99_ms']:6.1f} {row['no_rtt_p50_ms']:11.2f} "
              f"{row['overhead_p50_ms']:9.2f} {row['upstream_requests_per_call']:9.2f} "
              f"{row['new_connections_per_call']:6.2f} {row['response_bytes']:6} {row['response_bytes_gzip']:5} "
              f"{row['upstream_bytes']:7} {row['github_304_share']:5.2f}")  # fmt: skip
    cost = report["cost"]
    print(f"\nUS$ per million requests, contract mix: ours {cost['ours_mix']}, REST API + x86 + no cache "
          f"{cost['baseline_mix']}")  # fmt: skip
    print("\ntargets")
    for name, row in report["targets"].items():
        print(f"  {'met ' if row['met'] else 'MISS'} {name}: {row['value']} (target {row['target']})")
    print(f"\n{report['seconds']} s; bench/results.json, bench/results.png")


if __name__ == "__main__":
    sys.exit(main())
