"""The WeChat access token, one for every worker: cached in the notifications table (`WECHAT#ACCESS_TOKEN`),
refreshed REFRESH_BEFORE seconds before it expires by whichever worker first takes the refresh lock (a
conditional update of `lockedUntil`, never a sleep loop). A worker that finds the lock taken uses the cached
token while it is still valid; only when it has expired too does it ask `stable_token` itself without the lock
(the stable endpoint answers the same token to every caller, so that costs a call, never a second token).

The token is kept in this execution environment's memory too, so a warm worker reads DynamoDB once per token."""

from __future__ import annotations

import time

from pynamodb.exceptions import UpdateError

from wegit.notifications.models import NotificationItem
from wegit.observability import logger
from wegit.wechat import client

PARTITION = "WECHAT#ACCESS_TOKEN"
SORT_KEY = "TOKEN"
# Seconds before expiry a worker refreshes the token (WeChat: 7200 s tokens). stable_token hands out a new token
# only in the last 300 s of the old one's life: asked earlier it answers the same token, so a margin above 300 s
# would have every send ask again (in vain) until then. 240 s is inside that window, with time to spare.
REFRESH_BEFORE = 240
LOCK_FOR = 30  # seconds the refresh lock holds if its worker dies while refreshing

_memory: dict[str, tuple[str, float]] = {}


def _now() -> float:
    return time.time()


def access_token(*, stale: str | None = None) -> str:
    """A valid access token. `stale` is one WeChat just refused (40001/42001): a different one is returned."""
    now = _now()
    cached = _memory.get("token")
    if cached and cached[0] != stale and cached[1] - REFRESH_BEFORE > now:
        return cached[0]
    item = _read()
    token, expires_at = (item.accessToken, float(item.tokenExpiresAt or 0)) if item else (None, 0.0)
    if token and token != stale and expires_at - REFRESH_BEFORE > now:
        _memory["token"] = (token, expires_at)
        return token
    if _lock(now):
        try:
            return _refresh(stale, now)
        finally:
            _unlock()
    if token and token != stale and expires_at > now:
        return token  # another worker is refreshing; this one is still valid for a while
    logger.info("WeChat access token: another worker holds the refresh lock; asking stable_token without it")
    answer = client.stable_token()
    return answer.value


def _read() -> NotificationItem | None:
    try:
        return NotificationItem.get(PARTITION, SORT_KEY, consistent_read=True)
    except NotificationItem.DoesNotExist:
        return None


def _lock(now: float) -> bool:
    try:
        NotificationItem(PARTITION, SORT_KEY).update(
            actions=[NotificationItem.lockedUntil.set(int(now) + LOCK_FOR)],
            condition=NotificationItem.lockedUntil.does_not_exist() | (NotificationItem.lockedUntil < int(now)),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _unlock() -> None:
    NotificationItem(PARTITION, SORT_KEY).update(actions=[NotificationItem.lockedUntil.remove()])


def _refresh(stale: str | None, now: float) -> str:
    """Under the lock: read again (the previous holder may have just refreshed), else ask WeChat."""
    item = _read()
    if (
        item
        and item.accessToken
        and item.accessToken != stale
        and float(item.tokenExpiresAt or 0) - REFRESH_BEFORE > now
    ):
        _memory["token"] = (item.accessToken, float(item.tokenExpiresAt or 0))
        return item.accessToken
    answer = client.stable_token()
    if answer.value == stale:  # WeChat still hands out the token it refuses: make it issue a new one
        answer = client.stable_token(force_refresh=True)
    expires_at = now + answer.expires_in
    NotificationItem(PARTITION, SORT_KEY).update(
        actions=[NotificationItem.accessToken.set(answer.value), NotificationItem.tokenExpiresAt.set(int(expires_at))]
    )
    _memory["token"] = (answer.value, expires_at)
    logger.info("WeChat access token refreshed", extra={"expires_in": answer.expires_in})
    return answer.value


def forget() -> None:
    """Drop this environment's copy (tests; a new container has none)."""
    _memory.clear()
