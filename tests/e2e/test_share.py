"""Share codes end to end: local API → functions → DynamoDB Local, S3 on moto and the WeChat fake."""

from __future__ import annotations

import pytest

from tests.e2e.test_accounts import call, login

REPO = {"type": "repository", "owner": "octocat", "name": "Hello-World"}
PNG = b"\x89PNG\r\n\x1a\n"


def test_a_share_is_made_once_and_served_without_wechat(http, wechat):
    session = login(http, "sharer")
    first = call(http, "POST", "/share", session, json=REPO)
    assert first.status_code == 201, first.text
    shown = first.json()
    assert len(shown["id"]) == 16 and shown["scene"] == shown["id"]
    assert (shown["type"], shown["page"], shown["params"]) == (
        "repository",
        "pages/repository/index",
        {"owner": "octocat", "name": "Hello-World"},
    )
    assert shown["path"] == "pages/repository/index?owner=octocat&name=Hello-World"
    assert wechat.codes_made == 1
    calls = wechat.code_calls
    sent = wechat.requests("/wxa/getwxacodeunlimit")[-1].get_json()
    assert sent == {"scene": shown["id"], "page": "pages/share/index", "env_version": "develop", "check_path": False}

    again = call(http, "POST", "/share", session, json={**REPO, "owner": "OctoCat"})  # GitHub's names ignore case
    assert again.status_code == 200
    assert again.json()["id"] == shown["id"]
    other = call(http, "POST", "/share", login(http, "other-sharer"), json=REPO)
    assert (other.status_code, other.json()["id"]) == (200, shown["id"])
    image = call(http, "GET", shown["image"])
    assert image.status_code == 200
    assert image.headers["Content-Type"] == "image/png"
    assert image.content.startswith(PNG)
    assert "max-age" in image.headers["Cache-Control"]
    assert (wechat.code_calls, wechat.codes_made) == (calls, 1)  # shared three times, served: one code, no call since

    resolved = call(http, "GET", f"/share/{shown['id']}")  # whoever scans it: no session
    assert resolved.status_code == 200
    assert {k: resolved.json()[k] for k in ("id", "type", "page", "params", "path")} == {
        k: shown[k] for k in ("id", "type", "page", "params", "path")
    }


def test_developer_and_trending_shares(http, wechat):
    session = login(http, "sharer-2")
    developer = call(http, "POST", "/share", session, json={"type": "developer", "login": "torvalds"})
    assert developer.status_code == 201
    assert developer.json()["path"] == "pages/developer/index?name=torvalds"
    trending = call(http, "POST", "/share", session, json={"type": "trending", "since": "weekly", "language": "C++"})
    assert trending.status_code == 201
    calls = wechat.code_calls
    assert trending.json()["params"] == {"kind": "repositories", "since": "weekly", "language": "c++"}
    assert trending.json()["path"] == "pages/trending/index?kind=repositories&since=weekly&language=c%2B%2B"
    slug = call(http, "POST", "/share", session, json={"type": "trending", "since": "weekly", "language": "c++"})
    assert (slug.status_code, slug.json()["id"]) == (200, trending.json()["id"])
    assert (wechat.code_calls, wechat.codes_made) == (calls, 2)


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"type": "repository", "owner": "octocat"}, 400, "name: required"),
        ({"type": "repository", "name": "x"}, 400, "owner: required"),
        ({"type": "developer"}, 400, "login: required"),
        ({"type": "developer", "login": "-bad-"}, 400, "login"),
        ({"type": "gist"}, 400, "type"),
        ({"type": "trending", "since": "yearly"}, 400, "since"),
        ({"type": "trending", "language": "no-such-language"}, 400, "language"),
    ],
)
def test_post_share_refuses_a_bad_body_before_wechat(http, wechat, body, status, words):
    response = call(http, "POST", "/share", login(http, "bad-body"), json=body)
    assert response.status_code == status, response.text
    assert words in response.json()["message"]
    assert wechat.code_calls == 0  # refused before any WeChat call


def test_post_share_needs_a_session(http, wechat):
    response = call(http, "POST", "/share", json=REPO)
    assert response.status_code == 401
    assert response.json()["code"] == "session_required"


@pytest.mark.parametrize(
    ("errcode", "status", "retry_after", "words"),
    [
        (45009, 503, "60", "quota"),
        (-1, 503, "1", "busy"),
        (41030, 502, None, "page"),
        (40097, 502, None, "40097"),
    ],
)
def test_wechat_refusing_a_code(http, wechat, errcode, status, retry_after, words):
    session = login(http, f"refused-{errcode}")
    body = {"type": "developer", "login": f"refused{abs(errcode)}"}
    wechat.code_errors.append(errcode)
    response = call(http, "POST", "/share", session, json=body)
    assert response.status_code == status, response.text
    assert response.headers.get("Retry-After") == retry_after
    assert words in response.json()["message"]
    retried = call(http, "POST", "/share", session, json=body)  # the share was recorded; its code is made now
    assert retried.status_code == 201
    assert call(http, "GET", retried.json()["image"]).status_code == 200


def test_an_expired_access_token_is_refreshed_once(http, wechat):
    session = login(http, "token-refresh")
    assert call(http, "POST", "/share", session, json={"type": "developer", "login": "first-token"}).status_code == 201
    wechat.expire_tokens()  # two hours pass: WeChat answers 42001 to the cached token
    response = call(http, "POST", "/share", session, json={"type": "developer", "login": "second-token"})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/share/aaaaaaaaaaaaaaaa", 404),
        ("/share/aaaaaaaaaaaaaaaa/image", 404),
        ("/share/NOT-AN-ID", 400),
        ("/share/short/image", 400),
    ],
)
def test_unknown_or_malformed_share_ids(http, path, status):
    response = call(http, "GET", path)
    assert response.status_code == status
    assert response.json()["message"]
    if status == 400:
        assert "id" in response.json()["message"]


@pytest.mark.parametrize(
    ("url", "page", "params"),
    [
        ("https://github.com/octocat/Hello-World", "pages/repository/index",
         {"owner": "octocat", "name": "Hello-World"}),
        ("github.com/octocat/hello-world/tree/main/docs", "pages/repository/index",
         {"owner": "octocat", "name": "hello-world"}),
        ("https://github.com/torvalds", "pages/developer/index", {"name": "torvalds"}),
        ("https://github.com/trending/python?since=weekly", "pages/trending/index",
         {"kind": "repositories", "since": "weekly", "language": "python"}),
        ("https://github.com/trending/developers", "pages/trending/index", {"kind": "developers", "since": "daily"}),
    ],
)  # fmt: skip
def test_resolve_a_github_url(http, url, page, params):
    response = call(http, "GET", "/resolve", params={"url": url})
    assert response.status_code == 200, response.text
    assert (response.json()["page"], response.json()["params"]) == (page, params)


@pytest.mark.parametrize(
    "url",
    [
        "https://gitlab.com/octocat/x",
        "https://github.com/settings/profile",
        "https://github.com/",
        "ftp://github.com/a",
    ],
)
def test_resolve_refuses_other_urls(http, url):
    response = call(http, "GET", "/resolve", params={"url": url})
    assert response.status_code == 400
    assert "url" in response.json()["message"]
    assert call(http, "GET", "/resolve").status_code == 400


def test_delete_me_leaves_no_share_made_by_that_account(http, wechat, table):
    alice, bob = login(http, "share-leaver"), login(http, "share-stayer")
    mine = call(http, "POST", "/share", alice, json={"type": "developer", "login": "only-alice"}).json()
    both = call(http, "POST", "/share", alice, json={"type": "developer", "login": "alice-and-bob"}).json()
    assert call(http, "POST", "/share", bob, json={"type": "developer", "login": "alice-and-bob"}).status_code == 200

    assert call(http, "DELETE", "/me", alice).status_code == 204
    assert call(http, "GET", f"/share/{mine['id']}").status_code == 404
    assert call(http, "GET", mine["image"]).status_code == 404
    assert call(http, "GET", f"/share/{both['id']}").status_code == 200  # bob made it too: it stays
    items = table("SharesTable")
    assert not [item for item in items if mine["id"] in item["pk"]["S"] + item["sk"]["S"]]
    assert len([item for item in items if both["id"] in item["sk"]["S"]]) == 1  # bob's record only

    assert call(http, "DELETE", "/me", bob).status_code == 204
    assert call(http, "GET", f"/share/{both['id']}").status_code == 404
    assert call(http, "GET", both["image"]).status_code == 404
    assert not [item for item in table("SharesTable") if both["id"] in item["pk"]["S"] + item["sk"]["S"]]
