"""Subscriptions, grants and the notification list end to end: local API → functions → DynamoDB Local, moto and
the GitHub and WeChat fakes."""

from __future__ import annotations

import pytest

from local.template import load
from tests.e2e.test_accounts import USER_TOKEN, call, login


@pytest.fixture
def bound(http, github, wechat):
    """A fresh user with a GitHub token bound."""

    def make(user):
        session = login(http, user)
        assert call(http, "PUT", "/me/github-token", session, json={"token": USER_TOKEN}).status_code == 200
        github.clear()
        return session

    return make


def test_subscribe_to_notifications_and_releases(http, github, bound):
    session = bound("subscriber")
    mine = call(http, "POST", "/subscriptions", session, json={"kind": "notifications"})
    assert mine.status_code == 201
    assert mine.json()["kind"] == "notifications"
    assert mine.json()["all"] is False
    releases = call(http, "POST", "/subscriptions", session, json={"kind": "releases", "repo": "octocat/hello-world"})
    assert releases.status_code == 201
    assert releases.json()["repo"] == "octocat/hello-world"
    assert [r.path for r in github.requests("/api/repos/")] == ["/api/repos/octocat/hello-world"]  # it exists
    listed = call(http, "GET", "/subscriptions", session).json()
    assert {s["id"] for s in listed} == {mine.json()["id"], releases.json()["id"]}


def test_the_same_subscription_twice_is_one(http, bound):
    session = bound("twice")
    first = call(http, "POST", "/subscriptions", session, json={"kind": "notifications", "all": True})
    again = call(http, "POST", "/subscriptions", session, json={"kind": "notifications", "all": True})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert len(call(http, "GET", "/subscriptions", session).json()) == 1


def test_a_repository_that_does_not_exist_is_a_404(http, github, bound):
    session = bound("missing-repo")
    github.server.expect_request("/api/repos/nobody/nothing").respond_with_json({"message": "Not Found"}, status=404)
    response = call(http, "POST", "/subscriptions", session, json={"kind": "releases", "repo": "nobody/nothing"})
    assert response.status_code == 404
    assert "nobody/nothing" in response.json()["message"]
    assert call(http, "GET", "/subscriptions", session).json() == []


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"kind": "stars"}, "kind"),
        ({"kind": "releases"}, "repo"),
        ({"kind": "releases", "repo": "no-slash"}, "repo"),
        ({"kind": "releases", "repo": "a/b/c"}, "repo"),
    ],
)
def test_bad_subscriptions_are_400(http, bound, body, words):
    response = call(http, "POST", "/subscriptions", bound("bad-sub"), json=body)
    assert response.status_code == 400
    assert words in response.json()["message"]


def test_notifications_need_a_bound_token(http, wechat):
    session = login(http, "unbound-sub")
    response = call(http, "POST", "/subscriptions", session, json={"kind": "notifications"})
    assert response.status_code == 400
    assert "PUT /me/github-token" in response.json()["message"]


def test_at_most_50_subscriptions(http, bound):
    session = bound("collector")
    for index in range(50):
        body = {"kind": "releases", "repo": f"owner/repo-{index}"}
        assert call(http, "POST", "/subscriptions", session, json=body).status_code == 201
    over = call(http, "POST", "/subscriptions", session, json={"kind": "releases", "repo": "owner/one-more"})
    assert over.status_code == 400
    assert "at most 50" in over.json()["message"]
    again = call(http, "POST", "/subscriptions", session, json={"kind": "releases", "repo": "owner/repo-0"})
    assert again.status_code == 200  # one the user has is still found


def test_unsubscribe(http, bound):
    session = bound("leaving")
    sub_id = call(http, "POST", "/subscriptions", session, json={"kind": "notifications"}).json()["id"]
    assert call(http, "DELETE", f"/subscriptions/{sub_id}", session).status_code == 204
    assert call(http, "GET", "/subscriptions", session).json() == []
    assert call(http, "DELETE", f"/subscriptions/{sub_id}", session).status_code == 404
    assert call(http, "DELETE", "/subscriptions/not-an-id", session).status_code == 400


def test_grants_from_configured_templates_only(http, bound):
    session = bound("granting")
    templates = load().functions["CreateGrantsFunction"].environment["WECHAT_TEMPLATE_IDS"].split(",")
    body = {"templateId": templates[0], "count": 2}
    assert call(http, "POST", "/subscriptions/grants", session, json=body).json() == {
        "templateId": templates[0],
        "remaining": 2,
    }
    assert call(http, "POST", "/subscriptions/grants", session, json=body).json()["remaining"] == 4
    unknown = call(http, "POST", "/subscriptions/grants", session, json={"templateId": "tmpl-nope", "count": 1})
    assert unknown.status_code == 400
    assert "templateId" in unknown.json()["message"]
    too_many = call(http, "POST", "/subscriptions/grants", session, json={"templateId": templates[0], "count": 51})
    assert too_many.status_code == 400


def test_notifications_list_with_the_bound_token(http, github, bound):
    session = bound("reader")
    response = call(http, "GET", "/notifications", session, params={"all": "true", "page": "1"})
    assert response.status_code == 200
    items = response.json()
    recorded = github.recorded("notifications").json()
    assert [item["id"] for item in items] == [item["id"] for item in recorded]
    assert set(items[0]) <= {"id", "unread", "reason", "updated_at", "last_read_at", "subject", "repository"}
    assert "Max-Page" in response.headers
    call_ = github.requests("/api/notifications")[0]
    assert call_.headers["Authorization"] == f"Bearer {USER_TOKEN}"
    assert call_.args["all"] == "true"


def test_mark_a_thread_read(http, github, bound):
    session = bound("marker")
    thread = github.recorded("notifications").json()[0]["id"]
    assert call(http, "PATCH", f"/notifications/threads/{thread}", session).status_code == 204
    assert github.requests("/api/notifications/threads/")[0].method == "PATCH"
    assert call(http, "PATCH", "/notifications/threads/999", session).status_code == 404


def test_notifications_without_a_github_token_say_so(http, wechat):
    session = login(http, "no-token-reader")
    response = call(http, "GET", "/notifications", session)
    assert response.status_code == 400
    assert "PUT /me/github-token" in response.json()["message"]


def test_delete_me_removes_subscriptions_grants_and_more(http, bound, table):
    session = bound("erased")
    account = session.split("_")[1]
    call(http, "POST", "/subscriptions", session, json={"kind": "notifications"})
    call(http, "POST", "/subscriptions", session, json={"kind": "releases", "repo": "owner/erased-repo"})
    call(http, "POST", "/subscriptions/grants", session, json={"templateId": "tmpl-github-notification", "count": 3})
    assert account in repr(table("NotificationsTable"))
    assert call(http, "DELETE", "/me", session).status_code == 204
    for name in load().tables:
        assert account not in repr(table(name)), name


def test_nothing_is_subscribed_while_delete_me_runs(http, bound, table):
    """A DELETE /me under way (its first step marks the account closing) refuses new subscriptions and grants
    with a 401 that says to log in again, and can itself be retried with the same session."""
    session = bound("leaving")
    account = session.split("_")[1]
    table.client.update_item(
        TableName="AccountsTable", Key={"accountId": {"S": account}, "sk": {"S": "PROFILE"}},
        UpdateExpression="SET closingAt = :now", ExpressionAttributeValues={":now": {"N": "1800000000"}},
    )  # fmt: skip
    for path, body in (
        ("/subscriptions", {"kind": "notifications"}),
        ("/subscriptions", {"kind": "releases", "repo": "owner/leaving-repo"}),
        ("/subscriptions/grants", {"templateId": "tmpl-github-notification", "count": 1}),
    ):
        refused = call(http, "POST", path, session, json=body)
        assert refused.status_code == 401, (path, refused.text)
        assert refused.json()["code"] == "session_invalid" and "DELETE /me" in refused.json()["message"]
        assert refused.headers["WWW-Authenticate"].startswith('Bearer realm="WeGit session"')
    assert account not in repr(table("NotificationsTable"))
    assert call(http, "DELETE", "/me", session).status_code == 204
    for name in load().tables:
        assert account not in repr(table(name)), name


def test_a_token_that_cannot_read_notifications_is_refused_when_subscribing(http, github, wechat):
    """A fine-grained token (GitHub's notifications API takes classic tokens only) would fail every poll."""
    session = login(http, "fine-grained")
    token = "github_pat_" + "F" * 82
    assert call(http, "PUT", "/me/github-token", session, json={"token": token}).status_code == 200
    response = call(http, "POST", "/subscriptions", session, json={"kind": "notifications"})
    assert response.status_code == 400
    assert "classic tokens with the notifications or repo scope" in response.json()["message"]
    assert token[:20] not in response.text
    assert call(http, "GET", "/subscriptions", session).json() == []


def test_subscriptions_say_why_they_are_paused(http, bound):
    session = bound("not-paused")
    created = call(http, "POST", "/subscriptions", session, json={"kind": "notifications"}).json()
    assert (created["paused"], created["paused_reason"]) == (False, None)
    (listed,) = call(http, "GET", "/subscriptions", session).json()
    assert listed["paused_reason"] is None


@pytest.mark.parametrize("visibility", ["private", "internal"])
def test_a_private_repository_is_refused_with_why(http, github, bound, visibility):
    """Releases are polled once for every subscriber with the service's token, which cannot see a private
    repository: a subscription to one would never deliver. The user's own token sees it: a 400 saying why."""
    session = bound(f"private-{visibility}")
    repository = github.recorded("repository").json()
    repository.update({"full_name": "me/secret", "private": True, "visibility": visibility})
    github.server.expect_request("/api/repos/me/secret").respond_with_json(repository)
    response = call(http, "POST", "/subscriptions", session, json={"kind": "releases", "repo": "me/secret"})
    assert response.status_code == 400
    assert "me/secret is not a public repository" in response.json()["message"]
    assert call(http, "GET", "/subscriptions", session).json() == []
    assert github.requests("/api/repos/me/secret")[0].headers["Authorization"] == f"Bearer {USER_TOKEN}"
