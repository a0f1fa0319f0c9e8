"""The service token pool: several GitHub tokens of the service, one picked per call that brings no token of
its own, by the rate limit each has left.

GitHub reports what a token has left on every answer (`X-RateLimit-Remaining`, `X-RateLimit-Reset`, per
`X-RateLimit-Resource`). Each container keeps what it saw and shares it through a DynamoDB table: it reads
the shared counts at most every SYNC_EVERY seconds and writes a token's count at most every WRITE_EVERY
seconds (and at once when the token runs out), with a conditional update that only ever lowers the count
within a window or moves to a later window, so concurrent writers never undo each other (no read-modify-write).
Anonymous calls happen only when every token is spent. Which token served a call is never logged or returned:
the table is keyed by a fingerprint, never the token."""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from wegit.aws import AwsError, DynamoDB
from wegit.observability import logger
from wegit.settings import get_settings

SYNC_EVERY = 5.0
WRITE_EVERY = 5.0
_SEPARATORS = re.compile(r"[,\n]")
# Classic (40 hex), fine-grained (github_pat_...), OAuth/app (gho_, ghu_, ghs_...) tokens: letters, digits, _.
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_]{20,255}$")


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:24]


@dataclass
class Budget:
    """What one token has left of one GitHub resource, as last seen here or shared by another container."""

    remaining: int | None = None  # None: never seen, so presumably full
    reset: int = 0  # epoch seconds at which the window (and the count) resets
    written_at: float = float("-inf")  # monotonic time of this container's last write
    written_remaining: int | None = None

    def left(self, now: float) -> float:
        if self.remaining is None or self.reset <= now:
            return float("inf")
        return float(self.remaining)

    def merge(self, remaining: int, reset: int) -> None:
        """A later window wins; within a window the lower count wins (counts only go down)."""
        if reset > self.reset or self.remaining is None:
            self.remaining, self.reset = remaining, reset
        elif reset == self.reset:
            self.remaining = min(self.remaining, remaining)


class TokenPool:
    def __init__(
        self,
        tokens: list[str],
        table: str = "",
        client: Callable[[], DynamoDB] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tokens = tokens
        self.table = table
        self._client_factory = client or _dynamodb
        self._clock = clock
        self._keys = {token: fingerprint(token) for token in tokens}
        self._budgets: dict[tuple[str, str], Budget] = {}
        self._synced_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def _budget(self, token: str, resource: str) -> Budget:
        return self._budgets.setdefault((token, resource), Budget())

    def choose(self, resource: str = "core") -> str | None:
        """The token with the most left of `resource`; None (anonymous) when every one is spent."""
        if not self.tokens:
            return None
        self._sync(resource)
        now = self._clock()
        best, most = None, 0.0
        with self._lock:
            for token in self.tokens:
                left = self._budget(token, resource).left(now)
                if left > most:
                    best, most = token, left
        if best is None:
            logger.warning(
                "every service token is rate limited; calling GitHub anonymously", extra={"resource": resource}
            )
        return best

    def observe(self, token: str, headers: Mapping[str, str]) -> None:
        """Record what GitHub said this token has left; share it when due."""
        try:
            remaining = int(headers["X-RateLimit-Remaining"])
            reset = int(headers["X-RateLimit-Reset"])
        except (KeyError, ValueError):
            return
        resource = headers.get("X-RateLimit-Resource", "core")
        with self._lock:
            budget = self._budget(token, resource)
            budget.merge(remaining, reset)
            due = time.monotonic() - budget.written_at >= WRITE_EVERY
            ran_out = budget.remaining == 0 and budget.written_remaining != 0
            if not self.table or not (due or ran_out):
                return
            budget.written_at, budget.written_remaining = time.monotonic(), budget.remaining
            remaining, reset = budget.remaining or 0, budget.reset
        self._write(token, resource, remaining, reset)

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Session response hook: observes every answer to a call made with one of the pool's tokens."""
        token = str(response.request.headers.get("Authorization", "")).removeprefix("Bearer ")
        if token in self._keys:
            self.observe(token, response.headers)

    # -- the shared table ------------------------------------------------------------------------------------

    def _key(self, token: str, resource: str) -> dict[str, Any]:
        return {"pk": {"S": f"{self._keys[token]}#{resource}"}}

    def _sync(self, resource: str) -> None:
        now = time.monotonic()
        if not self.table or now - self._synced_at.get(resource, float("-inf")) < SYNC_EVERY:
            return
        self._synced_at[resource] = now
        by_key = {self._key(t, resource)["pk"]["S"]: t for t in self.tokens}
        try:
            answer = self._client_factory().batch_get_item(
                RequestItems={self.table: {"Keys": [{"pk": {"S": key}} for key in by_key], "ConsistentRead": False}}
            )
        except Exception as exc:  # the shared counts are an optimisation: never fail the user's call for them
            logger.warning("rate limits not shared", extra={"error": type(exc).__name__})
            return
        with self._lock:
            for item in answer.get("Responses", {}).get(self.table, []):
                token = by_key.get(item["pk"]["S"])
                if token is not None:
                    self._budget(token, resource).merge(int(item["remaining"]["N"]), int(item["reset"]["N"]))

    def _write(self, token: str, resource: str, remaining: int, reset: int) -> None:
        client = self._client_factory()
        try:
            client.update_item(
                TableName=self.table,
                Key=self._key(token, resource),
                UpdateExpression="SET remaining = :remaining, #reset = :reset, expiresAt = :expires",
                ConditionExpression=(
                    "attribute_not_exists(#reset) OR #reset < :reset OR (#reset = :reset AND remaining > :remaining)"
                ),
                ExpressionAttributeNames={"#reset": "reset"},
                ExpressionAttributeValues={
                    ":remaining": {"N": str(remaining)},
                    ":reset": {"N": str(reset)},
                    ":expires": {"N": str(reset + 86400)},
                },
            )
        except AwsError as exc:
            if exc.code != "ConditionalCheckFailedException":  # else another container shared a lower count already
                logger.warning("rate limit not shared", extra={"error": exc.code})
        except Exception as exc:
            logger.warning("rate limit not shared", extra={"error": type(exc).__name__})


def _dynamodb() -> DynamoDB:
    """The layer's DynamoDB client (wegit.aws: no AWS SDK), made when a call without a token of its own first
    shares the counts."""
    from wegit import dynamodb

    return dynamodb.client()


def configured_tokens() -> list[str]:
    """The service tokens: GITHUB_TOKEN locally, else the SecureString named by GITHUB_TOKEN_PARAMETER (a list
    separated by commas or new lines). Malformed entries are skipped (counted, never shown)."""
    raw = os.environ.get("GITHUB_TOKEN")
    name = get_settings().github_token_parameter
    if not raw and name:
        from wegit.parameters import secure_parameter

        try:
            raw = secure_parameter(name)
        except Exception as exc:  # SSM, the extension or IAM failing must not fail the user's call
            logger.warning("service tokens unavailable; calling GitHub anonymously",
                           extra={"parameter": name, "error": type(exc).__name__})  # fmt: skip
            return []
    entries = [entry.strip() for entry in _SEPARATORS.split(raw or "") if entry.strip()]
    tokens = [entry for entry in entries if TOKEN_SHAPE.match(entry)]
    if len(tokens) < len(entries):
        # Never let a malformed secret reach a header: requests would quote it in an exception message.
        logger.error(
            "service tokens malformed and skipped", extra={"parameter": name, "count": len(entries) - len(tokens)}
        )
    return list(dict.fromkeys(tokens))


_pools: dict[tuple[str, ...], TokenPool] = {}


def is_service_token(token: str) -> bool:
    """Whether `token` is one of the service tokens this container has loaded (never reads SSM)."""
    return any(token in pool.tokens for pool in _pools.values())


def get_pool() -> TokenPool:
    """The pool of the tokens configured now (a rotation gives a new pool), its hook on the shared session."""
    tokens = tuple(configured_tokens())
    pool = _pools.get(tokens)
    if pool is None:
        from wegit.http_session import get_session

        session = get_session()
        for old in _pools.values():
            if old.hook in session.hooks["response"]:
                session.hooks["response"].remove(old.hook)
        _pools.clear()
        pool = _pools[tokens] = TokenPool(list(tokens), get_settings().rate_limit_table)
        session.hooks["response"].insert(0, pool.hook)  # before the hook that raises on 403/429
    return pool
