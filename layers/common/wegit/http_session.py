"""The shared outbound HTTP session: keep-alive, timeouts, bounded retries, one log line per call,
and a typed error for every error status. `require_requests_session` hands it to a function."""

from __future__ import annotations

import functools
import os
import re
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Self, TypeVar, cast
from urllib.request import getproxies

import requests
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from requests.adapters import HTTPAdapter
from urllib3 import BaseHTTPResponse
from urllib3.connectionpool import ConnectionPool, HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError, MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

from wegit import deadline
from wegit.errors import (
    BadCredentials,
    BadRequest,
    Forbidden,
    NotFound,
    RateLimited,
    UpstreamBadResponse,
    UpstreamBusy,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from wegit.observability import logger, metrics
from wegit.settings import Settings, get_settings

R = TypeVar("R")

RETRY_STATUSES = frozenset({502, 503, 504})
MAX_RETRIES = 2
# A Lambda must answer within its timeout: a longer Retry-After is not waited for, the caller gets the error.
MAX_RETRY_AFTER_SECONDS = 3.0
# A retry is only started with this much of the call's deadline left after its wait: else it could not finish.
MIN_ATTEMPT_SECONDS = 1.0
# The most one upstream answer may hold: the API answers at most Lambda's 6 MB, and nothing we read is near it.
MAX_BODY_BYTES = 5_000_000
ERROR_BODY_BYTES = 65_536  # an error answer is read (so its connection can be reused) but never used
_CHUNK = 65_536
RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "rate_limit",
    "X-RateLimit-Remaining": "rate_remaining",
    "X-RateLimit-Reset": "rate_reset",
    "X-RateLimit-Resource": "rate_resource",
}
_SECRET_QUERY = re.compile(
    r"(?i)([?&](?:access_token|token|client_secret|code|js_code|secret|password|key|sig)=)[^&#]*"
)
_USERINFO = re.compile(r"(?<=://)[^/@]+@")


def redact_url(url: str) -> str:
    """The URL with secret query values and user info replaced, fit for a log line."""
    return _USERINFO.sub("***@", _SECRET_QUERY.sub(r"\1***", url))


class _BoundedRetry(Retry):
    """urllib3 Retry that honours Retry-After on 502/503/504 too, but never sleeps past a cap.

    429 is not retried: waiting out a rate limit inside a request only spends more of it."""

    RETRY_AFTER_STATUS_CODES = RETRY_STATUSES

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        scope, left = deadline.current(), deadline.remaining()
        retry_after = (self.get_retry_after(response) or 0.0) if response is not None else 0.0
        # urllib3 sleeps the longer of Retry-After and the backoff, which doubles from the second retry on.
        backoff = min(self.backoff_max, self.backoff_factor * 2 ** len(self.history)) if self.history else 0.0
        too_late = left is not None and max(retry_after, backoff) + MIN_ATTEMPT_SECONDS > left
        if retry_after > MAX_RETRY_AFTER_SECONDS or too_late or (scope is not None and scope.ended):
            # MaxRetryError makes urllib3 hand back this response unretried (raise_on_status=False), or the
            # error as the reason, which requests turns into the exception it means.
            raise MaxRetryError(cast(ConnectionPool, _pool), url or "", error)
        return super().increment(method, url, response, error, _pool, _stacktrace)


def _held(base: type[HTTPConnectionPool]) -> type[HTTPConnectionPool]:
    """`base` with each connection it lends held by the current scope, so the scope's end can shut it."""

    class Connection(base.ConnectionCls):  # type: ignore[name-defined,misc]
        def connect(self) -> None:
            super().connect()
            scope = getattr(self, "wegit_scope", None)
            if scope is not None:
                scope.connected(self)

    class Held(base):  # type: ignore[valid-type,misc]
        ConnectionCls = Connection

        def _get_conn(self, timeout: float | None = None) -> Any:
            connection = super()._get_conn(timeout)
            connection.wegit_scope = scope = deadline.current()
            if scope is not None:
                scope.hold(connection)
            return connection

        def _put_conn(self, conn: Any) -> None:
            scope = getattr(conn, "wegit_scope", None)  # conn is None for a slot freed without a connection
            if scope is not None:
                conn.wegit_scope = None
                scope.release(conn)
            super()._put_conn(conn)

    return Held


_POOLS = {"http": _held(HTTPConnectionPool), "https": _held(HTTPSConnectionPool)}


class _TimeoutAdapter(HTTPAdapter):
    """Gives every call a (connect, read) timeout within its total deadline, reads the body within that
    deadline and size limit (a body that drips slower than the read timeout can see still ends), and turns
    transport failures into typed errors. A caller that streams reads the body with `read_body`."""

    def __init__(self, timeout: tuple[float, float], total: float, **kwargs: Any) -> None:
        self._timeout = timeout
        self._total = total
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        connect, read = kwargs.get("timeout") or self._timeout
        streamed = bool(kwargs.get("stream"))
        started = time.perf_counter()
        scope = deadline.current()
        with deadline.call(self._total) as call_deadline:
            left = call_deadline - time.monotonic()
            if left <= 0.05 or (scope is not None and scope.ended):
                _log_failure(request, started, "deadline", None)
                raise UpstreamTimeout(f"{_host(request.url)} could not be asked in the time left")
            kwargs.update(timeout=(min(connect, left), min(read, left)), stream=True)
            try:
                response = super().send(request, **kwargs)
            except requests.ConnectTimeout as exc:  # a Timeout too, but no connection was made: unreachable
                _log_failure(request, started, "connection", exc)
                raise UpstreamUnavailable(f"{_host(request.url)} is unreachable") from None
            except requests.Timeout as exc:
                _log_failure(request, started, "timeout", exc)
                raise UpstreamTimeout(f"{_host(request.url)} did not answer in time") from None
            except requests.RequestException as exc:
                _log_failure(request, started, _broken(), exc)
                raise UpstreamUnavailable(f"{_host(request.url)} is unreachable") from None
        response.wegit_limits = (call_deadline, read, started)  # type: ignore[attr-defined]
        if response.status_code >= 400:
            response._content, _ = read_body(response, ERROR_BODY_BYTES, cut=True)
        elif not streamed:
            response._content, _ = read_body(response, MAX_BODY_BYTES)
        return response


def read_body(response: requests.Response, limit: int, *, cut: bool = False) -> tuple[bytes, bool]:
    """The body of a streamed response, read within its call's deadline: each socket wait is bounded by the
    time left, so a body that drips is a 504 at the deadline. Past `limit` bytes the body is cut (`cut`,
    then True is returned with it) or refused as too large (502); either way the rest is never downloaded."""
    call_deadline, read_timeout, started = getattr(response, "wegit_limits", (None, 10.0, time.perf_counter()))
    sock = getattr(getattr(response.raw, "connection", None), "sock", None)
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            left = None if call_deadline is None else call_deadline - time.monotonic()
            if left is not None and left <= 0:
                raise ReadTimeoutError(None, response.url, "total deadline")  # type: ignore[arg-type]
            if sock is not None:
                sock.settimeout(read_timeout if left is None else min(read_timeout, left))
            data = response.raw.read1(_CHUNK)  # one socket read: returns what arrived, never waits for more
            if not data:
                break
            chunks.append(data)
            size += len(data)
            if size > limit:
                response.close()
                if not cut:
                    _log_failure(response.request, started, "too large", None)
                    raise UpstreamBadResponse(f"{_host(response.url)} sent an answer over {limit // 1_000_000} MB")
                return b"".join(chunks)[:limit], True
    except (ReadTimeoutError, TimeoutError) as exc:
        response.close()
        _log_failure(response.request, started, "timeout", exc)
        raise UpstreamTimeout(f"{_host(response.url)} did not answer in time") from None
    except (HTTPError, OSError, requests.RequestException) as exc:
        response.close()
        _log_failure(response.request, started, _broken(), exc)
        raise UpstreamUnavailable(f"{_host(response.url)} broke off its answer") from None
    response._content_consumed = True  # type: ignore[attr-defined]
    response.raw.release_conn()
    return b"".join(chunks), False


def _broken() -> str:
    """How a broken connection is logged: cancelled when its scope ended (we shut it), else connection."""
    scope = deadline.current()
    return "cancelled" if scope is not None and scope.ended else "connection"


def _host(url: str | None) -> str:
    return url.split("/")[2] if url and "://" in url else "upstream"


def _log_failure(request: requests.PreparedRequest | None, started: float, kind: str, exc: Exception | None) -> None:
    logger.warning(
        "upstream failed",
        extra={
            "method": request.method if request else None,
            "url": redact_url((request.url if request else None) or ""),
            "failure": kind,
            "error": type(exc).__name__ if exc else None,
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )


def log_response(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """Response hook: one structured line per call, secrets redacted, rate-limit headers when present."""
    fields: dict[str, Any] = {
        "method": response.request.method,
        "url": redact_url(response.url),
        "status": response.status_code,
        "elapsed_ms": round(response.elapsed.total_seconds() * 1000, 1),
    }
    retries = getattr(getattr(response.raw, "retries", None), "history", ())
    if retries:
        fields["retries"] = len(retries)
    for header, key in RATE_LIMIT_HEADERS.items():
        if header in response.headers:
            fields[key] = response.headers[header]
    logger.info("upstream call", extra=fields)
    _emit_rate_limit(response)


def _emit_rate_limit(response: requests.Response) -> None:
    """GitHubRateLimitRemaining, for the dashboard: one EMF line written at once (API handlers don't flush
    `metrics`), by resource (core, search) and credential (token, or anonymous: GitHub's 60/hour per IP)."""
    remaining = response.headers.get("X-RateLimit-Remaining", "")
    if not remaining.isdigit() or not metrics.namespace:  # not GitHub's API, or outside Lambda and the local stack
        return
    credential = "token" if "Authorization" in response.request.headers else "anonymous"
    with single_metric(
        name="GitHubRateLimitRemaining", unit=MetricUnit.Count, value=int(remaining), namespace=metrics.namespace
    ) as metric:
        metric.add_dimension(name="resource", value=response.headers.get("X-RateLimit-Resource", "core"))
        metric.add_dimension(name="credential", value=credential)


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> int:
    """Seconds to wait, from Retry-After (seconds or HTTP date) or X-RateLimit-Reset (epoch); 60 if neither."""
    now = time.time() if now is None else now
    value = headers.get("Retry-After")
    if value:
        if value.strip().isdigit():
            return int(value)
        try:
            return max(0, int(parsedate_to_datetime(value).timestamp() - now + 0.999))
        except (TypeError, ValueError):
            pass
    reset = headers.get("X-RateLimit-Reset")
    if reset and reset.strip().isdigit():
        return max(1, int(reset) - int(now))
    return 60


def raise_for_error_status(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """Response hook: every 4xx/5xx becomes the typed error it means; messages never echo upstream text."""
    status = response.status_code
    if status < 400:
        return
    headers = response.headers
    if status == 503 and "Retry-After" in headers:  # GitHub says when to come back: so does the API
        raise UpstreamBusy(retry_after=retry_after_seconds(headers))
    exhausted = headers.get("X-RateLimit-Remaining") == "0" or "Retry-After" in headers
    if status == 429 or (status == 403 and exhausted):
        raise RateLimited(retry_after=retry_after_seconds(headers))
    if status == 401:
        raise BadCredentials("GitHub rejected the credentials")
    if status == 403:
        raise Forbidden("GitHub refused access to this resource")
    if status in (404, 410):
        raise NotFound("not found on GitHub")
    if status < 500:
        raise BadRequest(f"GitHub rejected the request (status {status})")
    raise UpstreamUnavailable(f"{_host(response.url)} failed (status {status})")


def build_session(settings: Settings | None = None) -> requests.Session:
    settings = settings or get_settings()
    retry = _BoundedRetry(
        total=MAX_RETRIES,
        connect=MAX_RETRIES,
        read=False,  # a read timeout is not retried: it would multiply the wait; it becomes a 504
        status=MAX_RETRIES,
        other=0,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        backoff_factor=0.25,
        backoff_max=2.0,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = _TimeoutAdapter(
        (settings.connect_timeout, settings.read_timeout), settings.total_timeout, max_retries=retry
    )
    session = requests.Session()
    read_environment_once(session)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = settings.user_agent
    session.hooks["response"] = [log_response, raise_for_error_status]
    for extend in _EXTENSIONS:
        extend(session)
    return session


def read_environment_once(session: requests.Session) -> None:
    """requests' environment settings (proxies, .netrc, CA bundle) read once for `session`, unless there are
    proxies or a .netrc: requests would otherwise scan every variable and stat each .netrc path on every call
    (~0.5 ms). They don't change during an execution environment's life, so calls go out exactly as before."""
    if not _environment_has_proxies_or_netrc():
        session.trust_env = False
        session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True


def _environment_has_proxies_or_netrc() -> bool:
    """Whether requests would find proxies (they depend on each URL: no_proxy) or a .netrc in the environment."""
    if getproxies():
        return True
    netrc = [os.environ["NETRC"]] if os.environ.get("NETRC") else [f"~/{name}" for name in requests.utils.NETRC_FILES]
    return any(os.path.exists(os.path.expanduser(path)) for path in netrc)


_EXTENSIONS: list[Callable[[requests.Session], None]] = []


def extend_sessions(extend: Callable[[requests.Session], None]) -> None:
    """Have every session built from now on passed to `extend` (e.g. wegit.github.conditional mounts its cache)."""
    _EXTENSIONS.append(extend)


@functools.lru_cache(maxsize=1)
def get_session() -> requests.Session:
    """One session per execution environment, so warm invocations reuse its keep-alive connections."""
    return build_session()


def require_requests_session(func: Callable[..., R]) -> Callable[..., R]:
    """Pass the shared session as the `requests_session` keyword argument unless the caller gives one.

    The result is typed loosely on purpose: a signature minus one keyword can't be spelled in typing."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> R:
        kwargs.setdefault("requests_session", get_session())
        return func(*args, **kwargs)

    return wrapper
