"""Data access for notifications: subscriptions, grants, deliveries and watched repositories."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DeleteError, PutError, UpdateError

from wegit.notifications.models import DELIVERY, GRANT, REPO, SHARDS, SUBSCRIPTION, WATCH, NotificationItem

DELIVERY_KEPT_FOR = 30 * 86400  # a redelivered message older than this could send twice; SQS keeps 4 days at most


@dataclass(frozen=True)
class Subscription:
    account_id: str
    id: str
    kind: str
    repo: str | None
    include_all: bool
    created_at: int
    paused: bool = False
    paused_reason: str | None = None
    seen_until: str | None = None
    last_release_id: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    poll_interval: int | None = None
    pending: int = 0
    pending_title: str | None = None


def _subscription(item: NotificationItem) -> Subscription:
    return Subscription(
        account_id=item.accountId,
        id=item.sk.removeprefix(SUBSCRIPTION),
        kind=item.kind or "",
        repo=item.repo,
        include_all=bool(item.includeAll),
        created_at=int(item.createdAt or 0),
        paused=bool(item.paused),
        paused_reason=item.pausedReason,
        seen_until=item.seenUntil,
        last_release_id=int(item.lastReleaseId) if item.lastReleaseId is not None else None,
        etag=item.etag,
        last_modified=item.lastModified,
        poll_interval=int(item.pollInterval) if item.pollInterval is not None else None,
        pending=int(item.pending or 0),
        pending_title=item.pendingTitle,
    )


def subscription_id(kind: str, repo: str | None, include_all: bool) -> str:
    """The same subscription twice has the same id (so it is one subscription)."""
    what = f"{kind}\0{(repo or '').lower()}\0{include_all}".encode()
    return hashlib.sha256(what).hexdigest()[:16]


def shard_for(key: str) -> str:
    """Spreads the due index over SHARDS partitions, so no partition is hot when everything is due at once."""
    return f"{int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % SHARDS:02d}"


def count_subscriptions(account_id: str) -> int:
    return int(NotificationItem.count(account_id, NotificationItem.sk.startswith(SUBSCRIPTION)))


def add_subscription(
    account_id: str, kind: str, repo: str | None, include_all: bool, now: int
) -> tuple[Subscription, bool]:
    """Create the subscription, or find it when the user has it already (False)."""
    sub_id = subscription_id(kind, repo, include_all)
    item = NotificationItem(
        account_id, SUBSCRIPTION + sub_id, kind=kind, repo=repo, includeAll=include_all, createdAt=now
    )
    if kind == "releases":
        item.watchRepo = repo  # found by the release fan-out; the repository itself is what is due
    else:
        item.shard, item.dueAt = shard_for(account_id + sub_id), now  # due at once
    try:
        item.save(condition=NotificationItem.sk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        existing = get_subscription(account_id, sub_id)
        if existing is not None:
            return existing, False
        raise
    if repo and kind == "releases":
        watch(repo, +1, now)
    return _subscription(item), True


def get_subscription(account_id: str, sub_id: str) -> Subscription | None:
    try:
        return _subscription(NotificationItem.get(account_id, SUBSCRIPTION + sub_id))
    except NotificationItem.DoesNotExist:
        return None


def list_subscriptions(account_id: str) -> list[Subscription]:
    items = NotificationItem.query(account_id, NotificationItem.sk.startswith(SUBSCRIPTION))
    return sorted((_subscription(item) for item in items), key=lambda s: (s.created_at, s.id))


def delete_subscription(account_id: str, sub_id: str) -> Subscription | None:
    """Delete it; the subscription it was, or None when there was none."""
    existing = get_subscription(account_id, sub_id)
    if existing is None:
        return None
    NotificationItem(account_id, SUBSCRIPTION + sub_id).delete()
    if existing.kind == "releases" and existing.repo:
        watch(existing.repo, -1, int(existing.created_at))
    return existing


def watch(repo: str, change: int, now: int) -> None:
    """Count a watcher in or out of a repository; a watched repository is due at once when first watched."""
    key = REPO + repo.lower()
    NotificationItem(key, WATCH).update(
        actions=[
            NotificationItem.remaining.add(change),  # the watcher count
            NotificationItem.repo.set(repo),
            NotificationItem.shard.set(NotificationItem.shard | shard_for(key)),
            NotificationItem.dueAt.set(NotificationItem.dueAt | now),
        ]
    )


def subscribers(repo: str) -> Iterator[Subscription]:
    """Every subscription to a repository's releases, page by page (never all in memory)."""
    for item in NotificationItem.by_repo.query(repo):
        yield _subscription(item)


def due(shard: str, now: int, page_size: int = 1000) -> Iterator[tuple[str, str, int]]:
    """(partition, sort key, dueAt) of what is due in one shard, oldest first, page by page."""
    for item in NotificationItem.due.query(shard, NotificationItem.dueAt <= now, page_size=page_size):
        yield item.accountId, item.sk, int(item.dueAt or 0)


def shards() -> list[str]:
    return [f"{index:02d}" for index in range(SHARDS)]


# -- grants: one-time subscribe messages the user accepted ---------------------------------------------------


def add_grants(account_id: str, template: str, count: int) -> int:
    item = NotificationItem(account_id, GRANT + template)
    item.update(actions=[NotificationItem.remaining.add(count)])
    return int(item.remaining or 0)


def grants(account_id: str) -> dict[str, int]:
    items = NotificationItem.query(account_id, NotificationItem.sk.startswith(GRANT))
    return {item.sk.removeprefix(GRANT): int(item.remaining or 0) for item in items}


def take_grant(account_id: str, template: str) -> bool:
    """Spend one grant by an atomic conditional update; False when none is left."""
    try:
        NotificationItem(account_id, GRANT + template).update(
            actions=[NotificationItem.remaining.add(-1)], condition=NotificationItem.remaining > 0
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def clear_grants(account_id: str, template: str) -> None:
    """WeChat says the user has none (43101): believe it."""
    NotificationItem(account_id, GRANT + template).update(actions=[NotificationItem.remaining.set(0)])


# -- deliveries: the idempotency records --------------------------------------------------------------------


def record_delivery(account_id: str, sub_id: str, item_key: str, now: int) -> bool:
    """Claim a delivery; False when it was claimed before (a redelivered or retried message)."""
    try:
        NotificationItem(
            account_id,
            f"{DELIVERY}{sub_id}#{item_key}",
            sentAt=now,
            expiresAt=datetime.fromtimestamp(now + DELIVERY_KEPT_FOR, tz=UTC),
        ).save(condition=NotificationItem.sk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


# -- the account's whole partition ---------------------------------------------------------------------------


def delete_account(account_id: str) -> int:
    """Every item of the account (subscriptions, grants, deliveries, cursors); watchers counted out."""
    deleted = 0
    with NotificationItem.batch_write() as batch:
        for item in NotificationItem.query(account_id):
            if item.sk.startswith(SUBSCRIPTION) and item.kind == "releases" and item.repo:
                watch(item.repo, -1, int(item.createdAt or 0))
            batch.delete(item)
            deleted += 1
    return deleted


# -- pipeline: what the dispatcher and the worker read and write --------------------------------------------


def item_at(partition: str, sort_key: str) -> NotificationItem | None:
    try:
        return NotificationItem.get(partition, sort_key, consistent_read=True)
    except NotificationItem.DoesNotExist:
        return None


def as_subscription(item: NotificationItem) -> Subscription:
    return _subscription(item)


def claim(partition: str, sort_key: str, enqueued_due: int, until: int) -> NotificationItem | None:
    """Take a due item for one window: dueAt moves from the value it was enqueued with to `until`, and the item is
    read back in the same call (ALL_NEW). None when dueAt moved already (another copy of the message claimed it)
    or the item left the due index (paused, deleted)."""
    item = NotificationItem(partition, sort_key)
    try:
        item.update(actions=[NotificationItem.dueAt.set(until)], condition=NotificationItem.dueAt == enqueued_due)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return item


def unclaim(partition: str, sort_key: str, until: int, enqueued_due: int) -> None:
    """Give a claim back (the work failed, the message will be retried), unless dueAt moved on since."""
    try:
        NotificationItem(partition, sort_key).update(
            actions=[NotificationItem.dueAt.set(enqueued_due)], condition=NotificationItem.dueAt == until
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def _updated_if_present(item: NotificationItem, actions: list[Any]) -> bool:
    """Update an item that must still exist (a deleted subscription is never brought back); False if gone."""
    try:
        item.update(actions=actions, condition=NotificationItem.sk.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def save_cursor(
    account_id: str,
    sub_id: str,
    *,
    due_at: int,
    etag: str | None,
    last_modified: str | None,
    poll_interval: int | None,
    seen_until: str | None = None,
    last_release_id: int | None = None,
    pending: int | None = None,
    pending_title: str | None = None,
) -> bool:
    """Write what was delivered (or is pending) and GitHub's validators; the next poll is due at `due_at`."""
    item = NotificationItem(account_id, SUBSCRIPTION + sub_id)
    actions: list[Any] = []
    if due_at:
        actions.append(NotificationItem.dueAt.set(due_at))
    texts = (
        (NotificationItem.etag, etag),
        (NotificationItem.lastModified, last_modified),
        (NotificationItem.seenUntil, seen_until),
    )
    actions += [attribute.set(value) for attribute, value in texts if value is not None]
    numbers = ((NotificationItem.pollInterval, poll_interval), (NotificationItem.lastReleaseId, last_release_id))
    actions += [attribute.set(number) for attribute, number in numbers if number is not None]
    if pending is not None:
        actions.append(NotificationItem.pending.set(pending))
        actions.append(
            NotificationItem.pendingTitle.set(pending_title)
            if pending_title
            else NotificationItem.pendingTitle.remove()
        )
    return _updated_if_present(item, actions) if actions else True


def pause(account_id: str, sub_id: str, reason: str) -> bool:
    """Stop polling a subscription (out of the due index) and say why; the user resumes it by subscribing."""
    return _updated_if_present(
        NotificationItem(account_id, SUBSCRIPTION + sub_id),
        [
            NotificationItem.paused.set(True),
            NotificationItem.pausedReason.set(reason),
            NotificationItem.shard.remove(),
            NotificationItem.dueAt.remove(),
        ],
    )


def resume(sub: Subscription, now: int) -> Subscription | None:
    """Poll a paused subscription again (a notifications subscription is due at once); None if it is gone."""
    actions: list[Any] = [NotificationItem.paused.remove(), NotificationItem.pausedReason.remove()]
    if sub.kind == "notifications":
        actions += [NotificationItem.shard.set(shard_for(sub.account_id + sub.id)), NotificationItem.dueAt.set(now)]
    if not _updated_if_present(NotificationItem(sub.account_id, SUBSCRIPTION + sub.id), actions):
        return None
    return replace(sub, paused=False, paused_reason=None)


def release_delivery(account_id: str, sub_id: str, item_key: str) -> None:
    """Give a claimed delivery back: the send was refused or failed before WeChat accepted it."""
    NotificationItem(account_id, f"{DELIVERY}{sub_id}#{item_key}").delete()


def delivered(account_id: str, sub_id: str, item_key: str) -> bool:
    return item_at(account_id, f"{DELIVERY}{sub_id}#{item_key}") is not None


def save_watch(
    repo: str, *, due_at: int, etag: str | None, release_id: int | None = None, release_tag: str | None = None
) -> bool:
    actions: list[Any] = [NotificationItem.dueAt.set(due_at)]
    if etag:
        actions.append(NotificationItem.etag.set(etag))
    if release_id is not None:
        actions.append(NotificationItem.lastReleaseId.set(release_id))
    if release_tag:
        actions.append(NotificationItem.releaseTag.set(release_tag))
    return _updated_if_present(NotificationItem(REPO + repo.lower(), WATCH), actions)


def unwatched(repo: str) -> None:
    """No one watches the repository any more: it leaves the due index (and the table)."""
    try:
        NotificationItem(REPO + repo.lower(), WATCH).delete(condition=NotificationItem.remaining <= 0)
    except DeleteError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
