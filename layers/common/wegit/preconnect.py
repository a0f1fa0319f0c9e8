"""The cold path overlapped: during init, open the connections (TCP and TLS) to a function's upstream on
background threads while the imports run, then hand them to the shared session's pool on the first request.

A cold first request then pays max(init, handshake) plus one round trip instead of init plus three (TCP, TLS,
the request). This module imports next to nothing and the threads ask for the connection with the C module
`_socket` alone (then wrap it in `socket` and `ssl`), so the TCP handshake starts within the first milliseconds
of init, not after urllib3 (or even `socket`) has imported; the sockets become urllib3 connections at the
hand-over. It never fails a request: a connection that did not open in time is simply not there, and the
request opens its own.

With SnapStart, a connection in the snapshot would be dead after restore: before the snapshot the pending ones
are dropped, after restore the session and the DynamoDB client are made anew and the connections opened again."""

from __future__ import annotations

import _socket  # the C module alone: `socket` (selectors, enum: ~5-10 ms) loads once the connection is asked for
import os
import sys
import threading

TYPE_CHECKING = False  # typing itself is ~4 ms of init: the annotations' names only for the type checker
if TYPE_CHECKING:
    from typing import Any

HANDOVER_WAIT_SECONDS = 0.5  # a handshake still under way at the first request is worth this much waiting for
CONNECT_TIMEOUT = 3.05

_lock = threading.Lock()
_pending: tuple[str, list[threading.Thread], list[Any]] | None = None
_target: tuple[str, int] | None = None  # the upstream this execution environment connects to, again after a restore


def enabled() -> bool:
    """Only in a Lambda execution environment (or the local stack's), never in tests importing a handler."""
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) and os.environ.get("WEGIT_PRECONNECT") != "0"


def start(url: str, connections: int = 1) -> None:
    """Open `connections` connections to `url`'s host on daemon threads (once per execution environment): as
    many as the function's first request makes at once."""
    global _pending, _target
    if not enabled():
        return
    opened: list[Any] = []
    threads = [threading.Thread(target=_open, args=(url, opened), name="preconnect", daemon=True)
               for _ in range(connections)]  # fmt: skip
    with _lock:
        _pending, _target = (url, threads, opened), (url, connections)
    for thread in threads:
        thread.start()


def _ca_bundle() -> str | None:
    """The CA bundle requests verifies with: REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE when set (as requests reads
    them), else certifi's, found without importing certifi (importlib.resources costs ~25 ms of init)."""
    import importlib.util

    named = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if named:
        return named
    found = importlib.util.find_spec("certifi")
    if found is None or found.origin is None:
        return None
    return os.path.join(os.path.dirname(found.origin), "cacert.pem")


def _address(url: str) -> tuple[bool, str, int]:
    """Whether `url` is https, its host and port (an IPv6 host in brackets)."""
    scheme, _, rest = url.partition("://")
    netloc = rest.split("/", 1)[0].split("?", 1)[0].rpartition("@")[2]
    if netloc.startswith("["):
        host, _, port = netloc[1:].partition("]")
        port = port[1:]
    else:
        host, _, port = netloc.partition(":")
    https = scheme.lower() == "https"
    return https, host, int(port) if port else (443 if https else 80)


def _open(url: str, opened: list[Any]) -> None:
    try:
        https, host, port = _address(url)
        family, kind, proto, _, address = _socket.getaddrinfo(host, port, 0, _socket.SOCK_STREAM)[0]
        raw = _socket.socket(family, kind, proto)
        raw.settimeout(CONNECT_TIMEOUT)
        try:
            raw.connect(address)
        except OSError:
            raw.close()
            raise
        import socket

        sock = socket.socket(family, kind, proto, fileno=raw.detach())
        sock.settimeout(CONNECT_TIMEOUT)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as urllib3 sets it
        if https:
            import ssl

            context = ssl.create_default_context(cafile=_ca_bundle())  # hostname and certificate checked
            sock = context.wrap_socket(sock, server_hostname=host)
        opened.append(sock)
    except Exception:  # noqa: S110 - a connection that did not open is simply not there
        pass


def hand_over(wait: float = HANDOVER_WAIT_SECONDS) -> bool:
    """On the first request: put the opened connections into the shared session's pool (True if any was)."""
    global _pending
    with _lock:
        pending, _pending = _pending, None
    if pending is None:
        return False
    url, threads, opened = pending
    for thread in threads:
        thread.join(wait)
    if not opened:
        return False
    import requests
    from requests.adapters import HTTPAdapter

    from wegit.http_session import get_session

    session = get_session()
    adapter = session.get_adapter(url)
    adapter = getattr(adapter, "inner", adapter)  # under wegit.github.conditional's cache
    sockets = list(opened)
    if not isinstance(adapter, HTTPAdapter):
        _close(sockets)
        return False
    # The pool a request to `url` will use: same key, so the same TLS settings the session merges from the env.
    settings = session.merge_environment_settings(url, {}, None, None, None)
    request = requests.Request("GET", url).prepare()
    pool: Any = adapter.get_connection_with_tls_context(
        request, settings["verify"], proxies=settings["proxies"], cert=settings["cert"]
    )
    if pool.num_connections:  # the pool is in use already: it needs no help
        _close(sockets)
        return False
    # urllib3 has no public way in: its pool is a LIFO queue of slots, None for a free one. Free slots are taken
    # first (a LIFO queue would hand back the connection just put), then each connection takes one and is among
    # the next ones requests get.
    alive = [sock for sock in sockets if _alive(sock)]
    handed = alive[: pool.pool.qsize()]
    _close([sock for sock in sockets if sock not in handed])
    for _ in handed:
        pool.pool.get(block=False)
    for sock in handed:
        # A connection made as the pool makes its own (its TLS settings, its count), holding the opened socket
        # (verified when TLS: the context checked the certificate and the host name).
        connection = pool._new_conn()
        connection.sock = sock
        connection.is_verified = pool.scheme == "https"
        pool._put_conn(connection)
    return bool(handed)


def _alive(sock: Any) -> bool:
    """Whether an opened connection is still usable: nothing but TLS housekeeping (TLS 1.3 session tickets, read
    here so urllib3 does not take the connection for dropped) has arrived, and the server has not closed it."""
    import ssl

    sock.setblocking(False)
    try:
        sock.recv(1)  # data or b"" (closed): either way not a connection to send a request on
    except (ssl.SSLWantReadError, BlockingIOError):
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)
    return False


def _close(sockets: list[Any]) -> None:
    for sock in sockets:
        sock.close()


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
        start(*_target)


try:  # the Lambda runtime's SnapStart hooks (Python 3.12+); absent anywhere else
    from snapshot_restore_py import register_after_restore, register_before_snapshot  # type: ignore[import-not-found]

    register_before_snapshot(_before_snapshot)
    register_after_restore(_after_restore)
except ImportError:
    pass
