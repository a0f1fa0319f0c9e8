"""The HTTP edge shared by every API function: the routes a function declares, their parameters checked against
the schemas compiled ahead of time (wegit/contract.json, from the OpenAPI document), the one error-to-status
mapping, and the Lambda entry point with request-id logging.

No web framework loads at run time: Powertools' resolver and pydantic cost ~330 ms of every cold start on
Python 3.13 (`make bench`, docs/performance.md). They still build what they are good at, ahead of time:
`make openapi` registers these routes on a Powertools resolver with their declared types (local/openapi.py),
which writes openapi.json and, from it, the compiled contract this module checks requests against."""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from aws_lambda_powertools.logging import correlation_paths

from wegit import deadline, preconnect, shapes
from wegit.errors import WeGitError, from_aws_sdk, www_authenticate
from wegit.observability import logger

if TYPE_CHECKING:  # types only: importing them would load pynamodb into every GitHub function's cold start
    from wegit.github.client import Page
    from wegit.trending.history.service import CachedPage
    from wegit.trending.service import Answer

T = TypeVar("T")
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
JSON_TYPE = "application/json"

# Every JSON body a route takes is a few fields and every parameter is short: anything larger is refused
# before any work.
MAX_REQUEST_BODY_BYTES = 4_096
MAX_QUERY_STRING_BYTES = 4_096
# Lambda returns at most 6 MB (6 291 456 bytes) of response payload; the envelope needs a little of it.
MAX_RESPONSE_BODY_BYTES = 6_291_456 - 16_384

# The OpenAPI security requirement of routes that take `Authorization: Bearer <session token>`.
SESSION: list[dict[str, list[str]]] = [{"session": []}]


@dataclass
class Response(Generic[T]):
    """An answer with its status and headers; `Response[Model]` declares the body's OpenAPI schema."""

    status_code: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = JSON_TYPE


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(status, body, headers or {})


def paged_response(page: Page) -> Response[Any]:
    """A page of items with the `Max-Page` header the client pages by."""
    return ok(page.items, headers={"Max-Page": str(page.max_page)})


def cached_page_response(page: CachedPage) -> Response[Any]:
    """A page of an answer that changes at most once per refresh: `Max-Page` and how long a cache may keep it."""
    return ok(page.items, headers={"Max-Page": str(page.max_page), "Cache-Control": f"public, max-age={page.max_age}"})


def trending_response(answer: Answer, max_age: int) -> Response[Any]:
    """Trending rows with HTTP's freshness: `max-age` is a snapshot's whole lifetime and `Age` how much of it
    is gone, so a standard cache keeps the answer exactly until the snapshot goes stale. A stale answer
    (github.com failed; the last good snapshot) has an Age past max-age, so no cache takes it for fresh, and
    says so: `Warning: 110` (RFC 7234's "Response is Stale") and `X-Trending-Stale: true`."""
    headers = {"Age": str(int(answer.age)), "Cache-Control": f"public, max-age={max_age}"}
    if answer.stale:
        headers["X-Trending-Stale"] = "true"
        headers["Warning"] = '110 - "Response is Stale"'
    return ok(answer.rows, headers=headers)


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None, code: str | None = None
) -> Response[Any]:
    """An error as JSON: {"message"}, and {"code"} beside it where one status has several meanings (401)."""
    return ok({"message": message, **({"code": code} if code else {})}, status, headers)


def binary(content: bytes, content_type: str, headers: dict[str, str] | None = None) -> Response[Any]:
    """Bytes as they are (an image), not JSON."""
    return Response(200, content, headers or {}, content_type)


def no_content() -> Response[Any]:
    return Response(204, None, {}, None)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # OpenAPI's form, as the template's route key: /developers/{name}/events
    handler: Callable[..., Any]
    security: list[dict[str, list[str]]] | None = None
    responses: dict[int, Any] | None = None

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    def matches(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters when `method path` is this route, else None."""
        if method != self.method:
            return None
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        found = re.fullmatch(pattern, path)
        return found.groupdict() if found else None


class Router:
    """The routes one function serves, declared as Powertools' resolver declares them (get/post/put/delete/
    patch with `security` and `responses`), with their parameters' types in the handler's annotations."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def route(self, method: str, path: str, **options: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
        def register(handler: Callable[..., T]) -> Callable[..., T]:
            self.routes.append(Route(method, path, handler, **options))
            return handler

        return register

    def get(self, path: str, **options: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
        return self.route("GET", path, **options)

    def post(self, path: str, **options: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
        return self.route("POST", path, **options)

    def put(self, path: str, **options: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
        return self.route("PUT", path, **options)

    def patch(self, path: str, **options: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
        return self.route("PATCH", path, **options)

    def delete(self, path: str, **options: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
        return self.route("DELETE", path, **options)

    def find(self, event: dict[str, Any]) -> tuple[Route, dict[str, str]] | None:
        """The route an API Gateway (payload 2.0) event is for, with its path parameters."""
        route_key = event.get("routeKey", "")
        for route in self.routes:
            if route.key == route_key:
                return route, dict(event.get("pathParameters") or {})
        http = (event.get("requestContext") or {}).get("http") or {}
        method, path = http.get("method", ""), event.get("rawPath") or http.get("path", "")
        for route in self.routes:
            found = route.matches(method, path)
            if found is not None:
                return route, found
        return None


class Invalid(Exception):
    """A request whose parameters or body break the route's declared types: a 400 naming each problem."""


# Lax coercion of text parameters, as pydantic's for query strings and headers.
_TRUE, _FALSE = {"true", "1", "yes", "on", "t", "y"}, {"false", "0", "no", "off", "f", "n"}


def _coerce(text: str, schema: dict[str, Any]) -> Any:
    options = schema.get("anyOf", [schema])
    kinds = {option.get("type") for option in options}
    if "integer" in kinds:
        try:
            return int(text.strip())
        except ValueError:
            raise shapes.Problem("", "should be a whole number") from None
    if "boolean" in kinds:
        lowered = text.strip().lower()
        if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
        raise shapes.Problem("", "should be true or false")
    return text


def _arguments(route: Route, event: dict[str, Any], path: dict[str, str]) -> dict[str, Any]:
    compiled = shapes.contract()["routes"][route.key]
    sources = {
        "query": event.get("queryStringParameters") or {},
        "path": path,
        "header": {key.lower(): value for key, value in (event.get("headers") or {}).items()},
    }
    arguments: dict[str, Any] = {}
    problems: list[str] = []
    for parameter in compiled["parameters"]:
        name, schema = parameter["name"], parameter["schema"]
        raw = sources[parameter["in"]].get(name.lower() if parameter["in"] == "header" else name)
        if raw is None:
            if parameter.get("required"):
                problems.append(f"{name}: required")
            continue
        try:
            value = _coerce(raw, schema)
            shapes.check(value, schema)
        except shapes.Problem as problem:
            problems.append(f"{name}: {_plain(problem, schema)}")
            continue
        arguments[parameter["python"]] = value
    body = compiled.get("body")
    if body is not None:
        try:
            data = json.loads(event.get("body") or "")
        except ValueError:
            problems.append("body: not valid JSON")
        else:
            try:
                if not isinstance(data, dict):
                    raise shapes.Problem("body", "should be a JSON object")
                arguments[body["python"]] = SimpleNamespace(**shapes.with_defaults(data, body["schema"]))
            except shapes.Problem as problem:
                problems.append(f"{problem.where}: {_plain(problem, body['schema'])}")
    if problems:
        raise Invalid("invalid parameter " + "; ".join(problems))
    return arguments


def _plain(problem: shapes.Problem, schema: dict[str, Any]) -> str:
    """Plainer words for a value of the wrong form: what it should have been, from the declared description."""
    described = schema.get("description", "")
    if problem.kind != "does not match the allowed form" or not described:
        return problem.kind
    return f"not {described}" if described.startswith(("a ", "an ")) else f"not a valid {described}"


def _respond(result: Any) -> dict[str, Any]:
    """A handler's result in the payload 2.0 response format."""
    answer = result if isinstance(result, Response) else Response(200, result)
    headers = dict(answer.headers)
    if answer.content_type:
        headers["Content-Type"] = answer.content_type
    if isinstance(answer.body, bytes):  # an image: API Gateway decodes it from base64
        encoded = base64.b64encode(answer.body).decode()
        return {"statusCode": answer.status_code, "headers": headers, "body": encoded, "isBase64Encoded": True}
    body = "" if answer.body is None else json.dumps(answer.body, separators=(",", ":"))
    return {"statusCode": answer.status_code, "headers": headers, "body": body, "isBase64Encoded": False}


def _known(exc: WeGitError) -> dict[str, Any]:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = www_authenticate(exc.code)
    log = logger.warning if exc.status < 500 else logger.error
    log("request failed", extra={"status": exc.status, "error": type(exc).__name__, "code": exc.code})
    return _respond(error_response(exc.status, exc.message, headers, exc.code))


def _resolve(app: Router, event: dict[str, Any], context: Any) -> dict[str, Any]:
    found = app.find(event)
    if found is None:
        return _respond(error_response(404, "no such route"))
    route, path = found
    try:
        return _respond(route.handler(**_arguments(route, event, path)))
    except Invalid as exc:
        logger.info("invalid request", extra={"status": 400, "problem": str(exc)})
        return _respond(error_response(400, str(exc)))
    except WeGitError as exc:
        return _known(exc)
    except Exception as exc:
        busy = from_aws_sdk(exc)
        if busy is not None:
            logger.warning("an AWS call failed for now", extra={"error": type(exc).__name__})
            return _known(busy)
        logger.exception("unexpected error")
        return _respond(error_response(500, f"internal error, request id {getattr(context, 'aws_request_id', '?')}"))


def entry_point(app: Router) -> LambdaHandler:
    """The Lambda entry point for `app`: request id on every log line, state cleared between calls."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        refused = _over_request_limits(event)
        if refused is not None:
            return refused
        preconnect.hand_over()  # the connection opened during init, if any, into the session's pool
        with deadline.invocation(context):  # upstream calls end by the deadline, and with the request
            result = _resolve(app, event, context)
        if len(result["body"]) > MAX_RESPONSE_BODY_BYTES:
            logger.error("answer over Lambda's response limit", extra={"bytes": len(result["body"])})
            return _plain_error(502, "the answer would be larger than the 6 MB the API can send")
        return gzipped(event, result)

    return handler


def _over_request_limits(event: dict[str, Any]) -> dict[str, Any] | None:
    body = event.get("body") or ""
    if len(body) > MAX_REQUEST_BODY_BYTES:
        return _plain_error(413, f"the request body is over {MAX_REQUEST_BODY_BYTES} bytes")
    if len(event.get("rawQueryString") or "") > MAX_QUERY_STRING_BYTES:
        return _plain_error(414, f"the query string is over {MAX_QUERY_STRING_BYTES} bytes")
    headers = {key.lower(): value for key, value in (event.get("headers") or {}).items()}
    if body and "json" not in headers.get("content-type", "").lower():
        return _plain_error(415, "send the body as JSON, with `Content-Type: application/json`")
    return None


def _plain_error(status: int, message: str) -> dict[str, Any]:
    """An error answered before or after the route, in the payload 2.0 response format."""
    logger.warning("request refused", extra={"status": status})
    return _respond(error_response(status, message))


GZIP_MIN_BYTES = 1024  # below this, gzip and base64 save less than they cost


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (named or `*`, and not refused with q=0)."""
    for part in accept_encoding.lower().split(","):
        coding, _, parameters = part.partition(";")
        if coding.strip() in ("gzip", "*"):
            quality = parameters.strip().removeprefix("q=")
            try:
                return quality == parameters.strip() or float(quality) > 0
            except ValueError:
                return False
    return False


def gzipped(event: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """The answer gzipped when it is over 1 KB and the client accepts gzip: HTTP APIs don't compress."""
    body = result.get("body")
    if result.get("isBase64Encoded") or not isinstance(body, str) or len(body) <= GZIP_MIN_BYTES:
        return result
    headers = result.setdefault("headers", {})
    headers["Vary"] = "Accept-Encoding"
    if not accepts_gzip((event.get("headers") or {}).get("accept-encoding", "")):
        return result
    headers["Content-Encoding"] = "gzip"
    compressed = gzip.compress(body.encode(), compresslevel=6, mtime=0)
    return {**result, "body": base64.b64encode(compressed).decode(), "isBase64Encoded": True}
