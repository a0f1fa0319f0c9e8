"""Data access for notifications: subscriptions, grants, deliveries and watched repositories.

Low-level calls on wegit.aws's client with hand-written expressions: PynamoDB would import botocore into the
cold start of every subscription route (and of `DELETE /me`). The item layout (attribute names and types, the
`due` and `byRepo` indexes, the TTL attribute) is the one wegit.notifications.models declares for PynamoDB,
which the pipeline's WeChat access token and the tests still use: a change of either is a change of both."""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from wegit import dynamodb
from wegit.aws import AwsError
from wegit.settings import get_settings

SHARDS = 16
SUBSCRIPTION = "SUB#"
GRANT = "GRANT#"
DELIVERY = "DELIVERY#"
REPO = "REPO#"
WATCH = "WATCH"
DUE_INDEX = "due"
REPO_INDEX = "byRepo"
DELIVERY_KEPT_FOR = 30 * 86400  # a redelivered message older than this could send twice; SQS keeps 4 days at most
CONDITION_FAILED = dynamodb.CONDITION_FAILED
TRANSACTION_CANCELED = "TransactionCanceledException"
CONFLICT_ROUNDS = 6  # a transaction cancelled by another on the same item (a repository's count) is tried again
Item = dict[str, Any]


class SubscriptionGone(Exception):
    """The subscription was deleted (DELETE /subscriptions/{id}, DELETE /me) while the worker held it."""


class AccountClosed(Exception):
    """The account is gone or being deleted (DELETE /me): nothing new is written for it."""


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


@dataclass(frozen=True)
class Record:
    """One item of the table as the pipeline reads it: a subscription (`as_subscription`) or a watched
    repository (REPO#<owner/name> / WATCH, whose `remaining` is its watcher count)."""

    attributes: Item  # as DynamoDB holds it ({"S": ...}, {"N": ...})

    @property
    def partition(self) -> str:
        return _string(self.attributes, "accountId") or ""

    @property
    def sort_key(self) -> str:
        return _string(self.attributes, "sk") or ""

    @property
    def kind(self) -> str | None:
        return _string(self.attributes, "kind")

    @property
    def repo(self) -> str | None:
        return _string(self.attributes, "repo")

    @property
    def paused(self) -> bool:
        return _bool(self.attributes, "paused")

    @property
    def remaining(self) -> int | None:
        return _number(self.attributes, "remaining")

    @property
    def etag(self) -> str | None:
        return _string(self.attributes, "etag")

    @property
    def last_release_id(self) -> int | None:
        return _number(self.attributes, "lastReleaseId")

    @property
    def shard(self) -> str | None:
        return _string(self.attributes, "shard")

    @property
    def due_at(self) -> int | None:
        return _number(self.attributes, "dueAt")


# -- the item layout -----------------------------------------------------------------------------------------


def _table() -> str:
    return get_settings().notifications_table


def _key(partition: str, sort_key: str) -> Item:
    return {"accountId": {"S": partition}, "sk": {"S": sort_key}}


_number, _string = dynamodb.number, dynamodb.string


def _bool(item: Item, name: str) -> bool:
    value = item.get(name)
    return bool(value.get("BOOL")) if value else False


def _n(value: int) -> Item:
    return {"N": str(int(value))}


def _subscription(item: Item) -> Subscription:
    return Subscription(
        account_id=_string(item, "accountId") or "",
        id=(_string(item, "sk") or "").removeprefix(SUBSCRIPTION),
        kind=_string(item, "kind") or "",
        repo=_string(item, "repo"),
        include_all=_bool(item, "includeAll"),
        created_at=_number(item, "createdAt") or 0,
        paused=_bool(item, "paused"),
        paused_reason=_string(item, "pausedReason"),
        seen_until=_string(item, "seenUntil"),
        last_release_id=_number(item, "lastReleaseId"),
        etag=_string(item, "etag"),
        last_modified=_string(item, "lastModified"),
        poll_interval=_number(item, "pollInterval"),
        pending=_number(item, "pending") or 0,
        pending_title=_string(item, "pendingTitle"),
    )


_names = dynamodb.names


def _update(
    partition: str,
    sort_key: str,
    expression: str,
    values: Mapping[str, Any] | None = None,
    condition: str | None = None,
    **extra: Any,
) -> Item:
    """One UpdateItem with the attribute names of `expression` and `condition` filled in."""
    return dynamodb.update(_table(), _key(partition, sort_key), expression, values, condition, **extra)


def _conditional(call: Any, *args: Any, **kwargs: Any) -> bool:
    """Run a conditional write; False when its condition failed (any other error is raised)."""
    try:
        call(*args, **kwargs)
    except AwsError as exc:
        if exc.code == CONDITION_FAILED:
            return False
        raise
    return True


def _query(params: Item) -> Iterator[Item]:
    """The items of a Query, page by page (never all in memory)."""
    query = {"TableName": _table(), **params}
    while True:
        page = dynamodb.client().query(**query)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _in_partition(account_id: str, prefix: str, **extra: Any) -> Item:
    """Query parameters for the items of a partition whose sort key starts with `prefix`."""
    return {
        "KeyConditionExpression": "#accountId = :id AND begins_with(#sk, :prefix)",
        "ExpressionAttributeNames": {"#accountId": "accountId", "#sk": "sk"},
        "ExpressionAttributeValues": {":id": {"S": account_id}, ":prefix": {"S": prefix}},
        **extra,
    }


def _transact(items: list[Item]) -> bool:
    """One TransactWriteItems: all of `items` or none. False when a condition failed; a cancellation by a
    concurrent transaction on the same item (two subscribers of a repository at once) is tried again."""
    return not _failed_conditions(items)


def _failed_conditions(items: list[Item]) -> list[bool]:
    """One TransactWriteItems; [] when it was written, else which of `items` failed its condition. Each round
    has its own ClientRequestToken, so the client's own retry after a lost answer is idempotent."""
    for round_ in range(CONFLICT_ROUNDS):
        try:
            dynamodb.client().transact_write_items(TransactItems=items, ClientRequestToken=uuid.uuid4().hex)
        except AwsError as exc:
            if exc.code != TRANSACTION_CANCELED:
                raise
            if "ConditionalCheckFailed" in exc.message:
                return _cancellation_reasons(exc.message, len(items))
            if "TransactionConflict" not in exc.message:
                raise
            time.sleep(random.random() * 0.05 * 2**round_)  # noqa: S311 - jitter
            continue
        return []
    raise AwsError(TRANSACTION_CANCELED, "TransactionConflict: tried again and again", 400)


def _cancellation_reasons(message: str, count: int) -> list[bool]:
    """Which items failed their condition, from the reasons DynamoDB lists in its message ("... [None,
    ConditionalCheckFailed]"); all of them when it does not list one per item."""
    listed = message[message.rfind("[") + 1 : message.rfind("]")].split(",")
    if len(listed) != count:
        return [True] * count
    return [reason.strip() == "ConditionalCheckFailed" for reason in listed]


def _watcher_change(repo: str, change: int, now: int) -> Item:
    """The Update (of a transaction) that counts a watcher in or out of a repository; a repository is due at once
    when first watched."""
    key = REPO + repo.lower()
    expression = (
        "ADD #remaining :change"  # the watcher count
        " SET #repo = if_not_exists(#repo, :repo), #shard = if_not_exists(#shard, :shard),"
        " #dueAt = if_not_exists(#dueAt, :now)"
    )
    return {
        "TableName": _table(),
        "Key": _key(key, WATCH),
        "UpdateExpression": expression,
        "ExpressionAttributeNames": _names(expression),
        "ExpressionAttributeValues": {
            ":change": _n(change), ":repo": {"S": repo}, ":shard": {"S": shard_for(key)}, ":now": _n(now),
        },
    }  # fmt: skip


def _delete(partition: str, sort_key: str) -> None:
    dynamodb.client().delete_item(TableName=_table(), Key=_key(partition, sort_key))


def _get(partition: str, sort_key: str, *, consistent: bool = False) -> Item | None:
    answer = dynamodb.client().get_item(TableName=_table(), Key=_key(partition, sort_key), ConsistentRead=consistent)
    item: Item | None = answer.get("Item")
    return item


# -- subscriptions -------------------------------------------------------------------------------------------


def subscription_id(kind: str, repo: str | None, include_all: bool) -> str:
    """The same subscription twice has the same id (so it is one subscription)."""
    what = f"{kind}\0{(repo or '').lower()}\0{include_all}".encode()
    return hashlib.sha256(what).hexdigest()[:16]


def shard_for(key: str) -> str:
    """Spreads the due index over SHARDS partitions, so no partition is hot when everything is due at once."""
    return f"{int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % SHARDS:02d}"


def count_subscriptions(account_id: str) -> int:
    query = {"TableName": _table(), **_in_partition(account_id, SUBSCRIPTION, Select="COUNT")}
    count = 0
    while True:
        page = dynamodb.client().query(**query)
        count += int(page.get("Count", 0))
        if "LastEvaluatedKey" not in page:
            return count
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def add_subscription(
    account_id: str, kind: str, repo: str | None, include_all: bool, now: int, account_open: Item | None = None
) -> tuple[Subscription, bool]:
    """Create the subscription, or find it when the user has it already (False). Written in one transaction with
    `account_open` (the accounts store's check that the account exists and is not being deleted) and, for a
    repository's releases, the repository's watcher count: never one without the others. AccountClosed when
    the account is gone or going. (Without `account_open`, as the store's own tests call it, no account is checked.)"""
    sub_id = subscription_id(kind, repo, include_all)
    item: Item = {
        **_key(account_id, SUBSCRIPTION + sub_id),
        "kind": {"S": kind},
        "includeAll": {"BOOL": include_all},
        "createdAt": _n(now),
    }
    if repo is not None:
        item["repo"] = {"S": repo}  # as the user wrote it: what GET /subscriptions and the messages show
    if kind == "releases":
        if repo is not None:
            # found by the release fan-out, lower case as GitHub's names compare (Facebook/React is facebook/react);
            # the repository itself is what is due
            item["watchRepo"] = {"S": repo.lower()}
    else:
        item["shard"], item["dueAt"] = {"S": shard_for(account_id + sub_id)}, _n(now)  # due at once
    put = {"TableName": _table(), "Item": item, "ConditionExpression": "attribute_not_exists(#sk)",
           "ExpressionAttributeNames": {"#sk": "sk"}}  # fmt: skip
    checks = [account_open] if account_open else []
    writes = [*checks, {"Put": put}]
    if kind == "releases" and repo:
        writes.append({"Update": _watcher_change(repo, +1, now)})
    failed = _failed_conditions(writes)
    if not failed:
        return _subscription(item), True
    closed, exists = (failed[0], failed[1]) if checks else (False, failed[0])
    existing = get_subscription(account_id, sub_id) if exists else None
    if existing is not None:
        return existing, False
    if closed:
        raise AccountClosed(account_id)
    raise AwsError(CONDITION_FAILED, "the subscription was there, and deleted since: try again", 400)


def get_subscription(account_id: str, sub_id: str) -> Subscription | None:
    item = _get(account_id, SUBSCRIPTION + sub_id)
    return _subscription(item) if item else None


def list_subscriptions(account_id: str) -> list[Subscription]:
    items = _query(_in_partition(account_id, SUBSCRIPTION))
    return sorted((_subscription(item) for item in items), key=lambda s: (s.created_at, s.id))


def delete_subscription(account_id: str, sub_id: str) -> Subscription | None:
    """Delete it; the subscription it was, or None when there was none (or another call deleted it first)."""
    existing = get_subscription(account_id, sub_id)
    if existing is None or not _forget(existing.account_id, existing.id, existing.kind, existing.repo):
        return None
    return existing


def _forget(account_id: str, sub_id: str, kind: str | None, repo: str | None) -> bool:
    """Delete a subscription if it is still there, and count its watcher out of the repository in the same
    transaction: only what was really deleted is counted out (a second DELETE, a DELETE racing DELETE /me, a
    retried DELETE /me). False when it was gone already."""
    condition = {"ConditionExpression": "attribute_exists(#sk)", "ExpressionAttributeNames": {"#sk": "sk"}}
    delete = {"TableName": _table(), "Key": _key(account_id, SUBSCRIPTION + sub_id), **condition}
    if kind == "releases" and repo:
        return _transact([{"Delete": delete}, {"Update": _watcher_change(repo, -1, 0)}])
    return _conditional(dynamodb.client().delete_item, **delete)


def watch(repo: str, change: int, now: int) -> None:
    """Count watchers in or out of a repository outside a subscription's transaction (seeding, repairs)."""
    update = _watcher_change(repo, change, now)
    dynamodb.client().update_item(**update)


def subscribers(repo: str) -> Iterator[Subscription]:
    """Every subscription to a repository's releases, whatever the case it was written in, page by page (never
    all in memory). The key is lower case; a subscription stored before it was (its key as its user wrote it) is
    found under the form `repo` names, its watched repository's, until `lower_watch_keys` has run."""
    forms = dict.fromkeys((repo.lower(), repo))
    for form in forms:
        items = _query({
            "IndexName": REPO_INDEX,
            "KeyConditionExpression": "#watchRepo = :repo",
            "ExpressionAttributeNames": {"#watchRepo": "watchRepo"},
            "ExpressionAttributeValues": {":repo": {"S": form}},
        })  # fmt: skip
        for item in items:
            yield _subscription(item)


def lower_watch_keys() -> int:
    """One-off migration: the release subscriptions stored with a mixed-case `watchRepo` (before the key was
    lower case) get its lower case, so the fan-out finds them all. Scans the table (an operator's credentials:
    no function is granted Scan); safe to run again and while the service runs. How many it rewrote."""
    scan: Item = {
        "TableName": _table(),
        "FilterExpression": "attribute_exists(#watchRepo)",
        "ProjectionExpression": "#accountId, #sk, #watchRepo",
        "ExpressionAttributeNames": {"#accountId": "accountId", "#sk": "sk", "#watchRepo": "watchRepo"},
    }
    rewritten = 0
    while True:
        page = dynamodb.client().scan(**scan)
        for item in page.get("Items", []):
            key = _string(item, "watchRepo") or ""
            if key != key.lower():
                rewritten += _conditional(_update, item["accountId"]["S"], item["sk"]["S"], "SET #watchRepo = :lower",
                                          {":lower": {"S": key.lower()}}, "attribute_exists(#sk)")  # fmt: skip
        if "LastEvaluatedKey" not in page:
            return rewritten
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def due(shard: str, now: int, page_size: int = 1000) -> Iterator[tuple[str, str, int]]:
    """(partition, sort key, dueAt) of what is due in one shard, oldest first, page by page."""
    items = _query({
        "IndexName": DUE_INDEX,
        "KeyConditionExpression": "#shard = :shard AND #dueAt <= :now",
        "ExpressionAttributeNames": {"#shard": "shard", "#dueAt": "dueAt"},
        "ExpressionAttributeValues": {":shard": {"S": shard}, ":now": _n(now)},
        "Limit": page_size,
    })  # fmt: skip
    for item in items:
        yield item["accountId"]["S"], item["sk"]["S"], _number(item, "dueAt") or 0


def shards() -> list[str]:
    return [f"{index:02d}" for index in range(SHARDS)]


# -- grants: one-time subscribe messages the user accepted ---------------------------------------------------


def give_back_grant(account_id: str, template: str) -> bool:
    """A grant taken for a message WeChat did not send is given back, unless the grants are gone (DELETE /me)."""
    return _conditional(_update, account_id, GRANT + template, "ADD #remaining :one", {":one": _n(1)},
                        "attribute_exists(#sk)")  # fmt: skip


def add_grants(account_id: str, template: str, count: int, account_open: Item | None = None) -> int:
    """Count `count` more grants in, in one transaction with `account_open` (AccountClosed when the account is
    gone or going), and read back how many there are now (a transaction returns no values)."""
    expression = "ADD #remaining :count"
    update = {
        "TableName": _table(),
        "Key": _key(account_id, GRANT + template),
        "UpdateExpression": expression,
        "ExpressionAttributeNames": _names(expression),
        "ExpressionAttributeValues": {":count": _n(count)},
    }
    if _failed_conditions([*([account_open] if account_open else []), {"Update": update}]):
        raise AccountClosed(account_id)  # the update has no condition: the check failed
    return _number(_get(account_id, GRANT + template, consistent=True) or {}, "remaining") or 0


def grants(account_id: str) -> dict[str, int]:
    items = _query(_in_partition(account_id, GRANT))
    return {(_string(item, "sk") or "").removeprefix(GRANT): _number(item, "remaining") or 0 for item in items}


def take_grant(account_id: str, template: str) -> bool:
    """Spend one grant by an atomic conditional update; False when none is left."""
    return _conditional(_update, account_id, GRANT + template, "ADD #remaining :minus",
                        {":minus": _n(-1), ":zero": _n(0)}, "#remaining > :zero")  # fmt: skip


def clear_grants(account_id: str, template: str) -> None:
    """WeChat says the user has none (43101): believe it (a grant item DELETE /me removed is not made again)."""
    _conditional(_update, account_id, GRANT + template, "SET #remaining = :zero", {":zero": _n(0)},
                 "attribute_exists(#sk)")  # fmt: skip


# -- deliveries: the idempotency records --------------------------------------------------------------------


def record_delivery(account_id: str, sub_id: str, item_key: str, now: int) -> bool:
    """Claim a delivery; False when it was claimed before (a redelivered or retried message). The claim is
    conditional on the subscription still being there, in one transaction: SubscriptionGone when it is not (a
    DELETE /me while the worker polled leaves no delivery record behind, and nothing is sent)."""
    item = {
        **_key(account_id, f"{DELIVERY}{sub_id}#{item_key}"),
        "sentAt": _n(now),
        "expiresAt": _n(now + DELIVERY_KEPT_FOR),  # the table's TTL attribute, epoch seconds
    }
    names = {"#sk": "sk"}
    failed = _failed_conditions([
        {"ConditionCheck": {"TableName": _table(), "Key": _key(account_id, SUBSCRIPTION + sub_id),
                            "ConditionExpression": "attribute_exists(#sk)", "ExpressionAttributeNames": names}},
        {"Put": {"TableName": _table(), "Item": item, "ConditionExpression": "attribute_not_exists(#sk)",
                 "ExpressionAttributeNames": names}},
    ])  # fmt: skip
    if failed and failed[0]:
        raise SubscriptionGone(sub_id)
    return not failed


# -- the account's whole partition ---------------------------------------------------------------------------


def delete_account(account_id: str) -> int:
    """Every item of the account (subscriptions, grants, deliveries, cursors); watchers counted out. The
    subscriptions go first, each with its count (so a retry, or a DELETE of one racing this, counts nothing out
    twice), then whatever else the partition holds."""
    deleted = 0
    query = _in_partition(account_id, SUBSCRIPTION, ConsistentRead=True, ProjectionExpression="#sk, #kind, #repo")
    query["ExpressionAttributeNames"].update({"#kind": "kind", "#repo": "repo"})
    subscriptions = list(_query(query))
    for item in subscriptions:
        sub_id = item["sk"]["S"].removeprefix(SUBSCRIPTION)
        deleted += _forget(account_id, sub_id, _string(item, "kind"), _string(item, "repo"))
    keys = [_key(account_id, item["sk"]["S"]) for item in _query({
        "KeyConditionExpression": "#accountId = :id",
        "ProjectionExpression": "#accountId, #sk",
        "ExpressionAttributeNames": {"#accountId": "accountId", "#sk": "sk"},
        "ExpressionAttributeValues": {":id": {"S": account_id}},
        "ConsistentRead": True,
    })]  # fmt: skip
    _batch_delete(keys)
    return deleted + len(keys)


def _batch_delete(keys: list[Item]) -> None:
    """Every key deleted in batches (dynamodb.batch_delete)."""
    dynamodb.batch_delete(_table(), keys)


# -- pipeline: what the dispatcher and the worker read and write --------------------------------------------


def item_at(partition: str, sort_key: str) -> Record | None:
    item = _get(partition, sort_key, consistent=True)
    return Record(item) if item else None


def as_subscription(record: Record) -> Subscription:
    return _subscription(record.attributes)


def forget(sub: Subscription) -> bool:
    """The worker met a subscription whose account is gone: it is deleted (out of the due index and the
    repository's subscribers, its watcher counted out), not polled forever."""
    return _forget(sub.account_id, sub.id, sub.kind, sub.repo)


def claim(partition: str, sort_key: str, enqueued_due: int, until: int) -> Record | None:
    """Take a due item for one window: dueAt moves from the value it was enqueued with to `until`, and the item is
    read back in the same call (ALL_NEW). None when dueAt moved already (another copy of the message claimed it)
    or the item left the due index (paused, deleted)."""
    try:
        answer = _update(partition, sort_key, "SET #dueAt = :until", {":until": _n(until), ":due": _n(enqueued_due)},
                         "#dueAt = :due", ReturnValues="ALL_NEW")  # fmt: skip
    except AwsError as exc:
        if exc.code == CONDITION_FAILED:
            return None
        raise
    return Record(answer["Attributes"])


def unclaim(partition: str, sort_key: str, until: int, enqueued_due: int) -> None:
    """Give a claim back (the work failed, the message will be retried), unless dueAt moved on since."""
    _conditional(_update, partition, sort_key, "SET #dueAt = :due", {":due": _n(enqueued_due), ":until": _n(until)},
                 "#dueAt = :until")  # fmt: skip


def _updated_if_present(partition: str, sort_key: str, sets: Mapping[str, Item], removes: tuple[str, ...] = ()) -> bool:
    """SET `sets` (attribute name: DynamoDB value) and REMOVE `removes` on an item that must still exist (a
    deleted subscription is never brought back); False if it is gone."""
    clauses = []
    if sets:
        clauses.append("SET " + ", ".join(f"#{name} = :{name}" for name in sets))
    if removes:
        clauses.append("REMOVE " + ", ".join(f"#{name}" for name in removes))
    values = {f":{name}": value for name, value in sets.items()}
    return _conditional(_update, partition, sort_key, " ".join(clauses), values, "attribute_exists(#sk)")


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
    sets: dict[str, Item] = {}
    if due_at:
        sets["dueAt"] = _n(due_at)
    texts = {"etag": etag, "lastModified": last_modified, "seenUntil": seen_until}
    sets.update({name: {"S": text} for name, text in texts.items() if text is not None})
    numbers = {"pollInterval": poll_interval, "lastReleaseId": last_release_id}
    sets.update({name: _n(number) for name, number in numbers.items() if number is not None})
    removes: tuple[str, ...] = ()
    if pending is not None:
        sets["pending"] = _n(pending)
        if pending_title:
            sets["pendingTitle"] = {"S": pending_title}
        else:
            removes = ("pendingTitle",)
    if not sets and not removes:
        return True
    return _updated_if_present(account_id, SUBSCRIPTION + sub_id, sets, removes)


PAUSED_BY_GITHUB = "github"  # the bound token cannot do it: a new binding resumes the subscription
PAUSED_BY_WECHAT = "wechat"  # WeChat refused the user: a new binding changes nothing


def pause(account_id: str, sub_id: str, reason: str, by: str = PAUSED_BY_GITHUB) -> bool:
    """Stop polling a subscription (out of the due index) and say why; the user resumes it by subscribing, or,
    when the bound token was the cause (`by` github), by binding a token."""
    sets: dict[str, Item] = {"paused": {"BOOL": True}, "pausedReason": {"S": reason}, "pausedBy": {"S": by}}
    return _updated_if_present(account_id, SUBSCRIPTION + sub_id, sets, ("shard", "dueAt"))


def resume(sub: Subscription, now: int) -> Subscription | None:
    """Poll a paused subscription again (a notifications subscription is due at once); None if it is gone."""
    sets: dict[str, Item] = {}
    if sub.kind == "notifications":
        sets = {"shard": {"S": shard_for(sub.account_id + sub.id)}, "dueAt": _n(now)}
    if not _updated_if_present(sub.account_id, SUBSCRIPTION + sub.id, sets, ("paused", "pausedReason", "pausedBy")):
        return None
    return replace(sub, paused=False, paused_reason=None)


def resume_after_binding(account_id: str, now: int) -> int:
    """A new GitHub token was bound: every subscription paused because of the bound token is polled again (one
    paused by WeChat stays paused). How many were resumed."""
    query = _in_partition(account_id, SUBSCRIPTION, ConsistentRead=True)
    resumed = 0
    for item in _query(query):
        if _bool(item, "paused") and _paused_by(item) == PAUSED_BY_GITHUB:
            resumed += resume(_subscription(item), now) is not None
    return resumed


def _paused_by(item: Item) -> str:
    """Who paused it; for a subscription paused before `pausedBy` was written, told by its reason (WeChat's
    refusal is the only pause whose reason starts with "WeChat")."""
    by = _string(item, "pausedBy")
    if by:
        return by
    return PAUSED_BY_WECHAT if (_string(item, "pausedReason") or "").startswith("WeChat") else PAUSED_BY_GITHUB


def release_delivery(account_id: str, sub_id: str, item_key: str) -> None:
    """Give a claimed delivery back: the send was refused or failed before WeChat accepted it."""
    _delete(account_id, f"{DELIVERY}{sub_id}#{item_key}")


def delivered(account_id: str, sub_id: str, item_key: str) -> bool:
    return item_at(account_id, f"{DELIVERY}{sub_id}#{item_key}") is not None


def save_watch(
    repo: str, *, due_at: int, etag: str | None, release_id: int | None = None, release_tag: str | None = None
) -> bool:
    sets: dict[str, Item] = {"dueAt": _n(due_at)}
    if etag:
        sets["etag"] = {"S": etag}
    if release_id is not None:
        sets["lastReleaseId"] = _n(release_id)
    if release_tag:
        sets["releaseTag"] = {"S": release_tag}
    return _updated_if_present(REPO + repo.lower(), WATCH, sets)


def unwatched(repo: str) -> None:
    """No one watches the repository any more: it leaves the due index (and the table)."""
    _conditional(
        dynamodb.client().delete_item, TableName=_table(), Key=_key(REPO + repo.lower(), WATCH),
        ConditionExpression="#remaining <= :zero", ExpressionAttributeNames={"#remaining": "remaining"},
        ExpressionAttributeValues={":zero": _n(0)},
    )  # fmt: skip
