"""The notifications pipeline in process, on its real parts: DynamoDB Local, SQS and KMS on the moto server,
the GitHub and WeChat fakes on loopback. Messages go through the real queue: the dispatcher sends them, the
worker's record handler receives them in SQS batch events (local.queues), as Lambda would deliver them."""

from __future__ import annotations

import calendar
import importlib.util
import itertools
import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from local.aws import MotoServer, client_for, provision
from local.dynamodb import DynamoDBLocal, create_tables
from local.fakes.github import GitHubFake
from local.fakes.wechat import APP_ID, APP_SECRET, WeChatFake, openid_for
from local.queues import QueuePoller
from local.template import ROOT, QueueSource, load, queue_url

NOTIFICATION_TEMPLATE, RELEASE_TEMPLATE = "tmpl-github-notification", "tmpl-github-release"
SECRET_NAME = "/wegit/wechat-app-secret"
QUEUE = "NotificationsQueue"
_ids = itertools.count()
RUN = format(int(time.time() * 1000) % 10**9, "x")  # account ids unique to this run of the tests


@dataclass
class Context:
    """What Lambda passes a handler (enough for Powertools)."""

    function_name: str = "ProcessNotificationsFunction"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:ProcessNotificationsFunction"
    aws_request_id: str = "local"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 600_000


def load_app(folder: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"{folder}_app", ROOT / "functions" / folder / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def env(
    dynamodb: DynamoDBLocal, moto: MotoServer, github_server: GitHubFake, wechat_server: WeChatFake
) -> Iterator[Any]:
    template = load()
    create_tables(dynamodb.client(), template.tables, template.table_names())
    provision(moto.endpoint, template, {SECRET_NAME: APP_SECRET})
    variables = {
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb.endpoint,
        **{f"AWS_ENDPOINT_URL_{service}": moto.endpoint for service in ("SQS", "KMS", "SSM", "SNS")},
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "GITHUB_API_URL": github_server.api_url,
        "GITHUB_TOKEN": "ghs_" + "S" * 36,
        "GITHUB_TOKEN_PARAMETER": "",
        "GITHUB_TOKEN_KEY": "alias/GitHubTokenKey",
        "WECHAT_API_URL": wechat_server.url,
        "WECHAT_APP_ID": APP_ID,
        "WECHAT_SECRET_PARAMETER": SECRET_NAME,
        "WECHAT_TEMPLATE_IDS": f"{NOTIFICATION_TEMPLATE},{RELEASE_TEMPLATE}",
        "NOTIFICATIONS_QUEUE_URL": queue_url(QUEUE),
    }
    from wegit import http_session, parameters, settings
    from wegit.accounts import crypto
    from wegit.github import pool
    from wegit.notifications import access_token, pipeline

    caches = (settings.get_settings, http_session.get_session, crypto._kms, pipeline._sqs)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in variables.items():
            patch.setenv(name, value)
        for cache in caches:
            cache.cache_clear()
        parameters.forget()
        pool._pools.clear()
        access_token.forget()
        yield pipeline
    for cache in caches:
        cache.cache_clear()


@pytest.fixture
def world(env: Any, github: GitHubFake, wechat: WeChatFake, moto: MotoServer) -> World:
    for queue in (QUEUE, "NotificationsDeadLetterQueue"):
        empty(moto, queue)  # what another test left (PurgeQueue works once a minute)
    return World(env, github, wechat, moto)


def empty(moto: MotoServer, queue: str) -> int:
    sqs, removed = client_for(moto.endpoint, "sqs"), 0
    while messages := sqs.receive_message(QueueUrl=queue_url(queue), MaxNumberOfMessages=10, VisibilityTimeout=30).get(
        "Messages"
    ):
        sqs.delete_message_batch(QueueUrl=queue_url(queue), Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])  # fmt: skip
        removed += len(messages)
    return removed


def identity() -> tuple[str, str, str]:
    """(account id, openid, GitHub token) of a new user of this run."""
    number = next(_ids)
    return f"acct-{RUN}-{number}", openid_for(f"user-{RUN}-{number}"), "ghp_" + f"{RUN}x{number:027d}"[-36:]


class World:
    """Accounts, subscriptions and grants made through the layer's own stores; the queue driven for real."""

    def __init__(self, pipeline: Any, github: GitHubFake, wechat: WeChatFake, moto: MotoServer) -> None:
        from wegit.accounts import crypto
        from wegit.accounts import store as accounts
        from wegit.notifications import store

        self.pipeline, self.github, self.wechat, self.moto = pipeline, github, wechat, moto
        self.accounts, self.store, self.crypto = accounts, store, crypto
        self.app = load_app("process_notifications")
        self.handled: Counter[str] = Counter()

    def account(self, bind: bool = True) -> tuple[str, str, str]:
        """(account id, openid, GitHub token) of a new account, its token bound."""
        account_id, openid, token = identity()
        now = int(time.time())
        self.accounts.upsert_account(account_id, openid, None, now)
        if bind:
            self.accounts.bind(account_id, self.crypto.encrypt(account_id, token), "octocat", None, now)
        return account_id, openid, token

    def subscribe(self, account_id: str, kind: str = "notifications", repo: str | None = None) -> str:
        sub, _ = self.store.add_subscription(account_id, kind, repo, False, int(time.time()) - 60)
        return str(sub.id)

    def notify(self, token: str, *items: tuple[str, str, str]) -> None:
        """GitHub now lists these (repo, title, updated_at) notifications for the token's user."""
        self.github.notifications[token] = [notification(repo, title, when) for repo, title, when in items]

    def due_now(self, partition: str, sort_key: str) -> None:
        """The next window has come for this item (dueAt 0: due at once)."""
        from wegit.notifications.models import NotificationItem

        NotificationItem(partition, sort_key).update(actions=[NotificationItem.dueAt.set(0)])

    def message(self, partition: str, sort_key: str) -> dict[str, Any]:
        """The queue message the dispatcher sends for this due item."""
        item = self.store.item_at(partition, sort_key)
        assert item is not None and item.due_at is not None
        return {"pk": partition, "sk": sort_key, "dueAt": item.due_at}

    def dispatch(self) -> dict[str, int]:
        result: dict[str, int] = self.pipeline.dispatch(lambda: 600_000)
        return result

    def process(self, visibility_timeout: int = 1, idle: float = 0.3, pollers: int = 2) -> QueuePoller:
        """Deliver the queue to the worker's record handler in SQS batch events until it is empty."""

        def invoke(function: str, event: dict[str, Any]) -> Any:
            return process_partial_response(
                event=event,
                record_handler=self._record,
                processor=BatchProcessor(event_type=EventType.SQS),
                context=Context(),  # type: ignore[arg-type]
            )

        source = QueueSource(QUEUE, 10, report_failures=True)
        poller = QueuePoller(self.moto.endpoint, invoke, "ProcessNotificationsFunction", source,
                             pollers=pollers, visibility_timeout=visibility_timeout, wait_seconds=0)  # fmt: skip
        poller.start()
        try:
            poller.drain(idle=idle, timeout=900)
        except TimeoutError:
            raise AssertionError(f"the queue did not empty; outcomes so far: {dict(self.handled)}") from None
        finally:
            poller.stop()
        return poller

    def _record(self, record: Any) -> str:
        try:
            outcome: str = self.app.record_handler(record)
        except Exception as exc:
            self.handled[f"failed: {type(exc).__name__}: {exc}"[:200]] += 1
            raise
        self.handled[outcome] += 1
        return outcome

    def polls(self, token: str) -> list[Any]:
        """The GitHub notification requests made with this token."""
        requests = self.github.requests("/api/notifications")
        return [r for r in requests if r.headers.get("Authorization", "").endswith(token)]

    def sent_to(self, openid: str) -> list[dict[str, Any]]:
        return [message for message in self.wechat.sent if message["touser"] == openid]


def notification(repo: str, title: str, updated_at: str, kind: str = "Issue") -> dict[str, Any]:
    return {
        "id": str(abs(hash((repo, title, updated_at)))),
        "unread": True,
        "reason": "mention",
        "updated_at": updated_at,
        "subject": {"title": title, "type": kind, "url": f"https://api.github.com/repos/{repo}/issues/1"},
        "repository": {"full_name": repo},
    }


def iso(seconds_from_now: int = 0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds_from_now))


# -- one user, one notification ------------------------------------------------------------------------------


def test_a_new_notification_is_exactly_one_message_with_the_right_fields(world):
    account_id, openid, token = world.account()
    sub_id = world.subscribe(account_id)
    world.store.add_grants(account_id, NOTIFICATION_TEMPLATE, 2)
    updated = iso(-5)
    world.notify(token, ("octo/hello-world", "Crash when the configuration file is empty", updated))
    assert world.dispatch()["enqueued"] >= 1
    world.process()
    (message,) = world.sent_to(openid)
    assert message["template_id"] == NOTIFICATION_TEMPLATE
    assert message["page"] == f"pages/notifications/index?subscription={sub_id}"
    data = message["data"]
    assert data["thing1"]["value"] == "octo/hello-world"
    assert data["thing2"]["value"] == "Crash when the conf…"  # 20 characters, cut with an ellipsis
    assert len(data["thing2"]["value"]) == 20
    assert data["phrase3"]["value"] == "议题"
    beijing = calendar.timegm(time.strptime(updated, "%Y-%m-%dT%H:%M:%SZ")) + 8 * 3600  # the item's time, UTC+8
    assert data["time4"]["value"] == time.strftime("%Y-%m-%d %H:%M", time.gmtime(beijing))
    assert world.store.grants(account_id)[NOTIFICATION_TEMPLATE] == 1  # one grant spent
    # The next window: GitHub answers 304 to the stored validators, nothing is sent, no rate limit is spent.
    spent = world.github.rate_spent[token]
    world.due_now(account_id, "SUB#" + sub_id)
    world.dispatch()
    world.process()
    assert len(world.sent_to(openid)) == 1
    assert world.github.rate_spent[token] == spent
    assert world.github.requests("/api/notifications")[-1].headers.get("If-None-Match")


def test_no_grant_sends_nothing_then_one_summary_after_a_grant(world):
    account_id, openid, token = world.account()
    sub_id = world.subscribe(account_id)
    world.notify(
        token,
        ("octo/hello-world", "First issue", iso(-30)),
        ("octo/hello-world", "Second issue", iso(-20)),
        ("octo/hello-world", "A pull request", iso(-10)),
    )
    world.dispatch()
    world.process()
    assert world.sent_to(openid) == []
    assert world.store.get_subscription(account_id, sub_id).pending == 3
    world.store.add_grants(account_id, NOTIFICATION_TEMPLATE, 1)
    world.due_now(account_id, "SUB#" + sub_id)
    world.dispatch()
    world.process()
    (message,) = world.sent_to(openid)
    assert message["data"]["thing1"]["value"] == "octo/hello-world"
    assert message["data"]["thing2"]["value"] == "3 new notifications"
    assert world.store.get_subscription(account_id, sub_id).pending == 0


def test_wechat_saying_no_grant_sets_grants_to_zero(world):
    account_id, openid, token = world.account()
    world.subscribe(account_id)
    world.store.add_grants(account_id, NOTIFICATION_TEMPLATE, 3)  # we think 3; WeChat says none (43101)
    world.wechat.grants[(openid, NOTIFICATION_TEMPLATE)] = 0
    world.notify(token, ("octo/hello-world", "An issue", iso(-5)))
    world.dispatch()
    world.process()
    assert world.sent_to(openid) == []
    assert world.store.grants(account_id)[NOTIFICATION_TEMPLATE] == 0


def test_the_same_sqs_batch_delivered_twice_sends_once(world):
    account_id, openid, token = world.account()
    sub_id = world.subscribe(account_id)
    world.store.add_grants(account_id, NOTIFICATION_TEMPLATE, 5)
    world.notify(token, ("octo/hello-world", "An issue", iso(-5)))
    body = json.dumps(world.message(account_id, "SUB#" + sub_id))
    sqs = client_for(world.moto.endpoint, "sqs")
    sqs.send_message(QueueUrl=queue_url(QUEUE), MessageBody=body)
    sqs.send_message(QueueUrl=queue_url(QUEUE), MessageBody=body)  # SQS delivers at least once
    world.process()
    assert len(world.sent_to(openid)) == 1
    assert world.store.grants(account_id)[NOTIFICATION_TEMPLATE] == 4
    assert world.handled["claimed before"] == 1  # the copy was dropped at its claim:
    assert len(world.polls(token)) == 1  # no second GitHub request


def test_a_second_dispatch_before_the_worker_ran_is_dropped_at_the_claim(world):
    """The dispatcher writes nothing: a run that comes while the first run's message still waits in the queue
    enqueues the item again, and the worker drops that copy before any GitHub or WeChat call."""
    account_id, openid, token = world.account()
    sub_id = world.subscribe(account_id)
    world.store.add_grants(account_id, NOTIFICATION_TEMPLATE, 5)
    world.notify(token, ("octo/hello-world", "An issue", iso(-5)))
    world.dispatch()
    world.dispatch()
    world.process(pollers=1)
    assert world.handled["claimed before"] >= 1
    assert len(world.polls(token)) == 1
    assert len(world.sent_to(openid)) == 1
    assert world.store.item_at(account_id, "SUB#" + sub_id).due_at > time.time()  # the next window


def test_a_crash_after_the_send_before_the_cursor_write_sends_once(world, monkeypatch):
    account_id, openid, token = world.account()
    sub_id = world.subscribe(account_id)
    world.store.add_grants(account_id, NOTIFICATION_TEMPLATE, 5)
    world.notify(token, ("octo/hello-world", "An issue", iso(-5)))
    real_save = world.store.save_cursor
    crashes: list[int] = []

    def crash_once(*args: Any, **kwargs: Any) -> bool:
        if not crashes and kwargs.get("seen_until"):
            crashes.append(1)
            raise RuntimeError("the container died after the send")
        return bool(real_save(*args, **kwargs))

    monkeypatch.setattr(world.store, "save_cursor", crash_once)
    world.dispatch()
    world.process()  # the failed message returns after its visibility timeout (1 s) and is polled again
    assert crashes
    assert world.handled["duplicate"] >= 1
    assert len(world.sent_to(openid)) == 1
    assert world.store.get_subscription(account_id, sub_id).seen_until is not None


def test_github_401_pauses_the_subscription_and_marks_the_binding_invalid(world):
    account_id, _openid, token = world.account()
    sub_id = world.subscribe(account_id)
    world.github.revoke(token)
    world.dispatch()
    world.process()
    sub = world.store.get_subscription(account_id, sub_id)
    assert sub.paused
    assert "GitHub rejected" in sub.paused_reason
    assert world.accounts.get_account(account_id).github_token_valid is False
    assert world.store.item_at(account_id, "SUB#" + sub_id).due_at is None  # out of the due index


def test_an_expired_wechat_token_is_refreshed_once(world):
    senders = [world.account() for _ in range(4)]
    for account_id, _, token in senders:
        world.subscribe(account_id)
        world.store.add_grants(account_id, NOTIFICATION_TEMPLATE, 1)
        world.notify(token, ("octo/hello-world", "An issue", iso(-5)))
    world.pipeline.access_token.access_token()  # a token is cached in DynamoDB and in memory
    calls = world.wechat.token_calls
    world.wechat.expire_tokens()  # two hours pass: WeChat answers 42001 to the cached token
    world.dispatch()
    world.process(pollers=1)
    assert world.wechat.token_calls == calls + 1
    assert all(len(world.sent_to(openid)) == 1 for _, openid, _ in senders)


def test_a_release_watched_by_1000_users_costs_one_github_request(world):
    from wegit.notifications.models import NotificationItem

    repo = f"octo/release-{RUN}"
    subscribers = [f"acct-{RUN}-{next(_ids)}" for _ in range(1000)]
    with NotificationItem.batch_write() as batch:  # as POST /subscriptions leaves them, 25 to a request
        for account_id in subscribers:
            batch.save(NotificationItem(account_id, "SUB#r1", kind="releases", repo=repo, watchRepo=repo, createdAt=1))
    world.store.watch(repo, +1000, int(time.time()))
    world.github.releases[repo] = {"id": 1, "tag_name": "v1.0.0", "name": "v1.0.0", "published_at": iso(-86400)}
    watch = ("REPO#" + repo.lower(), "WATCH")
    assert world.pipeline.handle(world.message(*watch)) == "baseline"  # the first poll records what exists: no news
    world.github.releases[repo] = {"id": 2, "tag_name": "v2.0.0", "name": "Version 2", "published_at": iso(-60)}
    assert world.pipeline.handle(world.message(*watch)) == "fanned out to 1000"
    assert world.pipeline.handle(world.message(*watch)) == "unchanged"  # 304: the ETag still holds
    assert len(world.github.requests(f"/api/repos/{repo}/releases/latest")) == 3  # one per poll, not per watcher
    sqs = client_for(world.moto.endpoint, "sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url(QUEUE), AttributeNames=["ApproximateNumberOfMessages"])
    assert int(attributes["Attributes"]["ApproximateNumberOfMessages"]) == 1000
    bodies = [
        json.loads(m["Body"])
        for m in sqs.receive_message(QueueUrl=queue_url(QUEUE), MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]
    ]
    assert all(body["release"]["id"] == 2 and body["pk"] in subscribers for body in bodies)


def test_a_new_release_reaches_each_subscriber_once(world):
    repo = f"octo/small-{RUN}"
    users = [world.account(bind=False) for _ in range(3)]
    subs = [world.subscribe(account_id, "releases", repo) for account_id, _, _ in users]
    for account_id, _, _ in users[:2]:
        world.store.add_grants(account_id, RELEASE_TEMPLATE, 1)
    world.github.releases[repo] = {"id": 7, "tag_name": "v0.9", "name": "v0.9", "published_at": iso(-86400)}
    world.dispatch()
    world.process()
    world.github.releases[repo] = {"id": 8, "tag_name": "v1.0", "name": "One point oh", "published_at": iso(-60)}
    world.due_now("REPO#" + repo.lower(), "WATCH")
    world.dispatch()
    world.process()
    for (account_id, openid, _), sub_id, granted in zip(users, subs, (True, True, False), strict=True):
        sent = world.sent_to(openid)
        assert len(sent) == (1 if granted else 0)
        if granted:
            assert sent[0]["template_id"] == RELEASE_TEMPLATE
            assert sent[0]["data"]["thing1"]["value"] == cut20(repo)
            assert sent[0]["data"]["thing2"]["value"] == "One point oh"
        assert world.store.get_subscription(account_id, sub_id).pending == (0 if granted else 1)


def cut20(text: str) -> str:
    return text if len(text) <= 20 else text[:19] + "…"


def test_subscriptions_go_through_the_real_queue_none_lost_none_twice(world):
    """End to end through SQS: dispatched in batches of 10, delivered to the worker in batch events by four
    pollers; every subscription polled exactly once and messaged exactly once. 200 here (~80 CPU ms each across
    the local stand-ins on a 2-core machine: the time belongs in the benchmark); `make bench` runs more with the
    same checks (WEGIT_BENCH_WORKER=10000 for 10 000), and WEGIT_PIPELINE_SUBSCRIPTIONS sets this one."""
    count = int(os.environ.get("WEGIT_PIPELINE_SUBSCRIPTIONS", "200"))
    users = seed(world, count)
    assert world.dispatch()["enqueued"] >= count
    world.process(pollers=4, visibility_timeout=60)  # long enough that no message is received twice
    assert_each_polled_and_messaged_once(world, users)


def assert_each_polled_and_messaged_once(world: World, users: list[tuple[str, str, str]]) -> None:
    polled = Counter(
        request.headers["Authorization"].split()[-1] for request in world.github.requests("/api/notifications")
    )
    wrong = {token: polled[token] for _, _, token in users if polled[token] != 1}
    assert not wrong, f"polled twice or never: {len(wrong)} of {len(users)}; outcomes {dict(world.handled)}"
    received = Counter(message["touser"] for message in world.wechat.sent)
    lost_or_twice = [openid for _, openid, _ in users if received[openid] != 1]
    assert not lost_or_twice, f"{len(lost_or_twice)} of {len(users)} users got no message or two"


def seed(world: World, count: int) -> list[tuple[str, str, str]]:
    """`count` users, each bound, subscribed (due now), granted one message and with one new GitHub notification:
    the items the API leaves, written 25 to a request on 8 threads (the API's calls one by one take minutes)."""
    from wegit.accounts.models import PROFILE, AccountItem
    from wegit.notifications.models import GRANT, SUBSCRIPTION, NotificationItem

    now, sub_id = int(time.time()) - 60, world.store.subscription_id("notifications", None, False)
    users = [identity() for _ in range(count)]

    def write(chunk: list[tuple[str, str, str]]) -> None:
        bound = [(account_id, openid, world.crypto.encrypt(account_id, token)) for account_id, openid, token in chunk]
        with AccountItem.batch_write() as accounts:
            for account_id, openid, ciphertext in bound:
                accounts.save(AccountItem(account_id, PROFILE, openid=openid, createdAt=now, lastSeenAt=now,
                                          githubLogin="octocat", githubAvatarUrl="", githubToken=ciphertext,
                                          githubTokenValid=True, githubBoundAt=now))  # fmt: skip
        with NotificationItem.batch_write() as items:
            for account_id, _, _ in chunk:
                shard = world.store.shard_for(account_id + sub_id)
                items.save(NotificationItem(account_id, SUBSCRIPTION + sub_id, kind="notifications", includeAll=False,
                                            createdAt=now, shard=shard, dueAt=now))  # fmt: skip
                items.save(NotificationItem(account_id, GRANT + NOTIFICATION_TEMPLATE, remaining=1))

    world.crypto.encrypt("warm", "up")  # the KMS client before the threads (creating one is not thread-safe)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, [users[start : start + 100] for start in range(0, count, 100)]))
    for _, _, token in users:
        world.notify(token, ("octo/hello-world", "An issue", iso(-5)))
    return users


# -- the WeChat access token's refresh margin ------------------------------------------------------------------


def cache_access_token(value: str, expires_in: int) -> None:
    """The shared access token as a worker left it in the table, `expires_in` seconds from now; none in memory."""
    from wegit.notifications import access_token
    from wegit.notifications.models import NotificationItem

    access_token.forget()
    NotificationItem(access_token.PARTITION, access_token.SORT_KEY).update(
        actions=[
            NotificationItem.accessToken.set(value),
            NotificationItem.tokenExpiresAt.set(int(time.time()) + expires_in),
            NotificationItem.lockedUntil.remove(),
        ]
    )


def test_the_access_token_is_not_refreshed_before_wechat_would_issue_a_new_one(world):
    """stable_token answers the same token until the last 300 s of its life: a worker asking earlier gets nothing
    new, and with a margin over 300 s it asked on every send for minutes of every two hours."""
    cache_access_token("fake-access-token-" + "c" * 32, expires_in=400)
    assert world.pipeline.access_token.access_token() == "fake-access-token-" + "c" * 32
    assert world.wechat.token_calls == 0
    cache_access_token("fake-access-token-" + "d" * 32, expires_in=200)  # inside the margin: refreshed
    assert world.pipeline.access_token.access_token() != "fake-access-token-" + "d" * 32
    assert world.wechat.token_calls == 1
    assert world.pipeline.access_token.REFRESH_BEFORE < 300


# -- a bound token that cannot read notifications --------------------------------------------------------------


def fine_grained(world: World) -> tuple[str, str, str]:
    """A new account whose bound token is fine-grained: GitHub's notifications API refuses it (403)."""
    account_id, openid, _ = world.account(bind=False)
    token = "github_pat_" + f"{RUN}x{next(_ids):071d}"[-71:]
    world.accounts.bind(account_id, world.crypto.encrypt(account_id, token), "octocat", None, int(time.time()))
    return account_id, openid, token


@pytest.mark.parametrize("status", [403, 404])
def test_a_bound_token_that_cannot_read_notifications_pauses_the_subscription(world, status):
    """Not a failure to retry (5 tries, the dead-letter queue, and again at the next dispatch, forever): the
    subscription is paused with why, and the binding stays valid (GitHub did not reject the token)."""
    if status == 403:
        account_id, _openid, token = fine_grained(world)
    else:
        account_id, _openid, token = world.account()
        world.github.server.expect_request("/api/notifications").respond_with_json({"message": "Not Found"}, status=404)
    sub_id = world.subscribe(account_id)
    world.dispatch()
    world.process()
    assert [outcome for outcome in world.handled if outcome.startswith("failed")] == []
    assert world.handled["paused"] == 1
    sub = world.store.get_subscription(account_id, sub_id)
    assert sub.paused
    assert "classic tokens with the notifications or repo scope" in sub.paused_reason
    assert world.store.item_at(account_id, "SUB#" + sub_id).due_at is None  # out of the due index
    assert world.accounts.get_account(account_id).github_token_valid is True
    assert empty(world.moto, "NotificationsDeadLetterQueue") == 0
    world.dispatch()
    world.process()
    assert len(world.polls(token)) == 1  # not polled again


def caller(world: World, account_id: str) -> Any:
    from wegit.accounts.sessions import Caller

    return Caller(account=world.accounts.get_account(account_id), session=None)  # type: ignore[arg-type]


def test_subscribing_with_a_token_that_cannot_read_notifications_is_a_400_saying_why(world):
    from wegit.errors import BadRequest
    from wegit.notifications import service

    account_id, _openid, token = fine_grained(world)
    with pytest.raises(BadRequest, match="classic tokens with the notifications or repo scope") as refused:
        service.subscribe(caller(world, account_id), "notifications", None, False)
    assert token not in str(refused.value)
    assert world.store.list_subscriptions(account_id) == []
    (probe,) = world.polls(token)
    assert probe.args["per_page"] == "1"


def test_a_paused_subscription_shows_why_and_subscribing_again_resumes_it(world):
    from wegit.notifications import service

    account_id, _openid, _token = world.account()
    shown, created = service.subscribe(caller(world, account_id), "notifications", None, False)
    assert created and shown["paused_reason"] is None
    world.store.pause(account_id, shown["id"], "GitHub rejected the bound token: bind it again and subscribe again")
    (listed,) = service.subscriptions(caller(world, account_id))
    assert listed["paused"] is True
    assert listed["paused_reason"] == "GitHub rejected the bound token: bind it again and subscribe again"
    again, created = service.subscribe(caller(world, account_id), "notifications", None, False)
    assert (created, again["paused"], again["paused_reason"]) == (False, False, None)
    item = world.store.item_at(account_id, "SUB#" + shown["id"])
    assert item.due_at is not None and item.due_at <= time.time() and item.shard  # due again, at once


# -- WeChat refusals that never succeed; values cut as WeChat counts them ---------------------------------------


def test_a_title_of_emoji_is_cut_to_twenty_utf16_units(world):
    """WeChat counts a value's length in UTF-16 code units: 15 emoji are 30 of them, over `thing`'s 20."""
    account_id, openid, token = world.account()
    world.subscribe(account_id)
    world.store.add_grants(account_id, NOTIFICATION_TEMPLATE, 1)
    world.notify(token, ("octo/hello-world", "🎉" * 15, iso(-5)))
    world.dispatch()
    world.process()
    (message,) = world.sent_to(openid)
    title = message["data"]["thing2"]["value"]
    assert len(title.encode("utf-16-le")) // 2 <= 20
    assert title == "🎉" * 9 + "…"  # whole emoji only: 18 units and the ellipsis


@pytest.mark.parametrize("errcode", [47003, 40037, 41030])
def test_a_message_wechat_refuses_for_good_is_dropped_not_retried(world, logs, errcode):
    account_id, _openid, token = world.account()
    sub_id = world.subscribe(account_id)
    world.store.add_grants(account_id, NOTIFICATION_TEMPLATE, 2)
    newest = iso(-5)
    world.notify(token, ("octo/hello-world", "An issue", newest))
    world.pipeline.access_token.access_token()
    world.wechat.server.expect_request("/cgi-bin/message/subscribe/send").respond_with_json(
        {"errcode": errcode, "errmsg": f"refused rid: {errcode}"}
    )
    world.dispatch()
    world.process()
    assert [outcome for outcome in world.handled if outcome.startswith("failed")] == []
    assert world.handled["rejected"] == 1
    assert len(world.wechat.requests("/cgi-bin/message/subscribe/send")) == 1  # one try, never again
    assert empty(world.moto, "NotificationsDeadLetterQueue") == 0
    sub = world.store.get_subscription(account_id, sub_id)
    assert (sub.paused, sub.seen_until, sub.pending) == (False, newest, 0)  # the cursor moved past the item
    assert world.store.grants(account_id)[NOTIFICATION_TEMPLATE] == 2  # WeChat did not spend the grant
    (line,) = [line for line in logs() if line.get("message", "").startswith("WeChat rejected the message for good")]
    assert line["errcode"] == errcode and line["reason"]
    assert world.pipeline.counts["WeChatMessagesRejected"] >= 1  # the metric of the run


def test_an_openid_wechat_does_not_know_pauses_the_subscription(world):
    account_id, _openid, token = world.account()
    sub_id = world.subscribe(account_id)
    world.store.add_grants(account_id, NOTIFICATION_TEMPLATE, 1)
    world.notify(token, ("octo/hello-world", "An issue", iso(-5)))
    world.pipeline.access_token.access_token()
    world.wechat.server.expect_request("/cgi-bin/message/subscribe/send").respond_with_json(
        {"errcode": 40003, "errmsg": "invalid openid rid: 1"}
    )
    world.dispatch()
    world.process()
    assert world.handled["paused"] == 1
    sub = world.store.get_subscription(account_id, sub_id)
    assert sub.paused and "40003" in sub.paused_reason
    assert world.store.item_at(account_id, "SUB#" + sub_id).due_at is None
    assert empty(world.moto, "NotificationsDeadLetterQueue") == 0


def test_messages_name_the_mini_program_version_and_language(world, monkeypatch):
    account_id, openid, token = world.account()
    world.subscribe(account_id)
    world.store.add_grants(account_id, NOTIFICATION_TEMPLATE, 2)
    world.notify(token, ("octo/hello-world", "An issue", iso(-5)))
    world.dispatch()
    world.process()
    (message,) = world.sent_to(openid)
    assert (message["miniprogram_state"], message["lang"]) == ("formal", "zh_CN")  # production's, by default
    monkeypatch.setenv("WECHAT_MINIPROGRAM_STATE", "developer")
    monkeypatch.setenv("WECHAT_LANG", "en_US")
    release = world.pipeline.compose.release_message(openid, "s1", "octo/r", {"name": "v1", "published_at": iso()})
    assert (release["miniprogram_state"], release["lang"]) == ("developer", "en_US")


# -- the worker's deadline --------------------------------------------------------------------------------------


class Dwindling(Context):
    """A context whose invocation has 60 s left for the first record, then too little for any other."""

    def __init__(self) -> None:
        self._left = iter([60_000])

    def get_remaining_time_in_millis(self) -> int:  # type: ignore[override]
        return next(self._left, 5_000)


def sqs_event(world: World, bodies: list[dict[str, Any]]) -> dict[str, Any]:
    from local.queues import sqs_record

    messages = [{"MessageId": f"m{index}", "ReceiptHandle": f"r{index}", "Body": json.dumps(body)}
                for index, body in enumerate(bodies)]  # fmt: skip
    return {"Records": [sqs_record(message, QUEUE) for message in messages]}


def test_records_the_invocation_has_no_time_left_for_are_reported_unstarted(world):
    users = [world.account() for _ in range(3)]
    subs = [world.subscribe(account_id) for account_id, _, _ in users]
    for (account_id, _, token), _sub in zip(users, subs, strict=True):
        world.store.add_grants(account_id, NOTIFICATION_TEMPLATE, 1)
        world.notify(token, ("octo/hello-world", "An issue", iso(-5)))
    bodies = [world.message(account_id, "SUB#" + sub) for (account_id, _, _), sub in zip(users, subs, strict=True)]
    answer = world.app.lambda_handler(sqs_event(world, bodies), Dwindling())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}
    assert len(world.sent_to(users[0][1])) == 1
    for (account_id, openid, token), sub, body in zip(users[1:], subs[1:], bodies[1:], strict=True):
        assert world.polls(token) == [] and world.sent_to(openid) == []  # not started at all:
        assert world.store.item_at(account_id, "SUB#" + sub).due_at == body["dueAt"]  # not claimed, still due


def test_the_access_token_is_fetched_before_the_claim(world):
    """WeChat unable to give a token: nothing is claimed, recorded or polled (a worker stopped between the
    delivery record and the send would lose that notification)."""
    from wegit.notifications.models import NotificationItem

    account_id, _openid, token = world.account()
    sub_id = world.subscribe(account_id)
    world.store.add_grants(account_id, NOTIFICATION_TEMPLATE, 1)
    world.notify(token, ("octo/hello-world", "An issue", iso(-5)))
    world.pipeline.access_token.forget()
    NotificationItem(world.pipeline.access_token.PARTITION, world.pipeline.access_token.SORT_KEY).delete()
    world.wechat.server.expect_request("/cgi-bin/stable_token").respond_with_json({"errcode": -1, "errmsg": "busy"})
    body = world.message(account_id, "SUB#" + sub_id)
    with pytest.raises(Exception, match="errcode -1"):
        world.pipeline.handle(body)
    assert world.polls(token) == []
    assert world.store.item_at(account_id, "SUB#" + sub_id).due_at == body["dueAt"]


# -- DELETE /me while the worker runs; subscriptions left without an account ------------------------------------


def partition(account_id: str) -> list[str]:
    """The sort keys the notifications table still holds for an account."""
    from wegit.notifications.models import NotificationItem

    return [item.sk for item in NotificationItem.query(account_id, consistent_read=True)]


def delete_me(world: World, account_id: str) -> Any:
    """What `DELETE /me` does for this account (the accounts service, every table), to run in the worker's way."""
    from wegit.accounts import service

    who = caller(world, account_id)
    return lambda: service.delete_account(who)


def test_delete_me_while_the_worker_polls_github_sends_and_leaves_nothing(world, monkeypatch):
    account_id, openid, token = world.account()
    world.subscribe(account_id)
    world.store.add_grants(account_id, NOTIFICATION_TEMPLATE, 2)
    world.notify(token, ("octo/hello-world", "An issue", iso(-5)))
    erase, real = delete_me(world, account_id), world.pipeline.sources.notifications

    def answered_then_deleted(*args: Any, **kwargs: Any) -> Any:
        answer = real(*args, **kwargs)
        if args[0] == token:  # this user's poll (others due may be polled in the same run)
            erase()  # the user deletes the account while the worker holds GitHub's answer
        return answer

    monkeypatch.setattr(world.pipeline.sources, "notifications", answered_then_deleted)
    world.dispatch()
    world.process()
    assert world.handled["gone"] == 1, dict(world.handled)  # the delivery claim found the subscription gone
    assert world.sent_to(openid) == []
    assert partition(account_id) == []


@pytest.mark.parametrize("errcode", [47003, 43101])
def test_delete_me_during_the_send_does_not_bring_grants_back(world, monkeypatch, errcode):
    """WeChat refuses the message (47003: the grant is given back; 43101: the grants are set to 0) after the
    account was deleted: neither write makes the grant item again."""
    account_id, openid, token = world.account()
    world.subscribe(account_id)
    world.store.add_grants(account_id, NOTIFICATION_TEMPLATE, 2)
    world.notify(token, ("octo/hello-world", "An issue", iso(-5)))
    world.pipeline.access_token.access_token()
    if errcode == 43101:
        world.wechat.grants[(openid, NOTIFICATION_TEMPLATE)] = 0
    else:
        world.wechat.server.expect_request("/cgi-bin/message/subscribe/send").respond_with_json(
            {"errcode": errcode, "errmsg": "refused"}
        )
    erase, real = delete_me(world, account_id), world.pipeline._send

    def deleted_then_sent(message: dict[str, Any]) -> int:
        if message["touser"] == openid:
            erase()
        return int(real(message))

    monkeypatch.setattr(world.pipeline, "_send", deleted_then_sent)
    world.dispatch()
    world.process()
    assert [outcome for outcome in world.handled if outcome.startswith("failed")] == []
    assert partition(account_id) == []


def test_a_subscription_whose_account_is_gone_is_removed_not_polled_forever(world):
    """A POST /subscriptions that raced DELETE /me leaves a subscription without an account: the worker deletes
    it (out of the due index) instead of claiming it again every window."""
    account_id, _openid, token = world.account()
    sub_id = world.subscribe(account_id)
    world.accounts.delete_account(account_id)  # the profile and sessions gone, the subscription left
    world.dispatch()
    world.process()
    assert world.handled["gone"] == 1
    assert world.store.item_at(account_id, "SUB#" + sub_id) is None
    assert world.polls(token) == []
    world.dispatch()
    world.process()
    assert world.handled["gone"] == 1  # not enqueued again


def test_a_release_subscriber_whose_account_is_gone_is_removed_and_counted_out(world):
    repo = f"octo/orphan-{RUN}"
    (gone, _, _), (kept, kept_openid, _) = world.account(bind=False), world.account(bind=False)
    gone_sub, _kept_sub = world.subscribe(gone, "releases", repo), world.subscribe(kept, "releases", repo)
    world.store.add_grants(kept, RELEASE_TEMPLATE, 1)
    world.accounts.delete_account(gone)
    world.github.releases[repo] = {"id": 7, "tag_name": "v0.9", "name": "v0.9", "published_at": iso(-86400)}
    world.dispatch()
    world.process()
    world.github.releases[repo] = {"id": 8, "tag_name": "v1.0", "name": "v1.0", "published_at": iso(-60)}
    world.due_now("REPO#" + repo.lower(), "WATCH")
    world.dispatch()
    world.process()
    assert world.handled["gone"] == 1
    assert world.store.get_subscription(gone, gone_sub) is None
    assert world.store.item_at("REPO#" + repo.lower(), "WATCH").remaining == 1
    assert len(world.sent_to(kept_openid)) == 1


# -- a new binding resumes what the old token paused -------------------------------------------------------------


def test_binding_a_new_token_resumes_subscriptions_the_old_token_paused(world):
    """GitHub rejects the bound token (401): the subscription is paused and says so; binding another token
    (PUT /me/github-token) resumes it, due at once and polled with the new token. One paused by WeChat stays."""
    from wegit.accounts import service

    account_id, openid, token = world.account()
    sub_id = world.subscribe(account_id)
    releases = world.subscribe(account_id, "releases", f"octo/bound-{RUN}")
    world.store.pause(account_id, releases, "WeChat does not know this user (errcode 40003): log in again and "
                      "subscribe again", by=world.store.PAUSED_BY_WECHAT)  # fmt: skip
    world.store.add_grants(account_id, NOTIFICATION_TEMPLATE, 1)
    world.github.revoke(token)
    world.dispatch()
    world.process()
    (paused, wechat_paused) = sorted(service_list(world, account_id), key=lambda s: s["id"] != sub_id)
    assert paused["paused"] and "binding a token resumes it" in paused["paused_reason"]
    new_token = "ghp_" + f"{RUN}n{next(_ids):035d}"[-36:]
    service.bind_github_token(caller(world, account_id), new_token)
    (resumed, still) = sorted(service_list(world, account_id), key=lambda s: s["id"] != sub_id)
    assert (resumed["paused"], resumed["paused_reason"]) == (False, None)
    assert (still["paused"], still["paused_reason"]) == (True, wechat_paused["paused_reason"])
    item = world.store.item_at(account_id, "SUB#" + sub_id)
    assert item.due_at is not None and item.due_at <= time.time()  # due again, at once
    world.notify(new_token, ("octo/hello-world", "An issue", iso(-5)))
    world.dispatch()
    world.process()
    assert len(world.polls(new_token)) == 1
    assert len(world.sent_to(openid)) == 1


def service_list(world: World, account_id: str) -> list[dict[str, Any]]:
    """GET /subscriptions as the service answers it."""
    from wegit.notifications import service

    listed: list[dict[str, Any]] = service.subscriptions(caller(world, account_id))
    return listed


# -- a repository's name in any case ------------------------------------------------------------------------------


def test_a_release_reaches_subscribers_whatever_case_they_wrote_the_repository_in(world):
    """GitHub's names ignore case: Octo/Case-x and octo/case-x are one repository, polled once, and each subscriber
    sees it as they wrote it, in GET /subscriptions and in the message."""
    written = [f"Octo/Case-{RUN}", f"octo/case-{RUN}", f"OCTO/CASE-{RUN}"]
    users = [world.account(bind=False) for _ in written]
    for (account_id, _, _), repo in zip(users, written, strict=True):
        world.subscribe(account_id, "releases", repo)
        world.store.add_grants(account_id, RELEASE_TEMPLATE, 1)
    watch = world.store.item_at("REPO#" + written[0].lower(), "WATCH")
    assert watch.remaining == 3
    world.github.releases[written[0]] = {"id": 7, "tag_name": "v1", "name": "v1", "published_at": iso(-86400)}
    world.pipeline.handle(world.message("REPO#" + written[0].lower(), "WATCH"))  # the baseline
    world.github.releases[written[0]] = {"id": 8, "tag_name": "v2", "name": "v2", "published_at": iso(-60)}
    assert world.pipeline.handle(world.message("REPO#" + written[0].lower(), "WATCH")) == "fanned out to 3"
    world.process()
    for (account_id, openid, _), repo in zip(users, written, strict=True):
        (sent,) = world.sent_to(openid)
        assert sent["data"]["thing1"]["value"] == cut20(repo)
        (listed,) = service_list(world, account_id)
        assert listed["repo"] == repo


def test_subscriptions_stored_with_a_mixed_case_key_are_still_found(world):
    """Before keys were lower case, `watchRepo` was the repository as its subscriber wrote it: the fan-out still
    finds those written as the watched repository names it, and `lower_watch_keys` (the one-off migration) makes
    every one lower case."""
    from wegit.notifications.models import NotificationItem

    repo = f"Octo/Legacy-{RUN}"
    first, other = f"acct-{RUN}-{next(_ids)}", f"acct-{RUN}-{next(_ids)}"
    NotificationItem(first, "SUB#l1", kind="releases", repo=repo, watchRepo=repo, createdAt=1).save()
    NotificationItem(other, "SUB#l2", kind="releases", repo=repo.upper(), watchRepo=repo.upper(), createdAt=1).save()
    assert [s.account_id for s in world.store.subscribers(repo)] == [first]  # the watched repository's form
    assert world.store.lower_watch_keys() >= 2
    assert sorted(s.account_id for s in world.store.subscribers(repo)) == sorted([first, other])
    assert sorted(s.repo for s in world.store.subscribers(repo.lower())) == sorted([repo, repo.upper()])
    assert world.store.lower_watch_keys() == 0  # nothing left to rewrite
