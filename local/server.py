"""The template's HttpApi on loopback: each request becomes an API Gateway HTTP API payload 2.0 event
for the function whose route matches, and the function's answer becomes the HTTP response."""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from local.runtime import InvocationError, Runtime
from local.template import FunctionSpec, Route

# A local-only page: (status, content type, body) for a GET path the template does not route.
LocalPage = Callable[[], tuple[int, str, bytes]]


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


class LocalApi:
    def __init__(
        self,
        functions: dict[str, FunctionSpec],
        runtime: Runtime,
        port: int,
        host: str = "127.0.0.1",
        pages: dict[str, LocalPage] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.routes = [(route, spec) for spec in functions.values() for route in spec.routes]
        self.runtime = runtime
        self.pages = pages or {}
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self.httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self.httpd.daemon_threads = True
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

            def do_GET(self) -> None:
                api._serve(self)

            do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

        return Handler

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        started = time.perf_counter()
        method = request.command
        path = urlsplit(request.path).path
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        found = self.match(method, path)
        function = found[1].name if found else "-"
        headers: dict[str, str] = {}
        if found is None and method == "GET" and path in self.pages:
            status, content_type, payload = self.pages[path]()
            headers["Content-Type"] = content_type
        elif found is None:
            status, payload = 404, b'{"message":"Not Found"}'
            headers["Content-Type"] = "application/json"
        else:
            route, spec, params = found
            host = request.headers.get("Host", "127.0.0.1")
            event = http_api_event(method, request.path, dict(request.headers.items()), body, route, params, host)
            try:
                result = self.runtime.invoke(spec.name, event, event["requestContext"]["requestId"])
                status, headers, payload = _http_response(result)
            except InvocationError as exc:
                self.log(f"{spec.name} error: {exc}\n{exc.detail.get('trace', '')}".rstrip())
                status, payload = 500, b'{"message":"Internal Server Error"}'
                headers = {"Content-Type": "application/json"}
        headers.setdefault("Access-Control-Allow-Origin", "*")
        headers.setdefault("Access-Control-Expose-Headers", "Max-Page, Retry-After")
        request.send_response(status)
        for key, value in headers.items():
            request.send_header(key, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        if method != "HEAD":
            request.wfile.write(payload)
        elapsed = (time.perf_counter() - started) * 1000
        # The path only: a query string may hold a token (`/developers?token=`), and logs never hold secrets.
        self.log(f"{method} {path} {function} {status} {elapsed:.1f} ms")

    def start(self) -> LocalApi:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


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
