"""The cold path overlapped: during init, open the connection (TCP and TLS) to a function's upstream on a
background thread while the imports run, then hand it to the shared session's pool on the first request.

A cold first request then pays max(init, handshake) plus one round trip instead of init plus three (TCP, TLS,
the request). It never delays init (the thread imports only urllib3 and the standard library) and never fails
a request: a connection that did not open in time is simply not there, and the request opens its own.

With SnapStart, a connection in the snapshot would be dead after restore: before the snapshot the pending one is
dropped, after restore the session and the DynamoDB client are made anew and the connection opened again."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any
from urllib.parse import urlsplit

HANDOVER_WAIT_SECONDS = 0.5  # a handshake still under way at the first request is worth this much waiting for

_lock = threading.Lock()
_pending: tuple[str, threading.Thread, list[Any]] | None = None
_target: str | None = None  # the upstream this execution environment connects to, again after a restore


def enabled() -> bool:
    """Only in a Lambda execution environment (or the local stack's), never in tests importing a handler."""
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) and os.environ.get("WEGIT_PRECONNECT") != "0"


def start(url: str) -> None:
    """Open a connection to `url`'s host on a daemon thread (once per execution environment)."""
    global _pending, _target
    if not enabled():
        return
    opened: list[Any] = []
    thread = threading.Thread(target=_open, args=(url, opened), name="preconnect", daemon=True)
    with _lock:
        _pending, _target = (url, thread, opened), url
    thread.start()


def _open(url: str, opened: list[Any]) -> None:
    try:
        from urllib3.connection import HTTPConnection, HTTPSConnection
        from urllib3.util.ssl_ import create_urllib3_context

        parts = urlsplit(url)
        connection: HTTPConnection
        if parts.scheme == "https":
            import certifi  # the CA bundle requests verifies with

            context = create_urllib3_context()
            context.load_verify_locations(certifi.where())
            connection = HTTPSConnection(parts.hostname or "", parts.port or 443, ssl_context=context, timeout=3.05)
        else:
            connection = HTTPConnection(parts.hostname or "", parts.port or 80, timeout=3.05)
        connection.connect()
        opened.append(connection)
    except Exception:  # noqa: S110 - a connection that did not open is simply not there
        pass


def hand_over(wait: float = HANDOVER_WAIT_SECONDS) -> bool:
    """On the first request: put the opened connection into the shared session's pool (True if it was)."""
    global _pending
    with _lock:
        pending, _pending = _pending, None
    if pending is None:
        return False
    url, thread, opened = pending
    thread.join(wait)
    if not opened:
        return False
    import requests
    from requests.adapters import HTTPAdapter

    from wegit.http_session import get_session

    session = get_session()
    adapter = session.get_adapter(url)
    adapter = getattr(adapter, "inner", adapter)  # under wegit.github.conditional's cache
    if not isinstance(adapter, HTTPAdapter):
        opened.pop().close()
        return False
    # The pool a request to `url` will use: same key, so the same TLS settings the session merges from the env.
    settings = session.merge_environment_settings(url, {}, None, None, None)
    request = requests.Request("GET", url).prepare()
    pool: Any = adapter.get_connection_with_tls_context(
        request, settings["verify"], proxies=settings["proxies"], cert=settings["cert"]
    )
    if pool.num_connections:  # the pool is in use already: it needs no help
        opened.pop().close()
        return False
    # urllib3 has no public way in: its pool is a LIFO queue of slots, None for a free one. The opened
    # connection takes a free slot and is the next one a request on this pool gets.
    pool.pool.get(block=False)
    pool._put_conn(opened.pop())
    pool.num_connections += 1
    return True


def _before_snapshot() -> None:
    global _pending  # noqa: PLW0603
    with _lock:
        _pending = None


def _after_restore() -> None:
    """Every connection in the snapshot is dead: clients made anew on first use, the upstream opened again."""
    for module, cached in (("wegit.http_session", "get_session"), ("wegit.dynamodb", "client")):
        if module in sys.modules:
            getattr(sys.modules[module], cached).cache_clear()
    if _target:
        start(_target)


try:  # the Lambda runtime's SnapStart hooks (Python 3.12+); absent anywhere else
    from snapshot_restore_py import register_after_restore, register_before_snapshot  # type: ignore[import-not-found]

    register_before_snapshot(_before_snapshot)
    register_after_restore(_after_restore)
except ImportError:
    pass
