"""The loopback GitHub fake: real HTTP against it, checked against values read from the recorded fixtures."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.utils import parse_header_links

from local.fakes.github import (
    FIXTURES,
    NAMED,
    GitHubFake,
    Recording,
    link_header,
    load_github3py,
    load_octokit_fixtures,
    load_octokit_rb,
    load_openapi_example,
    load_recordings,
    parse_link,
)

API_FIXTURES = FIXTURES / "github-api"
TRENDING = FIXTURES / "trending"
AUTH = {"Authorization": "token 0000000000000000000000000000000000000001"}


@pytest.fixture
def fake(github: GitHubFake) -> GitHubFake:
    """The session's fake (tests/conftest.py), cleared before and after the test."""
    return github


def get(fake: GitHubFake, path: str, **kwargs: Any) -> requests.Response:
    return requests.get(fake.api_url + path, timeout=5, **kwargs)


def links(response: requests.Response) -> dict[str, str]:
    return {link["rel"]: link["url"] for link in parse_header_links(response.headers.get("Link", ""))}


# -- lifecycle ---------------------------------------------------------------------------------------------


def test_binds_loopback_and_exposes_api_and_web_bases(fake: GitHubFake) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api", fake.api_url)
    assert fake.web_url == fake.api_url.removesuffix("/api") + "/web"


def test_start_on_a_chosen_port_and_stop() -> None:
    probe = GitHubFake().start()
    port = probe.server.port
    probe.stop()
    fake = GitHubFake().start(port)
    try:
        assert fake.api_url == f"http://127.0.0.1:{port}/api"
        assert requests.get(fake.api_url + "/rate_limit", timeout=5).status_code == 200
    finally:
        fake.stop()
    assert not fake.server.is_running()
    fake.stop()  # stopping twice is harmless


def test_missing_fixture_dir_fails_at_construction(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="WEGIT_FIXTURES"):
        GitHubFake(tmp_path)


def test_fixture_dir_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WEGIT_FIXTURES", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        GitHubFake()


# -- users -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["sigmavirus24", "octocat", "shipit%5Bbot%5D"])
def test_any_login_gets_the_recorded_user_with_its_headers(fake: GitHubFake, login: str) -> None:
    response = get(fake, f"/users/{login}")

    assert response.status_code == 200
    user = response.json()
    assert user["login"] == "sigmavirus24"
    assert user["name"] == "Ian Cordasco"
    assert (user["public_repos"], user["followers"], user["following"]) == (77, 114, 26)
    assert user["bio"] is None
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["ETag"] == '"73ff57ac28d81e87cc04567e35682b1a"'
    assert response.headers["Last-Modified"] == "Mon, 01 Sep 2014 15:37:46 GMT"
    assert response.headers["X-RateLimit-Limit"] == "60"
    assert response.headers["X-RateLimit-Remaining"] == "55"
    # The cassette's body was stored decoded; replaying "gzip" would make clients fail to inflate it.
    assert "Content-Encoding" not in response.headers
    assert response.headers["Date"] != "Mon, 01 Sep 2014 17:41:54 GMT"


def test_authenticated_user_needs_authorization(fake: GitHubFake) -> None:
    response = get(fake, "/user")

    assert response.status_code == 401
    assert response.json()["message"] == "Requires authentication"
    assert response.json()["documentation_url"].startswith("https://docs.github.com/")


def test_authenticated_user(fake: GitHubFake) -> None:
    response = get(fake, "/user", headers=AUTH)

    assert response.status_code == 200
    me = response.json()
    assert me["login"] == "sigmavirus24"
    assert me["plan"]["name"] == "free"
    assert me["total_private_repos"] == 1
    assert response.headers["X-RateLimit-Remaining"] == "4931"
    assert response.headers["Cache-Control"] == "private, max-age=60, s-maxage=60"


def test_conditional_request_with_the_recorded_etag_is_not_modified(fake: GitHubFake) -> None:
    etag = get(fake, "/users/x").headers["ETag"]

    response = get(fake, "/users/x", headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["ETag"] == etag
    assert get(fake, "/users/x", headers={"If-None-Match": '"other"'}).status_code == 200


# -- events and pagination ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/users/any/received_events", "/users/any/events", "/user/240830/received_events"])
def test_received_events(fake: GitHubFake, path: str) -> None:
    response = get(fake, path)

    assert response.status_code == 200
    events = response.json()
    assert len(events) == 25
    first = events[0]
    assert first["id"] == "7015839037"  # event ids are strings
    assert first["type"] == "IssueCommentEvent"
    assert first["created_at"] == "2017-12-20T23:45:15Z"
    assert first["actor"]["login"] == first["actor"]["display_login"] == "gpiani"
    assert first["actor"]["avatar_url"] == "https://avatars.githubusercontent.com/u/34722001?"
    assert first["repo"]["name"] == "shazow/urllib3"
    assert response.headers["X-Poll-Interval"] == "60"
    assert response.headers["Last-Modified"] == "Wed, 20 Dec 2017 23:45:15 GMT"
    assert response.headers["ETag"] == 'W/"ec89e3e68a22dba97bdf8453a32e15ec"'


def test_event_link_header_points_at_the_fake(fake: GitHubFake) -> None:
    response = get(fake, "/users/any/received_events")

    assert "api.github.com" not in response.headers["Link"]
    assert links(response) == {
        "next": f"{fake.api_url}/user/240830/received_events?per_page=25&page=2",
        "last": f"{fake.api_url}/user/240830/received_events?per_page=25&page=12",
    }


def test_following_next_walks_the_recorded_page_count_and_stops(fake: GitHubFake) -> None:
    url: str | None = f"{fake.api_url}/users/any/received_events"
    pages = []
    while url:
        response = requests.get(url, timeout=5)
        assert response.status_code == 200
        pages.append(links(response))
        url = pages[-1].get("next")

    assert len(pages) == 12
    base = f"{fake.api_url}/user/240830/received_events?per_page=25"
    assert pages[1] == {
        "prev": f"{base}&page=1",
        "next": f"{base}&page=3",
        "last": f"{base}&page=12",
        "first": f"{base}&page=1",
    }
    assert pages[-1] == {"prev": f"{base}&page=11", "first": f"{base}&page=1"}


def test_page_past_the_last_is_empty(fake: GitHubFake) -> None:
    response = get(fake, "/user/240830/received_events?per_page=25&page=13")

    assert response.status_code == 200
    assert response.json() == []
    assert "next" not in links(response)


# -- repositories ------------------------------------------------------------------------------------------


def test_any_repository_gets_the_recorded_repository(fake: GitHubFake) -> None:
    response = get(fake, "/repos/someone/something")

    assert response.status_code == 200
    repo = response.json()
    assert repo["full_name"] == "sigmavirus24/github3.py"
    assert repo["owner"]["login"] == "sigmavirus24"
    assert repo["license"]["name"] == "Other"
    assert (repo["stargazers_count"], repo["forks"], repo["open_issues"], repo["subscribers_count"]) == (
        744,
        277,
        105,
        34,
    )
    assert response.headers["ETag"] == 'W/"24874e5968a8c097a2217e95cbeb7fcf"'
    assert response.headers["X-RateLimit-Remaining"] == "52"


def test_readme_json_by_default(fake: GitHubFake) -> None:
    response = get(fake, "/repos/o/r/readme", headers={"Accept": "application/vnd.github.v3+json"})

    assert response.status_code == 200
    readme = response.json()
    assert (readme["name"], readme["encoding"]) == ("README.md", "base64")
    assert response.headers["ETag"] == '"f73e737f5321175122ee9fce48d93d5b"'


@pytest.mark.parametrize(
    "accept",
    [
        "application/vnd.github.raw",
        "application/vnd.github.v3.raw",
        "application/vnd.github.raw+json",
        "application/vnd.github.v3.raw; q=1.0, application/json",
    ],
)
def test_raw_readme_is_the_markdown_text(fake: GitHubFake, accept: str) -> None:
    response = get(fake, "/repos/o/r/readme", headers={"Accept": accept})

    assert response.status_code == 200
    assert response.text.startswith("# Octokit\n\nSimple Ruby wrapper for the GitHub API.\n")
    content = json.loads(fake.recorded("readme").body)["content"]
    assert response.content == base64.b64decode(content)
    media = accept.split(";", maxsplit=1)[0].removesuffix("+json")
    assert response.headers["Content-Type"] == f"{media}; charset=utf-8"
    assert response.headers["X-GitHub-Media-Type"] == "github.v3; param=raw"


@pytest.mark.parametrize("accept", ["application/vnd.github.html", "application/vnd.github.v3.html+json"])
def test_html_readme_has_relative_link_and_image(fake: GitHubFake, accept: str) -> None:
    response = get(fake, "/repos/o/r/readme", headers={"Accept": accept})

    assert response.status_code == 200
    assert response.headers["Content-Type"].endswith(".html; charset=utf-8")
    page = response.text
    assert page.startswith('<article class="markdown-body">')
    assert "<h1>Octokit</h1>" in page
    assert '<a href="LICENSE.md">' in page
    assert re.search(r'<img src="(?!https?:|/)[^"]+"', page)
    # The README's Ruby examples contain "<Hashie::Mash"; they must arrive escaped, not as markup.
    assert "&lt;Hashie::Mash" in page
    assert "<Hashie" not in page


# -- search, notifications, rate limit ---------------------------------------------------------------------


def test_search_repositories(fake: GitHubFake) -> None:
    response = get(fake, "/search/repositories", params={"q": "tetris language:assembly"})

    assert response.status_code == 200
    result = response.json()
    assert result["total_count"] == 77
    assert len(result["items"]) == 30
    item = result["items"][0]
    assert (item["id"], item["owner"]["login"], item["name"]) == (4731946, "cjauvin", "tetris-c64")
    assert (item["language"], item["stargazers_count"]) == ("Assembly", 7)
    assert item["description"] == "A stripped down Tetris clone for the C64, in 6502 assembly"
    assert item["updated_at"] == "2013-09-12T11:11:13Z"
    assert response.headers["X-RateLimit-Limit"] == "20"
    assert response.headers["X-RateLimit-Remaining"] == "15"
    base = f"{fake.api_url}/search/repositories?sort=stars&order=desc&q=tetris+language%3Aassembly"
    assert links(response) == {"next": f"{base}&page=2", "last": f"{base}&page=3"}


def test_search_last_page_and_beyond(fake: GitHubFake) -> None:
    last = get(fake, "/search/repositories?q=x&page=3")
    beyond = get(fake, "/search/repositories?q=x&page=4")

    assert set(links(last)) == {"prev", "first"}
    assert len(last.json()["items"]) == 30
    assert beyond.status_code == 200
    assert beyond.json()["items"] == []
    assert beyond.json()["total_count"] == 77


def test_search_without_q_is_a_validation_error(fake: GitHubFake) -> None:
    response = get(fake, "/search/repositories")

    assert response.status_code == 422
    assert response.json()["message"] == "Validation Failed"
    assert response.json()["errors"] == [{"resource": "Search", "field": "q", "code": "missing"}]


def test_notifications_need_authorization(fake: GitHubFake) -> None:
    assert get(fake, "/notifications").status_code == 401

    response = get(fake, "/notifications", headers=AUTH)

    assert response.status_code == 200
    notifications = response.json()
    assert len(notifications) == 22
    assert notifications[0]["id"] == "300033598"
    assert notifications[0]["subject"]["title"] == "Add .ruby-version to .gitignore"
    assert notifications[0]["repository"]["full_name"] == "vcr/vcr"
    assert response.headers["X-Poll-Interval"] == "60"
    assert response.headers["Last-Modified"] == "Sun, 04 Feb 2018 11:39:55 GMT"
    assert "Link" not in response.headers
    assert get(fake, "/notifications?page=2", headers=AUTH).json() == []


def test_rate_limit(fake: GitHubFake) -> None:
    response = get(fake, "/rate_limit")

    assert response.status_code == 200
    body = response.json()
    assert body["resources"]["core"] == {"limit": 60, "remaining": 60, "reset": 1386774269}
    assert body["resources"]["search"]["limit"] == 5
    assert body["rate"]["remaining"] == 60
    assert response.headers["X-RateLimit-Remaining"] == "60"


# -- unknown paths -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/nope", "/api/users", "/api/repos/only-owner", "/web/nope", "/", "/favicon.ico"])
def test_unknown_path_is_github_404_json(fake: GitHubFake, path: str) -> None:
    response = requests.get(fake.api_url.removesuffix("/api") + path, timeout=5)

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
    assert fake.server.assertions == []


def test_a_failing_route_answers_json_500_and_is_logged(
    fake: GitHubFake, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(name: str) -> None:
        raise OSError(f"cannot read {name}")

    monkeypatch.setattr(fake, "_html_page", broken)

    response = requests.get(fake.web_url + "/trending", timeout=5)

    assert response.status_code == 500
    assert "cannot read" in response.json()["message"]
    assert [r.path for r in fake.requests()] == ["/web/trending"]
    assert fake.server.handler_errors == []
    assert "OSError" in capsys.readouterr().err


def test_head_on_a_known_path(fake: GitHubFake) -> None:
    response = requests.head(fake.api_url + "/users/x", timeout=5)

    assert response.status_code == 200
    assert response.headers["ETag"] == '"73ff57ac28d81e87cc04567e35682b1a"'
    assert response.content == b""


def test_unsupported_method_on_a_known_path_is_404(fake: GitHubFake) -> None:
    response = requests.post(fake.api_url + "/users/x", json={}, timeout=5)

    assert response.status_code == 404
    assert response.json()["message"] == "Not Found"


# -- scripting from tests ----------------------------------------------------------------------------------


def test_oneshot_override_wins_once_then_the_fixture_answers(fake: GitHubFake) -> None:
    fake.server.expect_oneshot_request("/api/users/octocat", method="GET").respond_with_json(
        {"message": "API rate limit exceeded", "documentation_url": "https://docs.github.com/rest"},
        status=403,
        headers={"X-RateLimit-Remaining": "0"},
    )

    other = get(fake, "/users/someone-else")
    first = get(fake, "/users/octocat")
    second = get(fake, "/users/octocat")

    assert other.json()["login"] == "sigmavirus24"
    assert first.status_code == 403
    assert first.headers["X-RateLimit-Remaining"] == "0"
    assert second.status_code == 200
    assert second.json()["login"] == "sigmavirus24"


def test_ordered_overrides_then_fixtures(fake: GitHubFake) -> None:
    fake.server.expect_ordered_request("/api/rate_limit").respond_with_data("", status=502)
    fake.server.expect_ordered_request("/api/rate_limit").respond_with_data("", status=503)

    statuses = [get(fake, "/rate_limit").status_code for _ in range(3)]

    assert statuses == [502, 503, 200]


def test_permanent_override_precedes_fixtures_and_clear_removes_it(fake: GitHubFake) -> None:
    fake.server.expect_request("/api/repos/o/r").respond_with_json({"message": "Moved Permanently"}, status=301)

    assert get(fake, "/repos/o/r").status_code == 301
    assert get(fake, "/repos/o/r").status_code == 301
    fake.clear()
    assert get(fake, "/repos/o/r").status_code == 200


def test_fixture_routes_survive_server_clear(fake: GitHubFake) -> None:
    fake.server.clear()

    assert get(fake, "/users/x").json()["login"] == "sigmavirus24"
    assert get(fake, "/nope").status_code == 404


def test_requests_log_filters_by_path_prefix(fake: GitHubFake) -> None:
    get(fake, "/users/octocat", headers=AUTH)
    get(fake, "/repos/octocat/hello-world")
    requests.get(fake.web_url + "/trending/rust", params={"since": "weekly"}, timeout=5)

    assert [r.path for r in fake.requests()] == [
        "/api/users/octocat",
        "/api/repos/octocat/hello-world",
        "/web/trending/rust",
    ]
    (user_request,) = fake.requests("/api/users")
    assert user_request.headers["Authorization"] == AUTH["Authorization"]
    assert [r.args["since"] for r in fake.requests("/web/")] == ["weekly"]
    assert fake.requests("/api/search") == []

    fake.clear()

    assert fake.requests() == []


# -- trending pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fixture"),
    [
        ("/trending", "repositories_2023-05-18_all_daily.html"),
        ("/trending?since=weekly&spoken_language_code=zh", "repositories_2023-05-18_all_daily.html"),
        ("/trending/rust?since=weekly", "repositories_2026-05-07_rust_weekly.html"),
        ("/trending/typescript?since=daily", "repositories_2021-04-07_typescript_daily.html"),
        ("/trending/TypeScript", "repositories_2021-04-07_typescript_daily.html"),
        ("/trending/v", "repositories_2021-04-07_v_daily_short.html"),
        ("/trending/go", "repositories_2023-05-18_all_daily.html"),
        ("/trending/c%2B%2B", "repositories_2023-05-18_all_daily.html"),
        ("/trending/developers", "developers_2020-02-10_all_daily.html"),
        ("/trending/developers?since=monthly", "developers_2020-02-10_all_daily.html"),
        ("/trending/developers/python?since=daily", "developers_2021-04-07_python_daily.html"),
        ("/trending/developers/elixir", "developers_2021-04-07_elixir_daily_short.html"),
        ("/trending/developers/rust", "developers_2020-02-10_all_daily.html"),
    ],
)
def test_trending_language_mapping(fake: GitHubFake, path: str, fixture: str) -> None:
    response = requests.get(fake.web_url + path, timeout=5)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.content == (TRENDING / fixture).read_bytes()


# -- recordings and loaders --------------------------------------------------------------------------------


def test_every_named_recording_loads(fake: GitHubFake) -> None:
    for name in NAMED:
        recording = fake.recorded(name)
        assert recording.status == 200, name
        assert recording.headers["Content-Type"].startswith("application/json"), name
        assert recording.json() is not None, name


def test_recorded_drops_framing_headers_and_canonicalises_names(fake: GitHubFake) -> None:
    user = fake.recorded("user")

    assert user.url == "https://api.github.com/users/sigmavirus24"
    assert user.headers["ETag"] == '"73ff57ac28d81e87cc04567e35682b1a"'
    assert user.headers["X-RateLimit-Reset"] == "1409596753"
    assert not {"Transfer-Encoding", "Content-Encoding", "Content-Length"} & set(user.headers)


def test_recorded_is_a_copy(fake: GitHubFake) -> None:
    fake.recorded("user").headers["ETag"] = '"changed"'

    assert get(fake, "/users/x").headers["ETag"] == '"73ff57ac28d81e87cc04567e35682b1a"'


def test_recorded_by_path_and_index(fake: GitHubFake) -> None:
    blocked = fake.recorded("github3py/GitHub_is_blocking")
    put = fake.recorded("github3py/GitHub_is_blocking#1")

    assert (blocked.method, blocked.status) == ("GET", 404)
    assert blocked.json()["message"] == "Not Found"
    # This cassette stores header values as lists.
    assert blocked.headers["X-RateLimit-Used"] == "6"
    assert (put.method, put.status, put.body) == ("PUT", 204, b"")


def test_load_octokit_fixtures_nock_format() -> None:
    (repo,) = load_octokit_fixtures(API_FIXTURES / "octokit-fixtures" / "get-repository.json")

    assert repo.url == "https://api.github.com/repos/octokit-fixture-org/hello-world"
    assert repo.status == 200
    assert repo.json()["topics"] == ["fixtures", "hello", "hello-world"]
    assert repo.headers["X-RateLimit-Remaining"] == "4962"
    assert repo.headers["X-RateLimit-Resource"] == "core"
    assert (
        repo.headers["Vary"] == "Accept, Authorization, Cookie, X-GitHub-OTP, Accept-Encoding, Accept, X-Requested-With"
    )
    assert "Connection" not in repo.headers
    assert "Content-Length" not in repo.headers


def test_load_octokit_fixtures_raw_content() -> None:
    _, raw = load_octokit_fixtures(API_FIXTURES / "octokit-fixtures" / "get-content.json")

    assert raw.body == b"# hello-world"
    assert raw.headers["Content-Type"] == "application/vnd.github.v3.raw; charset=utf-8"


def test_load_octokit_rb_vcr_format() -> None:
    (user,) = load_octokit_rb(API_FIXTURES / "octokit-rb" / "Users__user_returns_a_user.json")
    (search,) = load_octokit_rb(API_FIXTURES / "octokit-rb" / "Search__search_repositories_searches_repositories.json")

    assert user.method == "GET"
    assert user.json()["login"] == "sferik"
    assert user.headers["X-RateLimit-Remaining"] == "59"
    assert user.headers["ETag"] == '"3ec5ed211f3404ebb4c0c99f6565b148"'
    assert user.headers["Vary"] == "Accept, Accept-Encoding"
    assert search.json()["total_count"] == 77  # body stored as "string" rather than "base64_string"


def test_load_github3py_and_openapi_example() -> None:
    me, events = load_github3py(API_FIXTURES / "github3py" / "User_received_events.json")
    (example,) = load_openapi_example(
        API_FIXTURES / "openapi-examples" / "users_get-by-username__200__default-response.json"
    )

    assert me.url == "https://api.github.com/user"
    assert events.headers["Link"].startswith("<https://api.github.com/user/240830/received_events?")
    assert example.json()["login"] == "octocat"
    assert example.headers == {"Content-Type": "application/json; charset=utf-8"}


@pytest.mark.parametrize(
    ("relative", "url"),
    [
        ("github3py/GitHub_user.json", "https://api.github.com/users/sigmavirus24"),
        (
            "octokit-fixtures/get-repository.json",
            "https://api.github.com/repos/octokit-fixture-org/hello-world",
        ),
        ("octokit-rb/rate_limit.json", "https://api.github.com/rate_limit"),
        ("openapi-examples/repos_get__200__default-response.json", ""),
    ],
)
def test_load_recordings_detects_the_format(relative: str, url: str) -> None:
    first = load_recordings(API_FIXTURES / relative)[0]

    assert isinstance(first, Recording)
    assert first.url == url
    assert first.status == 200


# -- link_header -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", [1, 2, 3, 4, 5])
def test_link_header_matches_what_github_sent(page: int) -> None:
    recorded = load_octokit_fixtures(API_FIXTURES / "octokit-fixtures" / "paginate-issues.json")
    suffix = "?per_page=3" if page == 1 else f"?per_page=3&page={page}"
    (sent,) = [r for r in recorded if r.method == "GET" and r.url.endswith(suffix)]

    assert (
        link_header("https://api.github.com/repositories/515435940/issues", page, 5, per_page=3) == sent.headers["Link"]
    )


def test_link_header_without_last() -> None:
    base = "http://127.0.0.1:1/api/search/repositories?q=tetris+language%3Aassembly"

    first = parse_link(link_header(base, 1, None))
    middle = parse_link(link_header(base, 2, None, per_page=None))
    final = parse_link(link_header(base, 3, None, has_next=False))

    assert first == {"next": f"{base}&per_page=30&page=2"}
    assert middle == {"prev": f"{base}&page=1", "next": f"{base}&page=3", "first": f"{base}&page=1"}
    assert final == {"prev": f"{base}&per_page=30&page=2", "first": f"{base}&per_page=30&page=1"}


def test_link_header_replaces_page_params_of_the_base() -> None:
    header = link_header("https://api.github.com/user/1/received_events?page=7&per_page=100&x=1", 1, 2)

    assert header == '<https://api.github.com/user/1/received_events?x=1&per_page=30&page=2>; rel="next", ' + (
        '<https://api.github.com/user/1/received_events?x=1&per_page=30&page=2>; rel="last"'
    )


def test_link_header_single_page_is_empty() -> None:
    assert link_header("https://api.github.com/notifications", 1, 1) == ""
