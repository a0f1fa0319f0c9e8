"""Every GitHub-backed route against every fault of local.fakes.faults, through the local API: each answer
is the documented status with a JSON {"message"} (and Retry-After where GitHub gave one), never a 500 and
never a function timeout. docs/api.md's errors table says the same; the routes of a fault run at once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from local.fakes import faults
from tests.conftest import USER_TOKEN

# Seconds an answer may take at most: the test stack's deadline per upstream call is HTTP_TOTAL_TIMEOUT=3.
WITHIN = 8.0


@dataclass(frozen=True)
class Route:
    path: str
    params: dict[str, str]
    upstream: tuple[str, ...]  # path patterns of its upstream calls, each faulted on its own
    trending_key: str | None = None  # the snapshot that must be missing so that github.com is asked
    overrides: dict[str, Any] = field(default_factory=dict)


TRENDING = {"401": 502, "403": 502, "404": 502, "410": 502, "422": 502}  # github.com refusing: nothing to serve
ROUTES = {
    "developer": Route("/developers", {"name": "faulty"}, (r"^/api/users/faulty$",)),
    "login": Route("/developers", {"token": USER_TOKEN}, (r"^/api/user$",)),
    "events": Route("/developers/faulty/events", {}, (r"^/api/users/faulty/received_events$",)),
    "repository": Route(
        "/repositories",
        {"owner": "faulty", "name": "repo"},
        (r"^/api/repos/faulty/repo$", r"^/api/repos/faulty/repo/readme$"),
        overrides={"10 MB body": 200},  # on the README only, which is cut: see test_huge_readme_is_cut
    ),
    "search": Route("/search/repositories", {"name": "faulty"}, (r"^/api/search/repositories$",)),
    "trending repositories": Route(
        "/trending-repositories", {"spoken_language_code": "eo"}, (r"^/web/trending/?$",),
        trending_key="repositories#daily#all#eo", overrides=TRENDING,
    ),
    "trending developers": Route(
        "/trending-developers", {"since": "monthly", "language": "c"}, (r"^/web/trending/developers/c/?$",),
        trending_key="developers#monthly#c#any", overrides=TRENDING,
    ),
}  # fmt: skip

RATE_LIMIT_WINDOW = faults.RATE_LIMIT_WINDOW
# fault → status, or (status, Retry-After in seconds)
EXPECTED: dict[str, Any] = {
    "500": 502,
    "502": 502,
    "503 once": 200,
    "503 three times": 502,
    "503 retry-after short": (503, 1),
    "503 retry-after long": (503, 3600),
    "connection reset": 502,
    "no answer": 504,
    "dripping body": 504,
    "malformed json": 502,
    "json null": 502,
    "json string": 502,
    "json list of objects": 502,
    "json list of numbers": 502,
    "json object without fields": 502,
    "html page 200": 502,
    "401": 401,
    "403": 403,
    "403 rate limit spent": (429, RATE_LIMIT_WINDOW),
    "429 retry-after seconds": (429, 120),
    "429 retry-after date": (429, 120),
    "404": 404,
    "410": 404,
    "422": 400,
    "10 MB body": 502,
}


@pytest.fixture(scope="module")
def warm(api, github_server):
    """Each route answered once first, so that a cold start is not counted as the answer's time."""
    with ThreadPoolExecutor(len(ROUTES)) as pool:
        list(pool.map(lambda r: requests.get(f"{api.url}{r.path}", params=r.params, timeout=60), ROUTES.values()))


def test_every_fault_has_an_expectation():
    assert set(EXPECTED) == set(faults.catalogue())


def _check(http, route: Route, fault: str) -> str | None:
    """What is wrong with the route's answer under the fault, or None."""
    wanted = route.overrides.get(fault, EXPECTED[fault])
    status, retry_after = wanted if isinstance(wanted, tuple) else (wanted, None)
    started = time.monotonic()
    response = http.get(f"{http.base_url}{route.path}", params=route.params, timeout=30)
    took = time.monotonic() - started
    problems = []
    if response.status_code != status:
        problems.append(f"status {response.status_code}, expected {status}: {response.text[:200]}")
    if took > WITHIN:
        problems.append(f"took {took:.1f} s")
    if response.headers.get("Content-Type", "").split(";")[0] != "application/json":
        problems.append(f"content type {response.headers.get('Content-Type')}")
    body = response.json()
    if status != 200 and not (isinstance(body, dict) and set(body) <= {"message", "code"} and body["message"]):
        problems.append(f"body {response.text[:200]}")
    given = response.headers.get("Retry-After")
    if retry_after is None and given is not None:
        problems.append(f"Retry-After {given} unexpected")
    if retry_after is not None and not (given and abs(int(given) - retry_after) <= 5):
        problems.append(f"Retry-After {given}, expected about {retry_after}")
    return "; ".join(problems) or None


@pytest.mark.parametrize("fault", list(EXPECTED))
def test_every_route_under_the_fault(warm, http, github, dynamodb, fault):
    for route in ROUTES.values():
        if route.trending_key:
            dynamodb.client().delete_item(TableName="TrendingTable", Key={"pk": {"S": route.trending_key}})
        patterns = route.upstream
        if fault == "10 MB body" and route.path == "/repositories":
            patterns = patterns[1:]  # a README of 10 MB; the repository itself is fine
        for pattern in patterns:
            faults.inject(github, pattern, faults.catalogue()[fault])
    with ThreadPoolExecutor(len(ROUTES)) as pool:
        found = dict(zip(ROUTES, pool.map(lambda route: _check(http, route, fault), ROUTES.values()), strict=True))
    failures = {name: problem for name, problem in found.items() if problem}
    if fault == "403 rate limit spent":
        time.sleep(RATE_LIMIT_WINDOW)  # the token pool believed GitHub: later tests get the service token back
    assert not failures, failures


def test_huge_readme_is_cut_and_says_so(http, github):
    faults.inject(github, r"^/api/repos/faulty/repo/readme$", faults.catalogue()["10 MB body"])
    response = http.get(f"{http.base_url}/repositories", params={"owner": "faulty", "name": "repo"}, timeout=30)
    assert response.status_code == 200
    body = response.json()
    assert body["readme_truncated"] is True
    assert body["readme"].startswith("# Huge\n")
    assert len(body["readme"].encode()) <= 1_000_000
    assert len(response.content) < 6_000_000


def test_a_failed_repository_ends_the_readme_call_with_the_request(http, github):
    silent = faults.inject(github, r"^/api/repos/faulty/repo/readme$", faults.catalogue()["no answer"])
    not_found = faults.catalogue()["404"].answer

    def not_found_once_the_readme_is_asked(request: Any) -> Any:
        """The 404 only once the README call has reached GitHub: else the request could end before the README
        call is sent (it then never is), and there would be no open call whose end the test could see."""
        waited_until = time.monotonic() + 0.5
        while not silent.served and time.monotonic() < waited_until:
            time.sleep(0.005)
        return not_found(request)

    faults.inject(
        github, r"^/api/repos/faulty/repo$", faults.Fault("404 after the README", not_found_once_the_readme_is_asked)
    )
    started = time.monotonic()
    response = http.get(f"{http.base_url}/repositories", params={"owner": "faulty", "name": "repo"}, timeout=30)
    answered = time.monotonic()
    assert response.status_code == 404
    assert answered - started < 0.8  # not waiting for the README (the read timeout is 1 s)
    while not silent.hung_up and time.monotonic() < answered + 2:
        time.sleep(0.02)
    assert silent.served == 1
    assert silent.hung_up, "the README call was still open after the request ended"
    assert silent.hung_up[0] - answered < 0.5  # closed by the request's end, not by the read timeout
