"""The HTTP edge shared by every API function: the resolver, the one error-to-status mapping,
and the Lambda entry point with request-id logging."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths

from wegit import deadline, preconnect
from wegit.errors import WeGitError, from_aws_sdk
from wegit.observability import logger

if TYPE_CHECKING:  # types only: importing them would load pynamodb into every GitHub function's cold start
    from wegit.github.client import Page
    from wegit.trending.service import Answer

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

# Every JSON body a route takes is a few fields and every parameter is short: anything larger is refused
# before any work.
MAX_REQUEST_BODY_BYTES = 4_096
MAX_QUERY_STRING_BYTES = 4_096
# Lambda returns at most 6 MB (6 291 456 bytes) of response payload; the envelope needs a little of it.
MAX_RESPONSE_BODY_BYTES = 6_291_456 - 16_384


def paged_response(page: Page) -> Response[Any]:
    """A page of items with the `Max-Page` header the client pages by."""
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=page.items,
        headers={"Max-Page": str(page.max_page)},
    )


def trending_response(answer: Answer, max_age: int) -> Response[Any]:
    """Trending rows with HTTP's freshness: `max-age` is a snapshot's whole lifetime and `Age` how much of it
    is gone, so a standard cache keeps the answer exactly until the snapshot goes stale. A stale answer
    (github.com failed; the last good snapshot) has an Age past max-age, so no cache takes it for fresh, and
    says so: `Warning: 110` (RFC 7234's "Response is Stale") and `X-Trending-Stale: true`."""
    headers = {"Age": str(int(answer.age)), "Cache-Control": f"public, max-age={max_age}"}
    if answer.stale:
        headers["X-Trending-Stale"] = "true"
        headers["Warning"] = '110 - "Response is Stale"'
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=answer.rows, headers=headers)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"message": message},
        headers=headers,
    )


# Plainer words than pydantic's for the failures users meet most; the rest keep pydantic's message.
_PLAIN = {
    "string_pattern_mismatch": "not a valid GitHub name (letters, digits and the separators GitHub allows)",
    "missing": "required",
    "json_invalid": "not valid JSON",
    "blank": "blank (spaces only)",
}


def _describe_validation(exc: RequestValidationError) -> str:
    problems = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ()) if part not in ("query", "path", "header", "body")]
        name = "body" if error.get("type") == "json_invalid" else ".".join(location) or "request"
        kind = error.get("type", "")
        if kind == "string_pattern_mismatch" and not str(error.get("input", "x")).strip():
            kind = "blank"
        problems.append(f"{name}: {_PLAIN.get(kind, error.get('msg', 'invalid'))}")
    return "invalid parameter " + "; ".join(problems)


# The OpenAPI security requirement of routes that take `Authorization: Bearer <session token>`.
SESSION: list[dict[str, list[str]]] = [{"session": []}]


def no_content() -> Response[Any]:
    return Response(status_code=204, content_type=None, body=None)


def make_resolver(validation: bool = True, sessions: bool = False) -> APIGatewayHttpResolver:
    """A resolver with every error answered as JSON {"message": ...} and, unless a route takes no parameters
    (validation=False), Powertools' validation: it loads pydantic, ~40 % of a cold import (`make bench`).
    With validation, handlers' answers are checked against their return types too: a mismatch is our bug, a 500.
    `sessions` declares the bearer scheme of the routes that take a WeGit session."""
    app = APIGatewayHttpResolver(
        enable_validation=validation,
        response_validation_error_http_code=HTTPStatus.INTERNAL_SERVER_ERROR if validation else None,
    )
    if sessions:
        from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

        app.configure_openapi(
            title="WeGit API",
            security_schemes={"session": HTTPBearer(bearerFormat="wgs_ session token from POST /sessions")},
        )

    def _known(exc: WeGitError) -> Response[Any]:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
        log = logger.warning if exc.status < 500 else logger.error
        log("request failed", extra={"status": exc.status, "error": type(exc).__name__})
        return error_response(exc.status, exc.message, headers)

    def _invalid(exc: RequestValidationError) -> Response[Any]:
        message = _describe_validation(exc)
        logger.info("invalid request", extra={"status": 400, "problem": message})
        return error_response(400, message)

    def _unexpected(exc: Exception) -> Response[Any]:
        busy = from_aws_sdk(exc)
        if busy is not None:
            logger.warning("an AWS call failed for now", extra={"error": type(exc).__name__})
            return _known(busy)
        request_id = getattr(app.lambda_context, "aws_request_id", "unknown")
        logger.exception("unexpected error")
        return error_response(500, f"internal error, request id {request_id}")

    app.exception_handler(WeGitError)(_known)
    app.exception_handler(RequestValidationError)(_invalid)
    app.exception_handler(Exception)(_unexpected)
    return app


def entry_point(app: APIGatewayHttpResolver) -> LambdaHandler:
    """The Lambda entry point for `app`: request id on every log line, state cleared between calls."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        refused = _over_request_limits(event)
        if refused is not None:
            return refused
        preconnect.hand_over()  # the connection opened during init, if any, into the session's pool
        with deadline.invocation(context):  # upstream calls end by the deadline, and with the request
            result = app.resolve(event, context)
        if len(str(result.get("body") or "")) > MAX_RESPONSE_BODY_BYTES:
            logger.error("answer over Lambda's response limit", extra={"bytes": len(str(result.get("body")))})
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
    """An error answered outside the resolver, in the payload 2.0 response format."""
    logger.warning("request refused", extra={"status": status})
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps({"message": message}),
        "isBase64Encoded": False,
    }


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
