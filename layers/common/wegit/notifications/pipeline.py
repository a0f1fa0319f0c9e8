"""The notifications pipeline: a dispatcher on a schedule enqueues what is due, a worker on the queue polls GitHub
and sends WeChat subscribe messages.

Dispatcher: reads only. It pages through the `due` index shard by shard (16 shards in parallel, a page at a time,
never all in memory) and sends one SQS message per due item in batches of 10, each carrying the dueAt it was
enqueued with. It writes nothing to the table, so it costs one Query per page and one SendMessageBatch per ten
items. It stops when the invocation's time is nearly up: what it did not reach is still due and the next run
starts with it (oldest first).

Worker, per message: nothing is started with less than RECORD_BUDGET_MS of the invocation left (the message is
reported failed, unclaimed, and comes back); the WeChat access token is fetched first; then the claim, one
conditional UpdateItem (dueAt still the enqueued value → dueAt one window on) that also reads the item (ALL_NEW),
so it costs what the read did before.
A second copy of the message
(an SQS redelivery, or the next dispatcher run enqueuing the item again while the first copy waits in the queue)
finds dueAt moved, fails the condition and is deleted at once, with no GitHub or WeChat call. When the work fails
with an error the claim is given back (dueAt set back to the enqueued value) so the retry SQS makes claims it
again; a container that dies without giving it back leaves the item due one window later.
- a notifications subscription: one conditional GitHub request with the user's bound token (304: nothing to do,
  no rate limit spent); the items newer than the cursor and those pending for a grant become ONE message;
- a watched repository: one conditional request for its latest release, however many users watch it; a new
  release is fanned out as one queue message per subscriber (batches of 10);
- a release for one subscriber: one message (no claim: its delivery record is the guard).

Never twice: before the send, a delivery record keyed by the subscription and the newest item it reports is
put conditionally (`store.record_delivery`). A retried message, or the next poll after a crash between the send
and the cursor write, finds the same newest item, so the same key, so the put fails and nothing is sent; only
the cursor is written. The record is deleted again when WeChat did not take the message (no grant, refused,
unreachable) so a retry can send it; after a read timeout, when WeChat may have taken it, it stays: at most
once rather than twice."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import lru_cache
from itertools import islice
from typing import Any

from wegit import dynamodb
from wegit.accounts import crypto
from wegit.accounts import store as accounts
from wegit.errors import BadCredentials, Forbidden, NotFound, UpstreamTimeout
from wegit.github import credentials
from wegit.notifications import access_token, compose, sources, store
from wegit.notifications.store import REPO, SUBSCRIPTION, Record
from wegit.observability import logger, metrics
from wegit.settings import SettingsError, get_settings
from wegit.wechat import client as wechat

BATCH = 10  # SQS SendMessageBatch's most
DISPATCH_THREADS = 16  # one per shard
DISPATCH_MARGIN_MS = 20_000  # the dispatcher stops this long before its timeout
PAGE_SIZE = 500
PROGRESS_EVERY = 5000  # a shard logs its progress each time it has enqueued this many more
# A record is started only with this much of the invocation left: a GitHub poll (8 s at most), a send, a token
# refresh and the send again (8 s each) fit in it, so the worker is not stopped between the delivery record and
# the send (which would lose that notification: its retry finds the record and sends nothing).
RECORD_BUDGET_MS = 30_000
counts: Counter[str] = Counter()
_time_left: Callable[[], int] | None = None  # this invocation's context.get_remaining_time_in_millis


class OutOfTime(Exception):
    """Too little of the invocation is left to start a record: it goes back to the queue, untouched."""


def start_invocation(remaining_ms: Callable[[], int] | None) -> None:
    """The worker's invocation begins (the time it has left) or ends (None)."""
    global _time_left  # noqa: PLW0603 - one invocation at a time per execution environment
    _time_left = remaining_ms


CANNOT_READ_NOTIFICATIONS = (
    "GitHub refused to list notifications with the bound token: GitHub's notifications API takes classic tokens "
    "with the notifications or repo scope only (fine-grained tokens cannot read them); binding one resumes it"
)


@lru_cache(maxsize=1)
def _sqs() -> Any:
    import boto3
    from botocore.config import Config

    # A connection per dispatching thread: botocore's default pool (10) would open and drop one per batch.
    return boto3.client("sqs", config=Config(max_pool_connections=DISPATCH_THREADS + 4))


def queue_url() -> str:
    url = get_settings().notifications_queue_url
    if not url:
        raise SettingsError("NOTIFICATIONS_QUEUE_URL must name the notifications queue")
    return url


def _now() -> int:
    return int(time.time())


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _chunks(items: Iterator[Any], size: int = BATCH) -> Iterator[list[Any]]:
    while chunk := list(islice(items, size)):
        yield chunk


def enqueue(bodies: Sequence[dict[str, Any]]) -> list[int]:
    """Send up to 10 messages in one SendMessageBatch; the indexes of those SQS took."""
    answer = _sqs().send_message_batch(
        QueueUrl=queue_url(),
        Entries=[{"Id": str(index), "MessageBody": json.dumps(body)} for index, body in enumerate(bodies)],
    )
    for failed in answer.get("Failed", []):
        logger.warning("SQS refused a message", extra={"code": failed.get("Code"), "sender": failed.get("SenderFault")})
    return [int(entry["Id"]) for entry in answer.get("Successful", [])]


def flush_counts() -> None:
    """The run's counts as metrics (one value per name per invocation), for the dashboard."""
    if metrics.namespace:
        for name, value in counts.items():
            metrics.add_metric(name=name, unit="Count", value=value)
    counts.clear()


# -- dispatcher ---------------------------------------------------------------------------------------------


def dispatch(remaining_ms: Callable[[], int], now: int | None = None) -> dict[str, int]:
    """Enqueue everything due (or as much as the time allows); how many were enqueued and shards left unfinished."""
    now = now or _now()
    started = time.monotonic()
    # The clients before the threads: creating a botocore client is not thread-safe, and the table's client is
    # one per container, its signer imported and its session made here, once.
    _sqs()
    dynamodb.client().warm()
    with ThreadPoolExecutor(DISPATCH_THREADS, thread_name_prefix="dispatch") as pool:
        results = list(pool.map(lambda shard: _dispatch_shard(shard, now, remaining_ms), store.shards()))
    total = {
        "enqueued": sum(r["enqueued"] for r in results),
        "shardsUnfinished": sum(r["unfinished"] for r in results),
    }
    counts["NotificationsDispatched"] += total["enqueued"]
    logger.info(
        "dispatch finished", extra={**total, "seconds": round(time.monotonic() - started, 2), "shards": len(results)}
    )
    return total


def _dispatch_shard(shard: str, now: int, remaining_ms: Callable[[], int]) -> dict[str, int]:
    enqueued = 0
    for batch in _chunks(store.due(shard, now, page_size=PAGE_SIZE)):
        if remaining_ms() < DISPATCH_MARGIN_MS:
            logger.warning("dispatch out of time: the rest stays due for the next run", extra={"shard": shard})
            return {"enqueued": enqueued, "unfinished": 1}
        before = enqueued
        enqueued += len(enqueue([{"pk": pk, "sk": sk, "dueAt": due_at} for pk, sk, due_at in batch]))
        if enqueued // PROGRESS_EVERY > before // PROGRESS_EVERY:
            logger.info("dispatch progress", extra={"shard": shard, "enqueued": enqueued})
    return {"enqueued": enqueued, "unfinished": 0}


# -- worker -------------------------------------------------------------------------------------------------


def handle(body: dict[str, Any]) -> str:
    """One queue message; what happened (for logs and tests). Raises to return the message to the queue."""
    partition, sort_key = str(body["pk"]), str(body["sk"])
    if _time_left is not None and _time_left() < RECORD_BUDGET_MS:
        counts["NotificationsNotStarted"] += 1
        raise OutOfTime("too little time left to start this message: back to the queue, not claimed")
    if not partition.startswith(REPO):
        access_token.access_token()  # before the claim and the delivery record: a send then only waits on WeChat
    if "release" in body:
        return deliver_release(partition, sort_key, body["release"])
    enqueued_due, until = int(body["dueAt"]), _now() + get_settings().notifications_window
    item = store.claim(partition, sort_key, enqueued_due, until)
    if item is None:
        counts["NotificationsCopiesDropped"] += 1
        return "claimed before"  # a second copy, or the item left the due index: no GitHub, no WeChat
    try:
        return poll_repository(item) if partition.startswith(REPO) else poll_notifications(item)
    except Exception:
        store.unclaim(partition, sort_key, until, enqueued_due)  # the retry of this message claims it again
        raise


def _send(message: dict[str, Any]) -> int:
    """Send with the shared access token; refused as invalid or expired, refresh it once and retry once."""
    token = access_token.access_token()
    code = wechat.send_subscribe_message(token, message)
    if code in wechat.TOKEN_ERRORS:
        logger.info("WeChat refused the access token; refreshing it once", extra={"errcode": code})
        code = wechat.send_subscribe_message(access_token.access_token(stale=token), message)
    return code


def deliver(account_id: str, sub_id: str, key: str, message: dict[str, Any]) -> str:
    """Send one message at most once: "sent", "duplicate" (claimed before), "no-grant", "gone" (the subscription
    was deleted meanwhile), or, when WeChat refuses it for good, "rejected" (dropped) or "paused" (the
    subscription)."""
    unclaimed = _claim_delivery(account_id, sub_id, key)
    if unclaimed:
        return unclaimed
    template = message["template_id"]
    if not store.take_grant(account_id, template):
        store.release_delivery(account_id, sub_id, key)
        counts["WeChatMessagesNoGrant"] += 1
        return "no-grant"
    try:
        code = _send(message)
    except UpstreamTimeout:
        counts["WeChatMessagesUnknown"] += 1
        logger.warning(
            "WeChat did not answer the send in time: kept as sent, never repeated", extra={"subscription": sub_id}
        )
        return "sent"
    except Exception:
        store.release_delivery(account_id, sub_id, key)
        store.give_back_grant(account_id, template)
        raise
    if code == 0:
        counts["WeChatMessagesSent"] += 1
        return "sent"
    store.release_delivery(account_id, sub_id, key)
    if code == wechat.NO_GRANT:
        store.clear_grants(account_id, template)  # WeChat knows better: the user has none left
        counts["WeChatMessagesNoGrant"] += 1
        return "no-grant"
    store.give_back_grant(account_id, template)  # not made again if DELETE /me removed the grants meanwhile
    if code in wechat.PERMANENT_ERRORS:
        return _rejected(account_id, sub_id, code)
    counts["WeChatMessagesRefused"] += 1
    raise wechat.WeChatError(code)


def _claim_delivery(account_id: str, sub_id: str, key: str) -> str | None:
    """Record the delivery before the send: None when claimed; "duplicate" when claimed before, "gone" when the
    subscription was deleted meanwhile (DELETE /me while the worker polled: no record, nothing sent)."""
    try:
        if store.record_delivery(account_id, sub_id, key, _now()):
            return None
    except store.SubscriptionGone:
        counts["NotificationsGone"] += 1
        logger.info("subscription deleted while it was polled: nothing sent", extra={"subscription": sub_id})
        return "gone"
    counts["WeChatMessagesDuplicate"] += 1
    logger.info("delivery claimed before: not sent again", extra={"subscription": sub_id})
    return "duplicate"


def _rejected(account_id: str, sub_id: str, code: int) -> str:
    """WeChat refused the message for good: sending it again would meet the same answer (and SQS would retry it
    5 times, then the next poll again, forever). Dropped ("rejected"; the cursor moves past its items), or, when
    the user is unknown to WeChat (40003), the subscription paused ("paused")."""
    reason = wechat.PERMANENT_ERRORS[code]
    counts["WeChatMessagesRejected"] += 1
    if code == wechat.INVALID_OPENID:
        store.pause(
            account_id,
            sub_id,
            "WeChat does not know this user (errcode 40003): log in again and subscribe again",
            by=store.PAUSED_BY_WECHAT,
        )
        logger.error("WeChat rejected the message for good: subscription paused",
                     extra={"errcode": code, "reason": reason, "subscription": sub_id})  # fmt: skip
        return "paused"
    logger.error("WeChat rejected the message for good: dropped, not retried",
                 extra={"errcode": code, "reason": reason, "subscription": sub_id})  # fmt: skip
    return "rejected"


def poll_notifications(item: Record) -> str:
    if item.paused or item.kind != "notifications":
        return "gone"
    sub = store.as_subscription(item)
    account_id = sub.account_id
    account = accounts.get_account(account_id) or accounts.get_account(account_id, consistent=True)
    if account is None:
        return _orphaned(sub)
    answer = _poll_github(account, sub)
    if answer is None:
        return "paused"
    now = _now()
    counts["GitHubNotModified" if answer.not_modified else "GitHubPolled"] += 1
    cursor: dict[str, Any] = {
        "due_at": now + max(get_settings().notifications_window, answer.poll_interval or 0),
        "etag": answer.etag,
        "last_modified": answer.last_modified,
        "poll_interval": answer.poll_interval,
    }
    if answer.not_modified and not sub.pending and (answer.poll_interval or 0) <= get_settings().notifications_window:
        return "unchanged"  # nothing to write: the claim already moved dueAt one window on
    seen_until = sub.seen_until or _iso(sub.created_at)
    raw = answer.body or []
    items = [compose.notification_item(entry) for entry in raw]
    new = [entry for entry in items if entry.updated_at > seen_until]
    if not new and not sub.pending:
        store.save_cursor(account_id, sub.id, **cursor)
        return "unchanged"
    newest = max((entry.updated_at for entry in new), default=seen_until)
    message = compose.notification_message(account.openid, sub.id, new, sub.pending, sub.pending_title)
    outcome = deliver(account_id, sub.id, newest, message)
    if outcome == "no-grant":
        title = max(new, key=lambda entry: entry.updated_at).repo if new else sub.pending_title
        store.save_cursor(
            account_id, sub.id, seen_until=newest, pending=sub.pending + len(new), pending_title=title, **cursor
        )
    elif outcome not in ("paused", "gone"):  # paused: out of the due index, no cursor to move; gone: deleted
        store.save_cursor(account_id, sub.id, seen_until=newest, pending=0, **cursor)
    return outcome


def _orphaned(sub: store.Subscription) -> str:
    """A subscription whose account is gone (a POST /subscriptions that raced DELETE /me; the account read
    consistently): deleted, so it is not polled forever nor counted as a repository's watcher."""
    store.forget(sub)
    counts["NotificationsOrphansRemoved"] += 1
    logger.warning("subscription without an account removed", extra={"subscription": sub.id, "kind": sub.kind})
    return "gone"


def _poll_github(account: accounts.Account, sub: store.Subscription) -> sources.Answer | None:
    """The user's notifications if they changed; None when the subscription had to be paused (no valid token)."""
    if not account.github_token or account.github_bound_at is None or not account.github_token_valid:
        store.pause(account.account_id, sub.id, "no valid GitHub token is bound: binding one resumes it")
        return None
    token = crypto.decrypt(account.account_id, account.github_token)
    try:
        return sources.notifications(token, sub.include_all, sub.etag, sub.last_modified)
    except BadCredentials:
        store.pause(account.account_id, sub.id, "GitHub rejected the bound token: binding a token resumes it")
        accounts.mark_invalid(account.account_id, account.github_bound_at)
        logger.warning("GitHub rejected a bound token: subscription paused, binding marked invalid")
        return None
    except (Forbidden, NotFound) as exc:  # a token that cannot read notifications (fine-grained): it never will
        store.pause(account.account_id, sub.id, CANNOT_READ_NOTIFICATIONS)
        counts["NotificationsPausedNoAccess"] += 1
        logger.warning(
            "GitHub refused the notifications to a bound token: subscription paused",
            extra={"subscription": sub.id, "status": exc.status},
        )
        return None


def poll_repository(item: Record) -> str:
    if not item.repo:
        return "gone"
    repo = item.repo
    if (item.remaining or 0) <= 0:
        store.unwatched(repo)
        return "gone"
    answer = sources.latest_release(repo, credentials.service_token(), item.etag)
    due_at = _now() + get_settings().notifications_window
    release = answer.body or {}
    release_id = release.get("id") if isinstance(release.get("id"), int) else None
    if answer.not_modified or release_id is None or release_id == item.last_release_id:
        counts["GitHubNotModified" if answer.not_modified else "GitHubPolled"] += 1
        store.save_watch(repo, due_at=due_at, etag=answer.etag)
        return "unchanged"
    counts["GitHubPolled"] += 1
    tag = str(release.get("tag_name") or "")
    if item.last_release_id is None:  # first poll: what exists already is no news
        store.save_watch(repo, due_at=due_at, etag=answer.etag, release_id=release_id, release_tag=tag)
        return "baseline"
    projected = {
        "id": release_id,
        "name": str(release.get("name") or tag),
        "tag_name": tag,
        "published_at": release.get("published_at"),
        "repo": repo,
    }
    fanned = fan_out(repo, projected)
    store.save_watch(repo, due_at=due_at, etag=answer.etag, release_id=release_id, release_tag=tag)
    logger.info("new release fanned out", extra={"repo": repo, "subscribers": fanned})
    return f"fanned out to {fanned}"


def fan_out(repo: str, release: dict[str, Any]) -> int:
    """One queue message per subscriber of the repository, in batches of 10, page by page."""
    subscribers = (s for s in store.subscribers(repo) if not s.paused)
    bodies = ({"pk": s.account_id, "sk": SUBSCRIPTION + s.id, "release": release} for s in subscribers)
    sent = 0
    for batch in _chunks(bodies):
        taken = enqueue(batch)
        if len(taken) < len(batch):
            raise RuntimeError("SQS refused part of a fan-out batch: the whole release is retried")
        sent += len(taken)
    return sent


def deliver_release(account_id: str, sort_key: str, release: dict[str, Any]) -> str:
    item: Record | None = store.item_at(account_id, sort_key)
    if item is None or item.paused or item.kind != "releases":
        return "gone"
    sub = store.as_subscription(item)
    release_id = int(release["id"])
    if sub.last_release_id is not None and sub.last_release_id >= release_id:
        return "duplicate"
    account = accounts.get_account(account_id) or accounts.get_account(account_id, consistent=True)
    if account is None:
        return _orphaned(sub)
    # the repository as this subscriber wrote it (another may have written Facebook/React for facebook/react)
    message = compose.release_message(
        account.openid, sub.id, str(sub.repo or release.get("repo")), release, sub.pending
    )
    outcome = deliver(account_id, sub.id, f"release-{release_id}", message)
    if outcome in ("paused", "gone"):
        return outcome
    pending = sub.pending + 1 if outcome == "no-grant" else 0
    store.save_cursor(
        account_id, sub.id, due_at=0, etag=None, last_modified=None, poll_interval=None, last_release_id=release_id,
        pending=pending, pending_title=str(release.get("tag_name") or "") if pending else None,
    )  # fmt: skip
    return outcome
