"""Benchmarks (`make bench`): cold start, parsing, projection and warm requests through the local API.

Numbers, not pass/fail timings; the only assertions are the memory and size budgets."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from local.template import LAYER_DIR, ROOT, SHARED, load
from wegit.github import projections
from wegit.trending import parser as trending_parser

TRENDING = SHARED / "fixtures" / "trending"
FUNCTIONS = load().functions
# Peak RSS from VmHWM: ru_maxrss survives exec and would report the forking test process instead.
COLD_START = """
import time
started = time.perf_counter()
import app
elapsed = round((time.perf_counter() - started) * 1000, 1)
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(elapsed, peak_kb // 1024)
"""
MEMORY_BUDGET_MB = 128  # the smallest Lambda size worth running these on


@pytest.mark.parametrize("function", ["HealthCheckFunction", "DevelopersFunction", "TrendingRepositoriesFunction"])
def test_cold_import(benchmark, function):
    """Import time of a handler module in a fresh interpreter: the part of a cold start the code controls."""
    spec = FUNCTIONS[function]
    env = {"PYTHONPATH": f"{spec.code_uri}:{LAYER_DIR}", "PATH": "/usr/bin:/bin"}

    def cold() -> tuple[float, int]:
        out = subprocess.run([sys.executable, "-c", COLD_START], env=env, capture_output=True, text=True, check=True)
        ms, rss = out.stdout.split()
        return float(ms), int(rss)

    ms, rss_mb = benchmark.pedantic(cold, rounds=5, iterations=1)
    benchmark.extra_info.update(import_ms=ms, max_rss_mb=rss_mb)
    assert rss_mb < MEMORY_BUDGET_MB


SSM_PATH = """
import time
import app
started = time.perf_counter()
from aws_lambda_powertools.utilities import parameters
import boto3
boto3.client("ssm", region_name="us-east-1")
print(round((time.perf_counter() - started) * 1000, 1))
"""


def test_service_token_cold_cost(benchmark):
    """What reading the service token from SSM adds to the first anonymous call of a container, after the
    handler is imported: importing Powertools parameters and the AWS SDK, and making the SSM client."""
    spec = FUNCTIONS["DevelopersFunction"]
    env = {"PYTHONPATH": f"{spec.code_uri}:{LAYER_DIR}", "PATH": "/usr/bin:/bin"}

    def cold() -> float:
        out = subprocess.run([sys.executable, "-c", SSM_PATH], env=env, capture_output=True, text=True, check=True)
        return float(out.stdout)

    benchmark.extra_info["ssm_path_ms"] = benchmark.pedantic(cold, rounds=5, iterations=1)


def test_parse_largest_trending_page(benchmark):
    html = (TRENDING / "repositories_2021-04-07_typescript_daily.html").read_text()
    rows = benchmark(trending_parser.parse_repositories, html)
    assert len(rows) == 25


def test_project_search_page(benchmark, github_server):
    items = github_server.recorded("search_repositories").json()["items"]
    projected = benchmark(projections.project, items, projections.SEARCH_REPOSITORY)
    raw, small = len(json.dumps(items)), len(json.dumps(projected))
    benchmark.extra_info.update(raw_bytes=raw, projected_bytes=small)
    assert small < raw / 3


def test_warm_health_check(benchmark, http):
    response = benchmark(http.get, f"{http.base_url}/health-check", timeout=10)
    assert response.status_code == 200


def test_warm_trending_from_cache(benchmark, http, stack):
    stack.runtime.invoke("RefreshTrendingFunction", json.loads((ROOT / "events/refresh_trending.json").read_text()))
    url = f"{http.base_url}/trending-repositories?since=daily&language=python"
    response = benchmark(http.get, url, timeout=10)
    assert response.status_code == 200
