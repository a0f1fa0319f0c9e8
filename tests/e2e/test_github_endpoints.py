"""Calls 4-8 of the client contract end to end: local API → function → layer → loopback GitHub fake."""

from __future__ import annotations

import json
import time

import pytest

from local.fakes import faults
from local.fakes.github import link_header
from tests.conftest import SERVICE_TOKEN, USER_TOKEN


def get(http, path, **kwargs):
    return http.get(f"{http.base_url}{path}", timeout=30, **kwargs)


def upstream(github, prefix):
    return [r for r in github.requests("/api") if r.path.startswith(prefix)]


# -- happy paths -------------------------------------------------------------------------------------------


def test_developer_by_name(http, github):
    response = get(http, "/developers", params={"name": "sigmavirus24"})
    assert response.status_code == 200
    user = response.json()
    recorded = github.recorded("user").json()
    assert user["login"] == recorded["login"]
    assert user["followers"] == recorded["followers"]
    assert "followers_url" not in user  # projected, not GitHub's whole object
    calls = upstream(github, "/api/users/")
    assert [r.path for r in calls] == ["/api/users/sigmavirus24"]
    assert calls[0].headers["Authorization"] == f"Bearer {SERVICE_TOKEN}"  # anonymous caller: service token


def test_developer_by_token_logs_in(http, github):
    response = get(http, "/developers", params={"token": USER_TOKEN})
    assert response.status_code == 200
    assert response.json()["login"] == github.recorded("me").json()["login"]
    calls = upstream(github, "/api/user")
    assert len(calls) == 1
    assert calls[0].path == "/api/user"
    assert calls[0].headers["Authorization"] == f"Bearer {USER_TOKEN}"


@pytest.mark.parametrize("header", [USER_TOKEN, f"token {USER_TOKEN}", f"Bearer {USER_TOKEN}"])
def test_token_in_the_header_in_every_accepted_form(http, github, header):
    response = get(http, "/developers", headers={"Authorization": header})
    assert response.status_code == 200
    assert upstream(github, "/api/user")[0].headers["Authorization"] == f"Bearer {USER_TOKEN}"


def test_events_with_max_page_from_rel_last(http, github):
    response = get(http, "/developers/sigmavirus24/events", headers={"Authorization": USER_TOKEN})
    assert response.status_code == 200
    assert response.headers["Max-Page"] == "12"  # the recording's rel="last" is page 12
    events = response.json()
    assert len(events) == len(github.recorded("received_events").json())
    assert set(events[0]) == {"id", "type", "created_at", "actor", "repo"}  # the contract's fields, no more
    calls = upstream(github, "/api/users/")
    assert len(calls) == 1
    assert calls[0].args["page"] == "1"
    assert calls[0].headers["Authorization"] == f"Bearer {USER_TOKEN}"


def test_events_page_is_passed_upstream(http, github):
    response = get(http, "/developers/sigmavirus24/events", params={"page": "3"})
    assert response.status_code == 200
    assert upstream(github, "/api/users/")[0].args["page"] == "3"


def test_max_page_without_rel_last_is_highest_named_plus_one(http, github):
    base = f"{github.api_url}/users/someone/received_events"
    github.server.expect_oneshot_request("/api/users/someone/received_events").respond_with_json(
        [], headers={"Link": link_header(base, 3, None, has_next=False)}
    )
    response = get(http, "/developers/someone/events", params={"page": "3"})
    assert response.status_code == 200
    assert response.headers["Max-Page"] == "3"  # prev=2, first=1: the client is on the last page, 2 + 1


def test_max_page_is_zero_without_link(http, github):
    github.server.expect_oneshot_request("/api/users/lonely/received_events").respond_with_json([])
    response = get(http, "/developers/lonely/events")
    assert response.status_code == 200
    assert response.headers["Max-Page"] == "0"
    assert response.json() == []


def test_repository_with_readme_in_two_concurrent_requests(http, github):
    response = get(http, "/repositories", params={"owner": "octocat", "name": "Hello-World"})
    assert response.status_code == 200
    repo = response.json()
    recorded = github.recorded("repository").json()
    assert repo["stargazers_count"] == recorded["stargazers_count"]
    assert repo["license"] == {
        k: recorded["license"][k] for k in ("key", "name", "spdx_id") if k in recorded["license"]
    }
    assert repo["readme"].startswith("#") or len(repo["readme"]) > 20
    assert "<" not in repo["readme"][:50]  # markdown, not HTML or JSON
    calls = upstream(github, "/api/repos/")
    assert sorted(r.path for r in calls) == ["/api/repos/octocat/Hello-World", "/api/repos/octocat/Hello-World/readme"]
    readme_call = next(r for r in calls if r.path.endswith("/readme"))
    assert readme_call.headers["Accept"] == "application/vnd.github.raw"


def test_repository_readme_html_is_sanitized_and_absolute(http, github):
    response = get(http, "/repositories", params={"owner": "octocat", "name": "Hello-World", "readme_html": "true"})
    assert response.status_code == 200
    html = response.json()["readme_html"]
    assert "<script" not in html
    assert 'href="/' not in html
    assert 'src="/' not in html
    assert "https://github.com/octocat/Hello-World/blob/" in html or "https://raw.githubusercontent.com/" in html
    assert len(upstream(github, "/api/repos/")) == 3


def test_repository_without_readme_has_empty_readme(http, github):
    github.server.expect_oneshot_request("/api/repos/octocat/bare/readme").respond_with_json(
        {"message": "Not Found"}, status=404
    )
    response = get(http, "/repositories", params={"owner": "octocat", "name": "bare"})
    assert response.status_code == 200
    assert response.json()["readme"] == ""


def test_search_with_max_page(http, github):
    response = get(http, "/search/repositories", params={"name": "tetris", "page": "2"})
    assert response.status_code == 200
    items = response.json()
    assert items
    assert set(items[0]) == {"id", "owner", "name", "language", "stargazers_count", "description", "updated_at"}
    assert response.headers["Max-Page"] == "3"  # the recording's rel="last": 77 results, 30 a page
    # gzipped, since requests asks for it: the contract's fields of 30 results in a few hundred bytes
    assert response.headers["Content-Encoding"] == "gzip"
    assert int(response.headers["Content-Length"]) < len(response.content) / 3
    call = upstream(github, "/api/search/")[0]
    assert call.args["q"] == "tetris"
    assert call.args["page"] == "2"


# -- upstream failures -------------------------------------------------------------------------------------


def test_unknown_user_is_404(http, github):
    github.server.expect_oneshot_request("/api/users/ghost").respond_with_json({"message": "Not Found"}, status=404)
    response = get(http, "/developers", params={"name": "ghost"})
    assert response.status_code == 404
    assert response.json() == {"message": "not found on GitHub"}


def test_unknown_repository_is_404(http, github):
    github.server.expect_oneshot_request("/api/repos/octocat/nothing").respond_with_json(
        {"message": "Not Found"}, status=404
    )
    github.server.expect_oneshot_request("/api/repos/octocat/nothing/readme").respond_with_json(
        {"message": "Not Found"}, status=404
    )
    response = get(http, "/repositories", params={"owner": "octocat", "name": "nothing"})
    assert response.status_code == 404
    assert "message" in response.json()


def test_bad_credentials_is_401_and_the_token_is_nowhere(http, github, function_log):
    github.server.expect_oneshot_request("/api/user").respond_with_json({"message": "Bad credentials"}, status=401)
    response = get(http, "/developers", params={"token": USER_TOKEN})
    assert response.status_code == 401
    assert USER_TOKEN not in response.text
    assert USER_TOKEN not in function_log.read_text()
    assert SERVICE_TOKEN not in function_log.read_text()


def test_rate_limit_exhausted_is_429_with_retry_after(http, github):
    reset = int(time.time()) + 600
    github.server.expect_oneshot_request("/api/users/busy").respond_with_json(
        {"message": "API rate limit exceeded"},
        status=403,
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Limit": "60", "X-RateLimit-Reset": str(reset)},
    )
    # With the caller's own token: spending the service token's budget here would leave the shared pool (and its
    # rate-limit table) exhausted for 10 minutes, and later tests on this stack would go out anonymously.
    response = get(http, "/developers", params={"name": "busy"}, headers={"Authorization": USER_TOKEN})
    assert response.status_code == 429
    assert 590 <= int(response.headers["Retry-After"]) <= 600
    assert response.json()["message"]


def test_forbidden_without_rate_limit_is_403(http, github):
    github.server.expect_oneshot_request("/api/users/blocked").respond_with_json({"message": "nope"}, status=403)
    assert get(http, "/developers", params={"name": "blocked"}).status_code == 403


def test_502_then_success_is_retried(http, github):
    github.server.expect_oneshot_request("/api/users/flaky").respond_with_data("bad gateway", status=502)
    response = get(http, "/developers", params={"name": "flaky"})
    assert response.status_code == 200
    assert len(upstream(github, "/api/users/flaky")) == 2


def test_503_three_times_is_502_after_two_retries(http, github):
    for _ in range(3):
        github.server.expect_oneshot_request("/api/users/down").respond_with_data("unavailable", status=503)
    response = get(http, "/developers", params={"name": "down"})
    assert response.status_code == 502
    assert len(upstream(github, "/api/users/down")) == 3


def test_500_three_times_is_502_without_retry(http, github):
    # 500 is not in the retried set (502/503/504): a server error is not transient by contract.
    for _ in range(3):
        github.server.expect_oneshot_request("/api/users/broken").respond_with_data("boom", status=500)
    response = get(http, "/developers", params={"name": "broken"})
    assert response.status_code == 502
    assert len(upstream(github, "/api/users/broken")) == 1


def test_read_timeout_is_504(http, github):
    # No answer at all (the test stack's HTTP_READ_TIMEOUT is 1 s); the fake stops waiting when the caller leaves.
    faults.inject(github, r"^/api/users/slow$", faults.catalogue()["no answer"])
    response = get(http, "/developers", params={"name": "slow"})
    assert response.status_code == 504
    assert response.json()["message"]
    ends = time.monotonic() + 5  # the fake logs the request as it ends: not in the next test's log
    while not upstream(github, "/api/users/slow") and time.monotonic() < ends:
        time.sleep(0.02)


def test_malformed_json_is_502(http, github):
    github.server.expect_oneshot_request("/api/users/garbled").respond_with_data(
        '{"login": "garbled", ', content_type="application/json"
    )
    response = get(http, "/developers", params={"name": "garbled"})
    assert response.status_code == 502
    assert response.json() == {"message": "GitHub sent a response that is not JSON"}


# -- validation: 400 before any upstream call --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("/developers", {}, "name"),
        ("/developers", {"name": "-bad"}, "name"),
        ("/developers", {"name": "a" * 40}, "name"),
        ("/developers", {"name": "x/../../admin"}, "name"),
        ("/developers", {"name": "octocat", "token": USER_TOKEN}, "name"),
        ("/developers/bad..name/events", {}, "name"),
        ("/developers/octocat/events", {"page": "0"}, "page"),
        ("/developers/octocat/events", {"page": "11"}, "page"),
        ("/developers/octocat/events", {"page": "two"}, "page"),
        ("/repositories", {"name": "Hello-World"}, "owner"),
        ("/repositories", {"owner": "octocat"}, "name"),
        ("/repositories", {"owner": "octocat", "name": ".."}, "name"),
        ("/repositories", {"owner": "octocat", "name": "a/b"}, "name"),
        ("/repositories", {"owner": "octocat", "name": "x?y=1"}, "name"),
        ("/repositories", {"owner": "octocat", "name": "x#frag"}, "name"),
        ("/search/repositories", {}, "name"),
        ("/search/repositories", {"name": ""}, "name"),
        ("/search/repositories", {"name": "x" * 257}, "name"),
        ("/search/repositories", {"name": "tetris", "page": "35"}, "page"),
    ],
)
def test_bad_input_is_400_naming_the_parameter(http, github, path, params, named):
    response = get(http, path, params=params)
    assert response.status_code == 400, response.text
    assert named in response.json()["message"]
    assert github.requests("/api") == []


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({}, {"Authorization": "token a b c"}),
        ({}, {"Authorization": "not-a-token!"}),
        ({"token": "short"}, {}),
        ({"token": "x" * 41 + "!"}, {}),
    ],
)
def test_malformed_token_is_401_without_upstream_call(http, github, params, headers):
    response = get(http, "/developers", params=params, headers=headers)
    assert response.status_code == 401
    assert "token" in response.json()["message"]
    assert github.requests("/api") == []


def test_every_error_body_is_json_with_a_message(http, github):
    github.server.expect_oneshot_request("/api/users/ghost").respond_with_json({}, status=404)
    for response in (
        get(http, "/developers", params={"name": "ghost"}),
        get(http, "/developers"),
        get(http, "/nope"),
    ):
        body = json.loads(response.text)
        assert set(body) == {"message"}
        assert isinstance(body["message"], str)
        assert body["message"]
