"""The WeChat access token, one for every worker: cached in the notifications table (`WECHAT#ACCESS_TOKEN`),
refreshed REFRESH_BEFORE seconds before it expires by whichever worker first takes the refresh lock (a
conditional update of `lockedUntil`, never a sleep loop). A worker that finds the lock taken uses the cached
token while it is still valid; only when it has expired too does it ask `stable_token` itself without the lock
(the stable endpoint answers the same token to every caller, so that costs a call, never a second token).

The token is kept in this execution environment's memory too, so a warm worker reads DynamoDB once per token.
Low-level calls through wegit.aws, like the notifications store: a share code's first WeChat call (a request
function) loads no AWS SDK for it."""

from __future__ import annotations

import time
from typing import Any

from wegit import dynamodb
from wegit.aws import AwsError
from wegit.observability import logger
from wegit.settings import get_settings
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
    token, expires_at = _read()
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


def _key() -> dict[str, Any]:
    return {"accountId": {"S": PARTITION}, "sk": {"S": SORT_KEY}}


def _update(expression: str, values: dict[str, Any] | None = None, condition: str | None = None) -> None:
    dynamodb.update(get_settings().notifications_table, _key(), expression, values, condition)


def _read() -> tuple[str | None, float]:
    """The cached token and when it expires (None, 0 when there is none)."""
    answer = dynamodb.client().get_item(
        TableName=get_settings().notifications_table,
        Key=_key(),
        ConsistentRead=True,
    )
    item = answer.get("Item") or {}
    return item.get("accessToken", {}).get("S"), float(item.get("tokenExpiresAt", {}).get("N", 0))


def _lock(now: float) -> bool:
    try:
        _update(
            "SET #lockedUntil = :until",
            {":until": {"N": str(int(now) + LOCK_FOR)}, ":now": {"N": str(int(now))}},
            "attribute_not_exists(#lockedUntil) OR #lockedUntil < :now",
        )
    except AwsError as exc:
        if exc.code == dynamodb.CONDITION_FAILED:
            return False
        raise
    return True


def _unlock() -> None:
    _update("REMOVE #lockedUntil")


def _refresh(stale: str | None, now: float) -> str:
    """Under the lock: read again (the previous holder may have just refreshed), else ask WeChat."""
    token, expires_at = _read()
    if token and token != stale and expires_at - REFRESH_BEFORE > now:
        _memory["token"] = (token, expires_at)
        return token
    answer = client.stable_token()
    if answer.value == stale:  # WeChat still hands out the token it refuses: make it issue a new one
        answer = client.stable_token(force_refresh=True)
    expires_at = now + answer.expires_in
    _update(
        "SET #accessToken = :token, #tokenExpiresAt = :expires",
        {":token": {"S": answer.value}, ":expires": {"N": str(int(expires_at))}},
    )
    _memory["token"] = (answer.value, expires_at)
    logger.info("WeChat access token refreshed", extra={"expires_in": answer.expires_in})
    return answer.value


def forget() -> None:
    """Drop this environment's copy (tests; a new container has none)."""
    _memory.clear()
