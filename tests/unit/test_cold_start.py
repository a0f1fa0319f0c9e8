"""What each function loads on its cold path: only what its requests need (the cold-start budgets of `make bench`).

One fresh interpreter imports every API function as Lambda would and answers one request from each, against
the loopback GitHub fake; the modules it loaded are checked after each step."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from local.template import LAYER_DIR, ROOT, load

GITHUB_FUNCTIONS = (
    "DevelopersFunction",
    "DeveloperEventsFunction",
    "RepositoriesFunction",
    "SearchRepositoriesFunction",
)
# Powertools imports the `botocore` package alone (1 ms, for its user agent); the SDK is its client and session.
AWS_SDK = {"boto3", "botocore.session", "botocore.client", "pynamodb"}
SCRAPING = {"requests", "urllib3", "selectolax"}

PROBE = """
import importlib.util, json, sys
from pathlib import Path

def loaded():
    return sorted(sys.modules)

def load_app(name, folder):
    spec = importlib.util.spec_from_file_location(name, Path(folder) / "app.py")
    module = sys.modules[name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

class Context:
    function_name = "probe"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:probe"
    aws_request_id = "probe"

def event(path, query, headers):
    return {"version": "2.0", "routeKey": "GET " + path, "rawPath": path, "rawQueryString": "",
            "headers": headers, "queryStringParameters": query, "isBase64Encoded": False,
            "requestContext": {"http": {"method": "GET", "path": path, "sourceIp": "127.0.0.1"},
                               "requestId": "probe", "stage": "$default"}}

steps, folders = json.loads(sys.argv[1]), json.loads(sys.argv[2])
report = {}
for step, (function, request) in steps.items():
    if function not in sys.modules:
        load_app(function, folders[function])
    report[step + ":import"] = loaded()
    if request:
        answer = sys.modules[function].lambda_handler(event(*request), Context())
        report[step + ":status"] = answer["statusCode"]
        report[step + ":request"] = loaded()
print(json.dumps(report))
"""


def _probe(steps: dict[str, tuple[str, list[object] | None]], env: dict[str, str]) -> dict[str, Any]:
    folders = {spec.name: str(spec.code_uri) for spec in load().functions.values()}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(steps), json.dumps(folders)],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{LAYER_DIR}:{ROOT}", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.splitlines()[-1]))  # the last line; the ones before are logs


def test_cold_paths_load_only_what_their_requests_need(github_server):
    token = {"authorization": "ghp_" + "c" * 36}
    report = _probe(
        {
            "health": ("HealthCheckFunction", ["/health-check", None, {}]),
            "languages": ("TrendingLanguagesFunction", ["/trending-languages", None, {}]),
            "trending": ("TrendingRepositoriesFunction", None),
            **{name: (name, None) for name in GITHUB_FUNCTIONS},
            "developer": ("DevelopersFunction", ["/developers", {"name": "octocat"}, token]),
        },
        {"GITHUB_API_URL": github_server.api_url, "AWS_REGION": "us-east-1", "GITHUB_TOKEN_PARAMETER": "/wegit/t"},
    )
    assert not {"pydantic", *AWS_SDK, *SCRAPING} & set(report["health:request"])
    # the popular languages are a constant: no table client
    assert report["languages:status"] == 200
    assert not AWS_SDK & set(report["languages:request"])
    # a trending read needs the table, never the scraper, until a snapshot is missing
    assert not AWS_SDK & set(report["trending:import"]), "the table client is made on the first read"
    assert not SCRAPING & set(report["trending:import"])
    # GitHub functions: no AWS SDK in the import, nor before the first GitHub call when the caller has a token
    for name in GITHUB_FUNCTIONS:
        assert not AWS_SDK & set(report[f"{name}:import"]), name
    assert report["developer:status"] == 200
    assert not AWS_SDK & set(report["developer:request"])


# What no API function may load while it imports (its init): the framework that builds the OpenAPI document
# ahead of time and, for every function that does not need it at init, the AWS SDK. Each costs tens to hundreds
# of ms of every cold start on Python 3.13 (`make bench`, docs/performance.md).
BUILD_TIME_ONLY = {"pydantic", "pydantic_core", "aws_lambda_powertools.event_handler", "wegit.validation"}
NO_SDK_AT_INIT = {
    *GITHUB_FUNCTIONS,
    "CreateSessionFunction",
    "GetMeFunction",
    "PutGitHubTokenFunction",
    "DeleteGitHubTokenFunction",
    "DeleteMeFunction",
    # wegit.notifications.service and its store (low-level calls on wegit.aws, no PynamoDB)
    "CreateSubscriptionFunction",
    "ListSubscriptionsFunction",
    "DeleteSubscriptionFunction",
    "CreateGrantsFunction",
    "ListNotificationsFunction",
    "MarkNotificationReadFunction",
    "HealthCheckFunction",
    "TrendingRepositoriesFunction",
    "TrendingDevelopersFunction",
    "TrendingLanguagesFunction",
    "TrendingHistoryFunction",
    "TrendingNewRepositoriesFunction",
    "RepositoryTrendingFunction",
    "CreateShareFunction",
    "GetShareFunction",
    "GetShareImageFunction",
    "ResolveUrlFunction",
}

IMPORT_PROBE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps(sorted(sys.modules)))
"""


def test_no_api_function_imports_what_its_init_must_not():
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{LAYER_DIR}:{ROOT}", "AWS_REGION": "us-east-1"}
    api_functions = [spec for spec in load().functions.values() if spec.routes]
    assert len(api_functions) >= 19
    for spec in api_functions:
        done = subprocess.run(
            [sys.executable, "-c", IMPORT_PROBE, str(spec.code_uri / "app.py")],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        loaded = set(json.loads(done.stdout.splitlines()[-1]))
        denied = BUILD_TIME_ONLY | (AWS_SDK if spec.name in NO_SDK_AT_INIT else set())
        assert not denied & loaded, (spec.name, sorted(denied & loaded))
