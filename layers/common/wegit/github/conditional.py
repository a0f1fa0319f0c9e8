"""Conditional requests for GitHub reads: the ETag (or Last-Modified) and body of each public answer are kept
in a DynamoDB table shared by every execution environment (TTL GITHUB_CACHE_DAYS), and a repeated read sends
If-None-Match: unchanged data costs a 304, which GitHub does not count against the rate limit.

Public answers only: those fetched anonymously or with the service token, which can read public data only
(the contract's calls 4, 7 and 8). A caller's own token may see private data (events of private repositories,
a private email), and this table is encrypted with the AWS-owned key, not a key of the stack's: such reads go
to GitHub unconditionally. Entries are keyed by a hash of the token besides the request, so even a public
answer is only read back with the token that fetched it.

Warm path: each execution environment also keeps the entries it read or wrote in memory (MEMORY_BYTES at most,
the least recently used dropped first), so a repeated read sends If-None-Match without asking the table first:
GitHub's 304 still decides, so a newer entry another environment stored only costs a 200. A read GitHub answered
without a validator (search) is remembered as such, so the table is not asked for it again.

Cold path: the table's client (wegit.aws: the signer and a session, a few ms; no AWS SDK) is made on a
background thread started after the container's first GitHub answer, once the invocation's answer is built, so
that answer neither waits for it nor for a table lookup; until the client is ready, calls go to GitHub
unconditionally. No table configured
(GITHUB_CACHE_TABLE empty), or DynamoDB failing: the same, never an error."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import zlib
from collections import OrderedDict
from typing import Any

import requests
from requests.adapters import BaseAdapter

from wegit import deadline, http_session
from wegit.observability import logger
from wegit.settings import get_settings

KEPT_HEADERS = ("Content-Type", "Link", "ETag", "Last-Modified")
MAX_BODY_BYTES = 300_000  # compressed; DynamoDB items stop at 400 KB
MEMORY_BYTES = 16_000_000  # the bodies an execution environment keeps in memory (512 MB functions)
_ready = threading.Event()
_loading: threading.Thread | None = None
_lock = threading.Lock()


def table() -> str:
    return os.environ.get("GITHUB_CACHE_TABLE", "")


def ttl_seconds() -> int:
    return int(float(os.environ.get("GITHUB_CACHE_DAYS", "7")) * 86400)


def _load_client() -> None:
    try:
        from wegit import dynamodb

        dynamodb.client().warm()
        _ready.set()
    except Exception as exc:  # no signer, no region, no permission: calls simply go unconditional
        logger.warning("conditional-request cache unavailable", extra={"error": type(exc).__name__})


def _start_loading() -> None:
    global _loading  # noqa: PLW0603 - one loader per execution environment
    with _lock:
        if _loading is None:
            _loading = threading.Thread(target=_load_client, name="github-cache", daemon=True)
            _loading.start()


def _load_later() -> None:
    """After the first answer, and once the invocation's answer is built if there is one: that answer neither
    waits for the client nor shares the interpreter with its imports."""
    scope = deadline.current()
    if scope is None:
        _start_loading()
    else:
        scope.after(_start_loading)


def is_public(request: requests.PreparedRequest) -> bool:
    """Sent anonymously or with the service token (read where wegit.github.credentials keeps it, never fetched
    here: a caller's token must not make this path read SSM)."""
    authorization = str(request.headers.get("Authorization") or "")
    if not authorization:
        return True
    from wegit.github.pool import is_service_token

    return is_service_token(authorization.removeprefix("Bearer "))


def cache_key(request: requests.PreparedRequest) -> str:
    """Who asks (a hash of the token: the caller's, or the service token's, which reads public data only; or
    "anonymous") and what: method, URL and media type."""
    authorization = request.headers.get("Authorization", "")
    user = hashlib.sha256(authorization.encode()).hexdigest() if authorization else "anonymous"
    what = f"{request.method} {request.url} {request.headers.get('Accept', '')}"
    return f"{user}#{hashlib.sha256(what.encode()).hexdigest()}"


class ConditionalAdapter(BaseAdapter):
    """Wraps the session's adapter for api.github.com: GETs revalidated from the shared cache."""

    def __init__(self, inner: BaseAdapter) -> None:
        super().__init__()
        self.inner = inner
        self._memory: OrderedDict[str, dict[str, Any]] = OrderedDict()  # key → entry, least recent first
        self._memory_bytes = 0
        self._memory_lock = threading.Lock()  # /repositories reads on threads

    def close(self) -> None:
        self.inner.close()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if request.method != "GET" or not table() or kwargs.get("stream") or not is_public(request):
            # a streamed body (the README) is read by its caller within limits: not held here
            return self.inner.send(request, **kwargs)
        if not _ready.is_set():
            response = self.inner.send(request, **kwargs)
            _load_later()
            return response
        key = cache_key(request)
        cached = self._cached(key)
        if cached is not None:
            if cached.get("ETag"):
                request.headers["If-None-Match"] = cached["ETag"]
            elif cached.get("Last-Modified"):
                request.headers["If-Modified-Since"] = cached["Last-Modified"]
        response = self.inner.send(request, **kwargs)
        if response.status_code == 304 and cached is not None:
            response.status_code = 200
            response._content = cached["body"]
            for name in KEPT_HEADERS:
                if cached.get(name):
                    response.headers[name] = cached[name]
            response.headers["X-WeGit-Cache"] = "revalidated"
            return response
        entry = self._store(request, response, key)
        if entry is None and response.status_code == 200:
            entry = {"body": b""}  # no validator (e.g. search): nothing to revalidate, no need to ask the table
        if entry is not None:
            self._remember(key, entry)
        return response

    def _cached(self, key: str) -> dict[str, Any] | None:
        """The entry of `key`: from memory, else from the table (then kept in memory)."""
        cached = self._recall(key)
        if cached is None:
            cached = self._lookup(key)
            if cached is not None:
                self._remember(key, cached)
        return cached

    def _recall(self, key: str) -> dict[str, Any] | None:
        with self._memory_lock:
            entry = self._memory.get(key)
            if entry is not None:
                self._memory.move_to_end(key)
            return entry

    def _remember(self, key: str, entry: dict[str, Any]) -> None:
        with self._memory_lock:
            old = self._memory.pop(key, None)
            self._memory_bytes -= len(old["body"]) if old else 0
            self._memory[key] = entry
            self._memory_bytes += len(entry["body"])
            while self._memory_bytes > MEMORY_BYTES and len(self._memory) > 1:
                _, dropped = self._memory.popitem(last=False)
                self._memory_bytes -= len(dropped["body"])

    @staticmethod
    def _lookup(key: str) -> dict[str, Any] | None:
        try:
            from wegit import dynamodb

            item = dynamodb.client().get_item(TableName=table(), Key={"pk": {"S": key}}).get("Item")
        except Exception as exc:
            logger.warning("conditional-request cache read failed", extra={"error": type(exc).__name__})
            return None
        if item is None:
            return None
        entry: dict[str, Any] = json.loads(item["headers"]["S"])
        entry["body"] = zlib.decompress(item["body"]["B"])
        return entry

    @staticmethod
    def _store(request: requests.PreparedRequest, response: requests.Response, key: str) -> dict[str, Any] | None:
        """Keep a 200 with a validator in the table; the entry kept (for memory), or None."""
        if response.status_code != 200:
            return None
        headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
        if not headers.get("ETag") and not headers.get("Last-Modified"):
            return None
        body = zlib.compress(response.content, 6)
        if len(body) > MAX_BODY_BYTES:
            return None
        item = {
            "pk": {"S": key},
            "headers": {"S": json.dumps(headers)},
            "body": {"B": body},
            "expiresAt": {"N": str(int(time.time()) + ttl_seconds())},
        }
        try:
            from wegit import dynamodb

            dynamodb.client().put_item(TableName=table(), Item=item)
        except Exception as exc:
            logger.warning("conditional-request cache write failed", extra={"error": type(exc).__name__})
        return {**headers, "body": response.content}


def mount(session: requests.Session) -> None:
    """Route the session's calls to GitHub's API through the cache (the adapter that served them inside)."""
    base_url = get_settings().github_api_url
    session.mount(base_url, ConditionalAdapter(session.get_adapter(base_url)))


http_session.extend_sessions(mount)
