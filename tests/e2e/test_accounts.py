"""Accounts end to end: local API → functions → DynamoDB Local, moto (KMS, SSM) and the GitHub and WeChat fakes."""

from __future__ import annotations

import itertools
import json
import time

import pytest

from local.fakes.github import REJECTED_TOKEN
from local.fakes.wechat import APP_SECRET, openid_for
from local.template import load
from tests.conftest import SERVICE_TOKEN

USER_TOKEN = "ghp_" + "b" * 36
_codes = itertools.count(1)


def code(user: str = "alice") -> str:
    """A fresh wx.login() code of `user` (the fake logs every code of one user in as the same openid)."""
    return f"{user}.{next(_codes)}.{time.time_ns()}"


def call(http, method, path, session=None, **kwargs):
    headers = kwargs.pop("headers", {})
    if session:
        headers["Authorization"] = f"Bearer {session}"
    return http.request(method, f"{http.base_url}{path}", headers=headers, timeout=30, **kwargs)


def login(http, user="alice"):
    response = call(http, "POST", "/sessions", json={"code": code(user)})
    assert response.status_code == 200, response.text
    return response.json()["token"]


# -- login -----------------------------------------------------------------------------------------------------


def test_login_answers_a_session_token_stored_only_as_a_hash(http, wechat, table):
    response = call(http, "POST", "/sessions", json={"code": code("login-ok")})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiresAt"}
    token = body["token"]
    assert token.startswith("wgs_")
    assert len(token.rsplit("_", 1)[1]) * 4 >= 128  # random bits
    expires = time.mktime(time.strptime(body["expiresAt"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert abs(expires - (time.time() + 30 * 86400)) < 120
    raw = repr(table())
    assert token not in raw and token.rsplit("_", 1)[1] not in raw
    assert openid_for("login-ok") in raw  # the account is keyed to the openid (kept to message the user)
    login_call = wechat.requests("/sns/jscode2session")[-1]
    assert login_call.args["secret"] == APP_SECRET  # the AppSecret came from SSM (moto), not the template


def test_same_user_logs_in_to_the_same_account(http, wechat):
    first, second = login(http, "same"), login(http, "same")
    assert first != second
    assert first.split("_")[1] == second.split("_")[1]
    assert login(http, "other").split("_")[1] != first.split("_")[1]


@pytest.mark.parametrize(
    ("wechat_code", "status", "words"),
    [
        ("invalid-code", 401, "login code"),
        ("used-code", 401, "already used"),
        ("rate-limited", 429, "rate limit"),
        ("high-risk", 403, "high-risk"),
        ("busy", 503, "busy"),
        ("down", 503, "unavailable"),
    ],
)
def test_wechat_login_errors(http, wechat, wechat_code, status, words):
    response = call(http, "POST", "/sessions", json={"code": wechat_code})
    assert response.status_code == status
    assert words in response.json()["message"]
    if status in (429, 503):
        assert int(response.headers["Retry-After"]) >= 1


def test_a_code_works_once(http, wechat):
    once = code("reuse")
    assert call(http, "POST", "/sessions", json={"code": once}).status_code == 200
    again = call(http, "POST", "/sessions", json={"code": once})
    assert again.status_code == 401
    assert "already used" in again.json()["message"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"not json", "body"),
        (b"{}", "code: required"),
        (b'{"code": ""}', "code"),
        (b'{"code": 42}', "code"),
        (b'{"code": "has space"}', "code"),
    ],
)
def test_malformed_login_bodies_are_400(http, wechat, body, words):
    response = call(http, "POST", "/sessions", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert words in response.json()["message"]
    assert not wechat.requests("/sns")


def test_a_body_over_4_kb_is_refused_before_wechat(http, wechat):
    response = call(http, "POST", "/sessions", json={"code": "x" * 5000})
    assert response.status_code == 413
    assert "over 4096 bytes" in response.json()["message"]
    assert not wechat.requests("/sns")


# -- sessions --------------------------------------------------------------------------------------------------


def test_me_with_a_fresh_session(http, wechat):
    response = call(http, "GET", "/me", login(http, "me"))
    assert response.status_code == 200
    me = response.json()
    assert me["token_bound"] is False
    assert me["token_valid"] is False
    assert me["login"] is None
    assert "openid" not in json.dumps(me)
    assert me["created_at"].endswith("Z")


@pytest.mark.parametrize(
    ("authorization", "words"),
    [
        (None, "Authorization: Bearer"),
        ("Bearer wgs_short", "malformed"),
        ("Bearer wgs_" + "a" * 24 + "_" + "0" * 40, "unknown or revoked"),
        (f"Bearer {USER_TOKEN}", "not a GitHub token"),
    ],
)
def test_routes_that_need_a_session_say_why_they_refuse(http, authorization, words):
    headers = {"Authorization": authorization} if authorization else {}
    response = call(http, "GET", "/me", headers=headers)
    assert response.status_code == 401
    assert words in response.json()["message"]


def test_an_expired_session_is_refused(http, wechat, table):
    session = login(http, "expiring")
    account = session.split("_")[1]
    items = [i for i in table() if i["accountId"]["S"] == account and i["sk"]["S"].startswith("SESSION#")]
    for item in items:  # as if 30 days had passed: DynamoDB's TTL deletes lazily, the check must not rely on it
        table.client.update_item(
            TableName="AccountsTable",
            Key={"accountId": item["accountId"], "sk": item["sk"]},
            UpdateExpression="SET expiresAt = :past",
            ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}},
        )
    response = call(http, "GET", "/me", session)
    assert response.status_code == 401
    assert "expired" in response.json()["message"]
    assert response.json()["code"] == "session_expired"  # log in again, unlike a GitHub token GitHub rejected
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="WeGit session", error="invalid_token"'


# -- the GitHub token binding ----------------------------------------------------------------------------------


def test_bind_a_token_then_the_contract_routes_use_it(http, github, wechat, table):
    session = login(http, "binder")
    response = call(http, "PUT", "/me/github-token", session, json={"token": USER_TOKEN})
    assert response.status_code == 200
    recorded = github.recorded("me").json()
    assert response.json() == {"login": recorded["login"], "avatar_url": recorded["avatar_url"]}
    raw = repr(table())
    assert USER_TOKEN not in raw and USER_TOKEN[4:] not in raw  # KMS ciphertext only

    me = call(http, "GET", "/me", session).json()
    assert (me["login"], me["token_bound"], me["token_valid"]) == (recorded["login"], True, True)

    github.clear()
    events = call(http, "GET", "/developers/sigmavirus24/events", session)
    assert events.status_code == 200
    assert github.requests("/api/users/")[0].headers["Authorization"] == f"Bearer {USER_TOKEN}"
    own = call(http, "GET", "/developers", session)
    assert own.status_code == 200
    assert own.json()["login"] == recorded["login"]

    # the published client's raw-token form is unchanged beside it
    github.clear()
    assert call(http, "GET", "/developers", headers={"Authorization": USER_TOKEN}).status_code == 200


def test_github_rejecting_the_token_is_a_400(http, github, wechat, table):
    session = login(http, "rejected")
    response = call(http, "PUT", "/me/github-token", session, json={"token": REJECTED_TOKEN})
    assert response.status_code == 400
    assert response.json() == {"message": "GitHub rejected this token"}
    assert call(http, "GET", "/me", session).json()["token_bound"] is False
    malformed = call(http, "PUT", "/me/github-token", session, json={"token": "not a token"})
    assert malformed.status_code == 400


def test_a_bound_token_revoked_later_is_marked_invalid(http, github, wechat):
    session = login(http, "revoker")
    token = "ghp_" + "r" * 36
    assert call(http, "PUT", "/me/github-token", session, json={"token": token}).status_code == 200
    github.revoke(token)
    response = call(http, "GET", "/repositories", session, params={"owner": "o", "name": "n"})
    assert response.status_code == 401
    assert "PUT /me/github-token" in response.json()["message"]
    assert response.json()["code"] == "github_token_invalid"  # bind another token; the session is fine
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="GitHub token"')
    me = call(http, "GET", "/me", session).json()
    assert (me["token_bound"], me["token_valid"]) == (True, False)
    assert call(http, "GET", "/developers/sigmavirus24/events", session).status_code == 401
    # binding a good token again makes it valid
    assert call(http, "PUT", "/me/github-token", session, json={"token": USER_TOKEN}).status_code == 200
    assert call(http, "GET", "/me", session).json()["token_valid"] is True


def test_a_session_without_a_token_browses_with_the_service_token(http, github, wechat):
    session = login(http, "browser")
    response = call(http, "GET", "/developers", session, params={"name": "sigmavirus24"})
    assert response.status_code == 200
    assert github.requests("/api/users/")[0].headers["Authorization"] == f"Bearer {SERVICE_TOKEN}"
    own = call(http, "GET", "/developers", session)
    assert own.status_code == 400
    assert "PUT /me/github-token" in own.json()["message"]


def test_unbind(http, github, wechat, table):
    session = login(http, "unbinder")
    call(http, "PUT", "/me/github-token", session, json={"token": USER_TOKEN})
    assert call(http, "DELETE", "/me/github-token", session).status_code == 204
    assert call(http, "GET", "/me", session).json()["token_bound"] is False
    account = session.split("_")[1]
    profile = next(i for i in table() if i["accountId"]["S"] == account and i["sk"]["S"] == "PROFILE")
    assert "githubToken" not in profile


# -- deletion --------------------------------------------------------------------------------------------------


def test_delete_me_leaves_nothing_in_any_table_and_revokes_every_session(http, github, wechat, table):
    first = login(http, "leaver")
    second = login(http, "leaver")
    call(http, "PUT", "/me/github-token", first, json={"token": USER_TOKEN})
    account = first.split("_")[1]
    tables = list(load().tables)
    assert any(account in repr(table(name)) for name in tables)

    response = call(http, "DELETE", "/me", first)
    assert response.status_code == 204
    assert response.content == b""
    for name in tables:
        dumped = repr(table(name))
        assert account not in dumped, name
        assert openid_for("leaver") not in dumped, name
    for session in (first, second):
        refused = call(http, "GET", "/me", session)
        assert refused.status_code == 401
        assert "revoked" in refused.json()["message"]
    assert call(http, "GET", "/developers/sigmavirus24/events", second).status_code == 401


# -- secrets ---------------------------------------------------------------------------------------------------


def test_no_secret_of_the_run_reaches_a_log_line(http, github, wechat, function_log):
    session = login(http, "quiet")
    call(http, "PUT", "/me/github-token", session, json={"token": USER_TOKEN})
    call(http, "GET", "/developers", session)
    call(http, "GET", "/developers", headers={"Authorization": USER_TOKEN})
    logs = function_log.read_text()
    assert "logged in" in logs  # the functions did log
    assert session not in logs
    # The account id inside a session token is an identifier the logs carry on purpose; its random part is the secret.
    for secret in (session.rsplit("_", 1)[1], USER_TOKEN, SERVICE_TOKEN, APP_SECRET):
        for start in range(0, len(secret) - 8, 4):
            assert secret[start : start + 8] not in logs, "a piece of a secret is in the functions' logs"
    assert "session_key" not in logs


def test_a_body_that_is_not_json_is_415(http, wechat):
    response = call(http, "POST", "/sessions", data="code=alice.1", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert "Content-Type: application/json" in response.json()["message"]
