"""The trending history's reads, warm, in this process: part of `make bench` (BENCH_HISTORY=0 skips it), or alone
with `python -m bench.history`. Two refreshes on two recorded days into DynamoDB Local, then each history route
called again and again through its handler; p50/p99 per route and the DynamoDB time within them."""

from __future__ import annotations

import json
import logging
import os
import statistics
import sys
import time
from typing import Any

from bench.warm import CONTEXT, api_event, load_handler
from local.dynamodb import DynamoDBLocal, create_tables
from local.fakes.github import GitHubFake
from local.template import LAYER_DIR, ROOT, load

CALLS = int(os.environ.get("BENCH_WARM_CALLS", "200"))
DAYS = (("2026-10-01", "2020-02-28"), ("2026-10-02", "2023-05-18"))
ROUTES = {
    "/trending-repositories/history": ("TrendingHistoryFunction", {"date": "2026-10-01", "since": "daily"}),
    "/trending-repositories/new": ("TrendingNewRepositoriesFunction", {"date": "2026-10-02", "since": "daily"}),
    "/repositories/trending": ("RepositoryTrendingFunction", {"owner": "smol-ai", "name": "developer"}),
}


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(handler: Any, event: dict[str, Any], spent: list[float]) -> dict[str, float]:
    """p50/p99 of CALLS warm calls, and the part of them spent waiting for DynamoDB."""
    for _ in range(5):  # warm: the client made, the connection open
        answer = handler(event, CONTEXT)
        assert answer["statusCode"] == 200, answer
    total, in_dynamodb = [], []
    for _ in range(CALLS):
        spent.clear()
        begun = time.perf_counter()
        handler(event, CONTEXT)
        total.append((time.perf_counter() - begun) * 1000)
        in_dynamodb.append(sum(spent) * 1000)
    ours = [whole - waiting for whole, waiting in zip(total, in_dynamodb, strict=True)]
    return {
        "p50_ms": round(statistics.median(total), 2),
        "p99_ms": round(percentile(total, 0.99), 2),
        "dynamodb_p50_ms": round(statistics.median(in_dynamodb), 2),
        "overhead_p50_ms": round(statistics.median(ours), 2),
    }


HISTORY_P50_MS = 10.0  # a history read: one DynamoDB query and a page of rows


def enabled() -> bool:
    return os.environ.get("BENCH_HISTORY") != "0"


def targets(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"history p50 {route}": {"met": row["p50_ms"] <= HISTORY_P50_MS, "value": row["p50_ms"],
                                 "target": f"<= {HISTORY_P50_MS:g} ms (DynamoDB Local)"}
        for route, row in report.items()
    }  # fmt: skip


def markdown(report: dict[str, Any]) -> str:
    lines = ["", "| trending history, warm | p50 ms | p99 ms | DynamoDB p50 ms | our overhead p50 ms |",
             "|---|---:|---:|---:|---:|"]  # fmt: skip
    for route, row in report.items():
        lines.append(f"| {route} | {row['p50_ms']} | {row['p99_ms']} | {row['dynamodb_p50_ms']} | "
                     f"{row['overhead_p50_ms']} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> int:
    run()
    return 0


def run() -> dict[str, Any]:
    """Two dated refreshes, then each history route measured; its figures by route."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    sys.path[:0] = [str(LAYER_DIR), str(ROOT)]
    template = load()
    with GitHubFake() as github, DynamoDBLocal() as dynamodb:
        create_tables(dynamodb.client(), template.tables, template.table_names())
        os.environ.update({
            "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_ENDPOINT_URL_DYNAMODB": dynamodb.endpoint, "GITHUB_WEB_URL": github.web_url,
            "TRENDING_PACE_SECONDS": "0", "TRENDING_DATE_FROM_EVENT": "1", "POWERTOOLS_LOG_LEVEL": "CRITICAL",
            "POWERTOOLS_METRICS_NAMESPACE": "Bench", "POWERTOOLS_SERVICE_NAME": "bench",
        })  # fmt: skip
        refresh = load_handler(template.functions["RefreshTrendingFunction"])
        for day, page in DAYS:
            github.trending_day = page
            started = time.perf_counter()
            refresh({"time": f"{day}T10:00:00Z"}, CONTEXT)
            print(f"refresh {day} (page {page}): {time.perf_counter() - started:.1f} s")
        from wegit import aws

        spent: list[float] = []  # seconds of each DynamoDB call of the current request
        send = aws.Client._send

        def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
            begun = time.perf_counter()
            try:
                return send(self, *args, **kwargs)
            finally:
                spent.append(time.perf_counter() - begun)

        report: dict[str, Any] = {}
        aws.Client._send = timed  # type: ignore[method-assign]
        try:
            for route, (function, query) in ROUTES.items():
                report[route] = measure(load_handler(template.functions[function]), api_event(route, query), spent)
                print(f"{route:32} {json.dumps(report[route])}")
        finally:
            aws.Client._send = send  # type: ignore[method-assign]
    return report


if __name__ == "__main__":
    sys.exit(main())
