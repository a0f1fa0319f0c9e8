"""The template's HttpApi on loopback: each request becomes an API Gateway HTTP API payload 2.0 event
for the function whose route matches, and the function's answer becomes the HTTP response."""

from __future__ import annotations

import base64
import contextlib
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from local.runtime import InvocationError, Runtime
from local.template import Cors, FunctionSpec, Route

# A local-only page: (status, content type, body) for a GET path the template does not route.
LocalPage = Callable[[], tuple[int, str, bytes]]
Log = Callable[[str], None]
# What an HTTP API answers when the integration fails (an error, a timeout, a response too large).
INTERNAL_ERROR = b'{"message":"Internal Server Error"}'


def http_api_event(
    method: str, target: str, headers: dict[str, str], body: bytes, route: Route, params: dict[str, str], host: str
) -> dict[str, Any]:
    """The payload 2.0 event API Gateway sends for this request (stage $default)."""
    parts = urlsplit(target)
    query: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    lowered: dict[str, str] = {}
    for key, value in headers.items():
        lowered[key.lower()] = f"{lowered[key.lower()]},{value}" if key.lower() in lowered else value
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "headers": lowered,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split(".", maxsplit=1)[0],
            "http": {
                "method": method,
                "path": parts.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route.route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if "cookie" in lowered:
        event["cookies"] = [c.strip() for c in lowered["cookie"].split(";")]
    if query:
        event["queryStringParameters"] = query
    if params:
        event["pathParameters"] = params
    if body:
        event["body"] = body.decode("utf-8", "replace")
    return event


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog (5) drops connections under a 50-client load; the kernel caps this at somaxconn.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], log: Log) -> None:
        self.log = log
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that failed outside a request (reset while reading it, ...): one line, no traceback."""
        error = sys.exc_info()[1]
        self.log(f"connection from {client_address[0]} failed: {type(error).__name__}: {error}")


class LocalApi:
    def __init__(
        self,
        functions: dict[str, FunctionSpec],
        runtime: Runtime,
        port: int,
        host: str = "127.0.0.1",
        pages: dict[str, LocalPage] | None = None,
        log: Log | None = None,
        cors: Cors | None = None,
        upstream_hint: Callable[[], str | None] | None = None,
    ) -> None:
        """`cors` is the HttpApi's CorsConfiguration; `upstream_hint()` is added to a 502's message (the
        stack says why GitHub may be failing)."""
        self.routes = [(route, spec) for spec in functions.values() for route in spec.routes]
        self.runtime = runtime
        self.pages = pages or {}
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self.cors = cors
        self.upstream_hint = upstream_hint or (lambda: None)
        self.httpd = _Server((host, port), self._handler_class(), self.log)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def match(self, method: str, path: str) -> tuple[Route, FunctionSpec, dict[str, str]] | None:
        for route, spec in self.routes:
            found = route.pattern.match(path)
            if found and route.method in (method, "ANY"):
                return route, spec, {key: unquote(value) for key, value in found.groupdict().items()}
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, the body waits ~40 ms for a delayed ACK.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass  # one line per request is written by _serve instead

            def __getattr__(self, name: str) -> Any:
                if name.startswith("do_"):  # every method, even one HTTP has no name for, is routed (or 404)
                    return lambda: api._serve(self)
                raise AttributeError(name)

            def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
                """A request too malformed to route: JSON like every other answer, never an HTML page."""
                self.close_connection = True
                payload = json.dumps({"message": message or HTTPStatus(code).phrase}).encode()
                api._send(self, code, {"Content-Type": "application/json"}, payload)
                api.log(f"{self.command or '-'} - - {code} ({message or HTTPStatus(code).phrase})")

        return Handler

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        started = time.perf_counter()
        method = request.command
        path = urlsplit(request.path).path
        function = "-"
        origin = request.headers.get("Origin")
        status = 0
        try:
            length = int(request.headers.get("Content-Length") or 0)
            body = request.rfile.read(length) if length else b""
            asked = request.headers.get("Access-Control-Request-Method")
            if self.cors and origin and asked and method == "OPTIONS":  # a preflight, whatever the path
                requested_headers = request.headers.get("Access-Control-Request-Headers", "")
                status, headers, payload = 204, preflight_headers(self.cors, origin, asked, requested_headers), b""
            else:
                found = self.match(method, path)
                function = found[1].name if found else "-"
                status, headers, payload = self._answer(request, method, path, body, found)
                headers = with_cors(self.cors, origin, headers)
            self._send(request, status, headers, payload)
            outcome = ""
        except (BrokenPipeError, ConnectionResetError):
            request.close_connection = True
            outcome = " (client disconnected)"
        except Exception as exc:  # a bug of the local API itself: still one answer and one line, no traceback
            request.close_connection = True
            status, outcome = 500, f" (local API error: {type(exc).__name__}: {exc})"
            with contextlib.suppress(OSError):
                self._send(request, status, {"Content-Type": "application/json"}, INTERNAL_ERROR)
        # The path only: a query string may hold a token (`/developers?token=`), and logs never hold secrets.
        elapsed = (time.perf_counter() - started) * 1000
        self.log(f"{method} {path} {function} {status or '-'} {elapsed:.1f} ms{outcome}")

    def _answer(
        self,
        request: BaseHTTPRequestHandler,
        method: str,
        path: str,
        body: bytes,
        found: tuple[Route, FunctionSpec, dict[str, str]] | None,
    ) -> tuple[int, dict[str, str], bytes]:
        if found is None and method == "GET" and path in self.pages:
            status, content_type, payload = self.pages[path]()
            return status, {"Content-Type": content_type}, payload
        if found is None:
            return 404, {"Content-Type": "application/json"}, b'{"message":"Not Found"}'
        route, spec, params = found
        host = request.headers.get("Host", "127.0.0.1")
        event = http_api_event(method, request.path, dict(request.headers.items()), body, route, params, host)
        try:
            result = self.runtime.invoke(spec.name, event, event["requestContext"]["requestId"])
        except InvocationError as exc:
            self.log(f"{exc}\n{exc.detail.get('trace', '')}".rstrip())
            return 500, {"Content-Type": "application/json"}, INTERNAL_ERROR
        status, headers, payload = _http_response(result)
        hint = self.upstream_hint() if status == 502 else None
        if hint:
            payload = _with_hint(payload, hint)
        return status, headers, payload

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, headers: dict[str, str], payload: bytes) -> None:
        request.send_response(status)
        for key, value in headers.items():
            request.send_header(key, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(payload)
        request.wfile.flush()

    def start(self) -> LocalApi:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# -- API Gateway's CORS, from the HttpApi's CorsConfiguration ----------------------------------------------


def _allowed_origin(cors: Cors, origin: str | None) -> str | None:
    """The Access-Control-Allow-Origin value for this origin, None when it is not allowed."""
    if not origin:
        return None
    if "*" in cors.allow_origins:
        return "*"
    return origin if any(fnmatchcase(origin, allowed) for allowed in cors.allow_origins) else None


def preflight_headers(cors: Cors, origin: str, method: str, requested_headers: str) -> dict[str, str]:
    """The headers of API Gateway's 204 to a preflight; none when the origin, the method or a requested
    header is not allowed (the browser then blocks the call)."""
    allowed_origin = _allowed_origin(cors, origin)
    methods = {allowed.upper() for allowed in cors.allow_methods}
    allowed_headers = {allowed.lower() for allowed in cors.allow_headers}
    asked = {header.strip().lower() for header in requested_headers.split(",") if header.strip()}
    if allowed_origin is None or ("*" not in methods and method.upper() not in methods):
        return {}
    if "*" not in allowed_headers and not asked <= allowed_headers:
        return {}
    headers = {"access-control-allow-origin": allowed_origin}
    if cors.allow_credentials:
        headers["access-control-allow-credentials"] = "true"
    if cors.allow_headers:
        headers["access-control-allow-headers"] = ",".join(header.lower() for header in cors.allow_headers)
    headers["access-control-allow-methods"] = ",".join(cors.allow_methods)
    if cors.max_age is not None:
        headers["access-control-max-age"] = str(cors.max_age)
    return headers


def with_cors(cors: Cors | None, origin: str | None, headers: dict[str, str]) -> dict[str, str]:
    """An answer as API Gateway sends it: the function's own Access-Control-* headers ignored, and the
    configured ones added when the request comes from an allowed origin."""
    if cors is None:
        return headers
    headers = {key: value for key, value in headers.items() if not key.lower().startswith("access-control-")}
    allowed_origin = _allowed_origin(cors, origin)
    if allowed_origin is None:
        return headers
    headers["access-control-allow-origin"] = allowed_origin
    if cors.allow_credentials:
        headers["access-control-allow-credentials"] = "true"
    if cors.expose_headers:
        headers["access-control-expose-headers"] = ",".join(cors.expose_headers)
    return headers


def _with_hint(payload: bytes, hint: str) -> bytes:
    try:
        body = json.loads(payload)
        body["message"] = f"{body['message']}; {hint}"
        return json.dumps(body, separators=(",", ":")).encode()
    except (ValueError, TypeError, KeyError):
        return payload


def _http_response(result: Any) -> tuple[int, dict[str, str], bytes]:
    """Payload 2.0 response rules: a dict with statusCode is used as is, anything else is JSON 200."""
    if not (isinstance(result, dict) and "statusCode" in result):
        return 200, {"Content-Type": "application/json"}, json.dumps(result).encode()
    headers = {key: str(value) for key, value in (result.get("headers") or {}).items()}
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers[key] = ", ".join(str(v) for v in values)
    if result.get("cookies"):
        headers["Set-Cookie"] = "; ".join(result["cookies"])
    body = result.get("body") or ""
    payload = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    return int(result["statusCode"]), headers, payload
