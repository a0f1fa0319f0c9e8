"""The notifications store on DynamoDB Local: its hand-written expressions keep the item layout of the PynamoDB
model (wegit.notifications.models), so items either side wrote are read by the other; the due index is read
page by page; and a failed condition (claimed before, no grant left, deleted) is told apart from any other
error."""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from local.dynamodb import DynamoDBLocal, create_tables
from local.template import load
from wegit import dynamodb as dynamodb_client
from wegit.settings import get_settings

_ids = itertools.count()
NOW = 1_800_000_000
RELEASE_ID = 2**53 + 1  # past a float's exact integers: read back exactly


@pytest.fixture(scope="module")
def store(dynamodb: DynamoDBLocal) -> Any:
    template = load()
    create_tables(dynamodb.client(), template.tables, template.table_names())
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ENDPOINT_URL_DYNAMODB": dynamodb.endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_REGION": "us-east-1",
            "NOTIFICATIONS_TABLE": "NotificationsTable",
        }.items():
            patch.setenv(name, value)
        get_settings.cache_clear()
        dynamodb_client.client.cache_clear()
        from wegit.notifications import store

        yield store
    get_settings.cache_clear()
    dynamodb_client.client.cache_clear()


def new_id() -> str:
    return f"ntfstore{time.time_ns()}x{next(_ids)}"


def stored(partition: str, sort_key: str) -> Any:
    """The item as the PynamoDB model reads it (its attributes typed loosely: a null one is None)."""
    from wegit.notifications.models import NotificationItem

    return NotificationItem.get(partition, sort_key, consistent_read=True)


def test_what_the_store_writes_the_model_reads(store):
    from wegit.notifications.models import DELIVERY, GRANT, REPO, SUBSCRIPTION, WATCH

    account_id, repo = new_id(), f"Octo/{new_id()}"
    notifications, created = store.add_subscription(account_id, "notifications", None, True, NOW)
    assert created
    releases, _ = store.add_subscription(account_id, "releases", repo, False, NOW + 1)
    store.save_cursor(account_id, notifications.id, due_at=NOW + 600, etag='W/"e1"', last_modified="Mon, 01 Jan",
                      poll_interval=60, seen_until="2027-01-15T08:00:00Z", pending=2,
                      pending_title="octo/a")  # fmt: skip
    store.save_cursor(account_id, releases.id, due_at=0, etag=None, last_modified=None, poll_interval=None,
                      last_release_id=RELEASE_ID, pending=0)  # fmt: skip
    assert store.add_grants(account_id, "tmpl", 3) == 3
    assert store.record_delivery(account_id, notifications.id, "2027-01-15T08:00:00Z", NOW)

    item = stored(account_id, SUBSCRIPTION + notifications.id)
    assert (item.kind, item.repo, item.includeAll, item.createdAt) == ("notifications", None, True, NOW)
    assert (item.shard, item.dueAt) == (store.shard_for(account_id + notifications.id), NOW + 600)
    assert (item.etag, item.lastModified, item.pollInterval) == ('W/"e1"', "Mon, 01 Jan", 60)
    assert (item.seenUntil, item.pending, item.pendingTitle, item.watchRepo) == (
        "2027-01-15T08:00:00Z", 2, "octo/a", None)  # fmt: skip
    item = stored(account_id, SUBSCRIPTION + releases.id)
    assert (item.kind, item.repo, item.watchRepo, item.includeAll) == ("releases", repo, repo.lower(), False)
    assert (item.shard, item.dueAt, item.pendingTitle) == (None, None, None)  # the repository is what is due
    assert item.lastReleaseId == RELEASE_ID
    watched = stored(REPO + repo.lower(), WATCH)
    assert (watched.repo, watched.remaining, watched.dueAt) == (repo, 1, NOW + 1)
    assert watched.shard == store.shard_for(REPO + repo.lower())
    assert stored(account_id, GRANT + "tmpl").remaining == 3
    delivery = stored(account_id, f"{DELIVERY}{notifications.id}#2027-01-15T08:00:00Z")
    assert delivery.sentAt == NOW
    assert int(delivery.expiresAt.timestamp()) == NOW + store.DELIVERY_KEPT_FOR  # the TTL attribute, epoch seconds

    assert store.pause(account_id, notifications.id, "why")
    paused = stored(account_id, SUBSCRIPTION + notifications.id)
    assert (paused.paused, paused.pausedReason, paused.shard, paused.dueAt) == (True, "why", None, None)
    store.save_cursor(account_id, notifications.id, due_at=0, etag=None, last_modified=None, poll_interval=None,
                      pending=0)  # fmt: skip
    assert stored(account_id, SUBSCRIPTION + notifications.id).pendingTitle is None  # removed


def test_what_the_model_writes_the_store_reads(store):
    from wegit.notifications.models import GRANT, REPO, SUBSCRIPTION, WATCH, NotificationItem

    account_id, repo = new_id(), f"octo/{new_id()}"
    NotificationItem(account_id, SUBSCRIPTION + "s1", kind="notifications", includeAll=False, createdAt=NOW,
                     paused=True, pausedReason="why", seenUntil="2027-01-01T00:00:00Z", etag="e", lastModified="m",
                     pollInterval=90, pending=4, pendingTitle="t", shard="03", dueAt=NOW + 5).save()  # fmt: skip
    NotificationItem(account_id, SUBSCRIPTION + "s2", kind="releases", repo=repo, watchRepo=repo,
                     includeAll=False, createdAt=NOW + 1, lastReleaseId=RELEASE_ID).save()  # fmt: skip
    NotificationItem(account_id, GRANT + "a", remaining=2).save()
    NotificationItem(REPO + repo, WATCH, repo=repo, remaining=5, etag="w", lastReleaseId=7).save()

    first = store.get_subscription(account_id, "s1")
    assert first == store.Subscription(account_id, "s1", "notifications", None, False, NOW, True, "why",
                                       "2027-01-01T00:00:00Z", None, "e", "m", 90, 4, "t")  # fmt: skip
    second = store.get_subscription(account_id, "s2")
    assert second == store.Subscription(account_id, "s2", "releases", repo, False, NOW + 1, last_release_id=RELEASE_ID)
    assert store.list_subscriptions(account_id) == [first, second]  # oldest first
    assert store.count_subscriptions(account_id) == 2
    assert store.grants(account_id) == {"a": 2}
    assert list(store.subscribers(repo)) == [second]
    assert store.get_subscription(account_id, "none") is None

    record = store.item_at(account_id, SUBSCRIPTION + "s1")
    assert (record.partition, record.sort_key) == (account_id, "SUB#s1")
    assert (record.kind, record.paused) == ("notifications", True)
    assert (record.shard, record.due_at, record.etag) == ("03", NOW + 5, "e")
    assert store.as_subscription(record) == first
    watched = store.item_at(REPO + repo, WATCH)
    assert (watched.repo, watched.remaining, watched.etag, watched.last_release_id) == (repo, 5, "w", 7)
    assert store.item_at(account_id, "SUB#none") is None


def test_the_due_index_is_read_page_by_page_oldest_first(store, monkeypatch):
    from wegit.notifications.models import SUBSCRIPTION, NotificationItem

    shard = new_id()  # a shard of this test alone
    account_ids = [new_id() for _ in range(20)]
    with NotificationItem.batch_write() as batch:
        for number, account_id in enumerate(account_ids):
            batch.save(NotificationItem(account_id, SUBSCRIPTION + "s", kind="notifications", createdAt=NOW,
                                        shard=shard, dueAt=NOW + 100 - number))  # fmt: skip
        batch.save(NotificationItem(new_id(), SUBSCRIPTION + "s", shard=shard, dueAt=NOW + 1000))  # not due yet
    client, queries = dynamodb_client.client(), []
    real_query = client.query

    def counted(**params: Any) -> dict[str, Any]:
        queries.append(params)
        answer: dict[str, Any] = real_query(**params)
        return answer

    monkeypatch.setattr(client, "query", counted)
    due = list(store.due(shard, NOW + 100, page_size=3))
    assert due == [(account_id, SUBSCRIPTION + "s", NOW + 100 - number)
                   for number, account_id in reversed(list(enumerate(account_ids)))]  # fmt: skip
    assert len(queries) == 7  # 20 items, 3 a page
    assert all(query["Limit"] == 3 and query["IndexName"] == "due" for query in queries)
    assert [due_at for _, _, due_at in store.due(shard, NOW + 90)] == list(range(NOW + 81, NOW + 91))


def test_conditions_tell_a_conflict_apart(store):
    account_id = new_id()
    sub, created = store.add_subscription(account_id, "notifications", None, False, NOW)
    again, created_again = store.add_subscription(account_id, "notifications", None, False, NOW + 5)
    assert (created, created_again, again) == (True, False, sub)  # the same subscription twice is one

    # the claim: dueAt must still be the enqueued value
    sort_key = "SUB#" + sub.id
    assert store.claim(account_id, sort_key, NOW - 1, NOW + 600) is None  # enqueued with another dueAt
    claimed = store.claim(account_id, sort_key, NOW, NOW + 600)
    assert claimed is not None and claimed.due_at == NOW + 600 and claimed.kind == "notifications"  # read back
    assert store.as_subscription(claimed) == sub
    assert store.claim(account_id, sort_key, NOW, NOW + 600) is None  # a second copy of the message
    store.unclaim(account_id, sort_key, NOW + 999, NOW)  # dueAt moved on since: left as it is
    assert store.item_at(account_id, sort_key).due_at == NOW + 600
    store.unclaim(account_id, sort_key, NOW + 600, NOW)
    assert store.item_at(account_id, sort_key).due_at == NOW
    assert store.claim(new_id(), sort_key, NOW, NOW + 600) is None  # no such item: not created either

    # grants: spent one at a time, never below zero
    assert store.take_grant(account_id, "tmpl") is False
    store.add_grants(account_id, "tmpl", 1)
    assert store.take_grant(account_id, "tmpl") is True
    assert store.take_grant(account_id, "tmpl") is False
    store.add_grants(account_id, "tmpl", 2)
    store.clear_grants(account_id, "tmpl")
    assert store.grants(account_id) == {"tmpl": 0}

    # deliveries: claimed once
    assert store.record_delivery(account_id, sub.id, "k", NOW) is True
    assert store.record_delivery(account_id, sub.id, "k", NOW) is False
    assert store.delivered(account_id, sub.id, "k")
    store.release_delivery(account_id, sub.id, "k")
    assert not store.delivered(account_id, sub.id, "k")
    assert store.record_delivery(account_id, sub.id, "k", NOW) is True

    # a deleted subscription is never brought back
    assert store.delete_subscription(account_id, sub.id) == sub
    assert store.delete_subscription(account_id, sub.id) is None
    assert store.save_cursor(account_id, sub.id, due_at=NOW, etag="e", last_modified=None, poll_interval=None) is False
    assert store.pause(account_id, sub.id, "why") is False
    assert store.resume(sub, NOW) is None
    assert store.item_at(account_id, sort_key) is None
    assert store.save_cursor(account_id, sub.id, due_at=0, etag=None, last_modified=None, poll_interval=None)


def test_a_paused_subscription_resumes_due_at_once(store):
    account_id = new_id()
    sub, _ = store.add_subscription(account_id, "notifications", None, False, NOW)
    assert store.pause(account_id, sub.id, "GitHub rejected the bound token")
    paused = store.get_subscription(account_id, sub.id)
    assert (paused.paused, paused.paused_reason) == (True, "GitHub rejected the bound token")
    resumed = store.resume(paused, NOW + 10)
    assert resumed == store.get_subscription(account_id, sub.id) == sub
    record = store.item_at(account_id, "SUB#" + sub.id)
    assert (record.shard, record.due_at) == (store.shard_for(account_id + sub.id), NOW + 10)


def test_watchers_are_counted_in_and_out(store):
    repo = f"octo/{new_id()}"
    users = [new_id() for _ in range(3)]
    subs = [store.add_subscription(account_id, "releases", repo, False, NOW)[0] for account_id in users]
    watched = store.item_at("REPO#" + repo, "WATCH")
    assert (watched.remaining, watched.due_at) == (3, NOW)
    assert sorted(s.account_id for s in store.subscribers(repo)) == sorted(users)
    assert store.save_watch(repo, due_at=NOW + 600, etag="e", release_id=RELEASE_ID, release_tag="v1")
    watched = store.item_at("REPO#" + repo, "WATCH")
    assert (watched.due_at, watched.etag, watched.last_release_id) == (NOW + 600, "e", RELEASE_ID)
    store.delete_subscription(users[0], subs[0].id)
    store.unwatched(repo)  # two watch it still: kept
    assert store.item_at("REPO#" + repo, "WATCH").remaining == 2
    assert store.item_at("REPO#" + repo, "WATCH").due_at == NOW + 600  # a watcher out does not move it
    for account_id, sub in zip(users[1:], subs[1:], strict=True):
        store.delete_subscription(account_id, sub.id)
    store.unwatched(repo)
    assert store.item_at("REPO#" + repo, "WATCH") is None
    assert store.save_watch(repo, due_at=NOW, etag=None) is False  # not brought back


def test_deleting_an_account_pages_through_its_items_and_counts_its_watchers_out(store):
    account_id, repo = new_id(), f"octo/{new_id()}"
    other = new_id()
    store.add_subscription(other, "releases", repo, False, NOW)
    store.add_subscription(account_id, "releases", repo, False, NOW)
    notifications, _ = store.add_subscription(account_id, "notifications", None, False, NOW)
    store.add_grants(account_id, "tmpl", 1)
    for number in range(60):  # more than two BatchWriteItem calls
        store.record_delivery(account_id, notifications.id, f"{number}", NOW)
    assert store.item_at("REPO#" + repo, "WATCH").remaining == 2
    assert store.delete_account(account_id) == 63
    assert store.item_at("REPO#" + repo, "WATCH").remaining == 1
    assert store.list_subscriptions(account_id) == [] and store.grants(account_id) == {}
    assert store.delete_account(account_id) == 0
    assert len(store.list_subscriptions(other)) == 1


def test_an_error_that_is_not_a_failed_condition_is_raised(store, monkeypatch):
    from wegit.aws import AwsError

    monkeypatch.setenv("NOTIFICATIONS_TABLE", "NoSuchTable")
    get_settings.cache_clear()
    try:
        for call in (lambda: store.take_grant("a", "t"), lambda: store.record_delivery("a", "s", "k", NOW),
                     lambda: store.claim("a", "SUB#s", NOW, NOW + 1), lambda: store.pause("a", "s", "why"),
                     lambda: store.unclaim("a", "SUB#s", NOW + 1, NOW), lambda: store.unwatched("octo/x")):  # fmt: skip
            with pytest.raises(AwsError) as raised:
                call()
            assert raised.value.code == "ResourceNotFoundException"
    finally:
        monkeypatch.setenv("NOTIFICATIONS_TABLE", "NotificationsTable")
        get_settings.cache_clear()


# -- the watcher count: only what was really deleted is counted out --------------------------------------------


def watched_by_another(store: Any) -> tuple[str, str, Any]:
    """A repository watched by two accounts: (repo, the other account, the first account's subscription)."""
    repo, other, account_id = f"octo/{new_id()}", new_id(), new_id()
    store.add_subscription(other, "releases", repo, False, NOW)
    sub, _ = store.add_subscription(account_id, "releases", repo, False, NOW)
    assert store.item_at("REPO#" + repo, "WATCH").remaining == 2
    return repo, other, sub


def assert_still_watched_by(store: Any, repo: str, other: str) -> None:
    """One watcher left, counted; the repository stays polled (the worker keeps it) and the other is found."""
    assert store.item_at("REPO#" + repo, "WATCH").remaining == 1
    store.unwatched(repo)
    assert store.item_at("REPO#" + repo, "WATCH") is not None
    assert [s.account_id for s in store.subscribers(repo)] == [other]


def test_a_subscription_deleted_twice_at_once_is_counted_out_once(store, monkeypatch):
    repo, other, sub = watched_by_another(store)
    both_read = threading.Barrier(2, timeout=10)
    real_get = store.get_subscription

    def read_then_wait(*args: Any) -> Any:
        found = real_get(*args)
        both_read.wait()  # each DELETE found the subscription before either deleted it
        return found

    monkeypatch.setattr(store, "get_subscription", read_then_wait)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: store.delete_subscription(sub.account_id, sub.id), range(2)))
    monkeypatch.undo()
    assert sorted(result is None for result in results) == [False, True]  # one 204, one 404
    assert_still_watched_by(store, repo, other)


def test_a_delete_racing_delete_me_is_counted_out_once(store, monkeypatch):
    repo, other, sub = watched_by_another(store)
    both_read = threading.Barrier(2, timeout=10)
    real_get, real_query = store.get_subscription, store._query
    waited: list[str] = []

    def read_then_wait(*args: Any) -> Any:
        found = real_get(*args)
        both_read.wait()
        return found

    def query_then_wait(params: Any) -> Any:
        items = list(real_query(params))
        if threading.current_thread().name.startswith("me") and not waited:
            waited.append("me")
            both_read.wait()  # DELETE /me read the partition before DELETE /subscriptions/{id} deleted
        return iter(items)

    monkeypatch.setattr(store, "get_subscription", read_then_wait)
    monkeypatch.setattr(store, "_query", query_then_wait)
    with ThreadPoolExecutor(1, thread_name_prefix="one") as one, ThreadPoolExecutor(1, thread_name_prefix="me") as me:
        deleting = one.submit(store.delete_subscription, sub.account_id, sub.id)
        erasing = me.submit(store.delete_account, sub.account_id)
        deleting.result(), erasing.result()
    monkeypatch.undo()
    assert store.get_subscription(sub.account_id, sub.id) is None
    assert_still_watched_by(store, repo, other)


def test_a_retried_delete_me_counts_nothing_out_twice(store, monkeypatch):
    repo, other, sub = watched_by_another(store)
    store.add_grants(sub.account_id, "tmpl", 1)
    real_batch_delete = store._batch_delete

    def lost(keys: Any) -> None:
        raise RuntimeError("the function timed out halfway")

    monkeypatch.setattr(store, "_batch_delete", lost)
    with pytest.raises(RuntimeError):
        store.delete_account(sub.account_id)
    monkeypatch.setattr(store, "_batch_delete", real_batch_delete)
    store.delete_account(sub.account_id)  # DELETE /me again
    store.delete_account(sub.account_id)
    assert store.grants(sub.account_id) == {} and store.list_subscriptions(sub.account_id) == []
    assert_still_watched_by(store, repo, other)


def test_a_subscription_and_its_count_are_written_together(store, monkeypatch):
    """The count is in the subscription's transaction: a failure cannot leave a subscription uncounted (its
    repository would be unwatched while it still waits for releases)."""
    repo, other, sub = watched_by_another(store)
    store.delete_subscription(sub.account_id, sub.id)
    watched = store.item_at("REPO#" + repo, "WATCH")
    client = dynamodb_client.client()
    real = client.transact_write_items

    def refused(**params: Any) -> Any:
        raise store.AwsError("InternalServerError", "", 500)

    monkeypatch.setattr(client, "transact_write_items", refused)
    with pytest.raises(store.AwsError):
        store.add_subscription(sub.account_id, "releases", repo, False, NOW)
    monkeypatch.setattr(client, "transact_write_items", real)
    assert store.get_subscription(sub.account_id, sub.id) is None  # neither written
    assert store.item_at("REPO#" + repo, "WATCH").remaining == watched.remaining == 1
    assert_still_watched_by(store, repo, other)


def test_the_worker_writes_nothing_for_a_deleted_account(store):
    """After DELETE /me, a delivery claim, a grant given back or cleared, a cursor: none makes an item again."""
    account_id = new_id()
    sub, _ = store.add_subscription(account_id, "notifications", None, False, NOW)
    store.add_grants(account_id, "tmpl", 1)
    assert store.take_grant(account_id, "tmpl")
    store.delete_account(account_id)
    with pytest.raises(store.SubscriptionGone):
        store.record_delivery(account_id, sub.id, "k", NOW)
    assert store.give_back_grant(account_id, "tmpl") is False
    store.clear_grants(account_id, "tmpl")
    assert store.save_cursor(account_id, sub.id, due_at=NOW, etag="e", last_modified=None, poll_interval=None) is False
    assert store.item_at(account_id, "DELIVERY#" + sub.id + "#k") is None
    assert store.grants(account_id) == {} and store.list_subscriptions(account_id) == []
    assert store.give_back_grant(new_id(), "tmpl") is False


def test_nothing_new_is_written_for_an_account_being_deleted(store):
    """DELETE /me marks the account closing before it sweeps the notifications partition: a subscription or a
    grant written with the account's check either lands before the mark (and the sweep removes it) or is
    refused; an account that is gone altogether is refused the same way."""
    from wegit.accounts import store as accounts
    from wegit.notifications.models import GRANT, REPO, SUBSCRIPTION, WATCH

    open_, closing, gone, repo = new_id(), new_id(), new_id(), f"octo/{new_id()}"
    for account_id in (open_, closing):
        accounts.upsert_account(account_id, f"openid-{account_id}", None, NOW)
    accounts.close(closing, NOW)
    accounts.close(gone, NOW)  # no profile: nothing to mark, no error (a retried DELETE /me)

    sub, created = store.add_subscription(open_, "releases", repo, False, NOW, accounts.open_check(open_))
    assert created and store.add_grants(open_, "tmpl", 2, accounts.open_check(open_)) == 2
    for account_id in (closing, gone):
        for kind, name in (("releases", repo), ("notifications", None)):
            with pytest.raises(store.AccountClosed):
                store.add_subscription(account_id, kind, name, False, NOW, accounts.open_check(account_id))
        with pytest.raises(store.AccountClosed):
            store.add_grants(account_id, "tmpl", 1, accounts.open_check(account_id))
        assert store.list_subscriptions(account_id) == [] and store.grants(account_id) == {}
    # the refused releases subscriptions counted no watcher in: the open account's is the only one
    assert int(stored(REPO + repo, WATCH).remaining) == 1
    assert stored(open_, SUBSCRIPTION + sub.id) is not None and stored(open_, GRANT + "tmpl").remaining == 2
    # subscribing again to what the account has is still "found", even with the check
    again, created_again = store.add_subscription(open_, "releases", repo, False, NOW + 1, accounts.open_check(open_))
    assert (again.id, created_again) == (sub.id, False)
