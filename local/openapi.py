"""One OpenAPI document merged from every function's resolver (Powertools OpenAPIMerge), and Swagger UI
for it; served by the local API only, never deployed."""

from __future__ import annotations

import json
import sys
from typing import Any

from local.template import LAYER_DIR, ROOT, load

SWAGGER_DIR = ROOT / "node_modules" / "swagger-ui-dist"
DOCUMENT = ROOT / "openapi.json"


def document() -> str:
    """The merged OpenAPI document as JSON text."""
    # The handlers import the layer as Lambda provides it (/opt/python); here that is layers/common.
    if str(LAYER_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_DIR))
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    from wegit import __version__

    merge = OpenAPIMerge(
        title="WeGit API",
        version=__version__,
        description='Backend of the WeGit mini-program. Every error body is {"message": "..."}.',
        on_conflict="error",
        security_schemes={"session": HTTPBearer(bearerFormat="wgs_ session token from POST /sessions")},
    )
    # The template says which functions serve the API; discovery by AST would miss `app = make_resolver()`.
    for spec in load().functions.values():
        if spec.routes:
            merge.add_file(spec.code_uri / f"{spec.handler.rpartition('.')[0]}.py", resolver_name="app")
    return json.dumps(_with_our_errors(json.loads(merge.get_openapi_json_schema())), indent=2) + "\n"


ERRORS = {
    "400": "a parameter is missing or invalid; the message names it",
    "401": "the token or session is malformed, unknown or expired, or GitHub rejected the token",
    "403": "GitHub refused access",
    "404": "not found on GitHub",
    "413": "the request body is larger than the API accepts",
    "414": "the query string is longer than the API accepts",
    "415": "the body is not sent as application/json",
    "429": "GitHub rate limit exhausted; Retry-After says when to try again",
    "500": "an unexpected error; the message carries the request id",
    "502": "GitHub failed or answered something unreadable, of the wrong shape or too large",
    "503": "GitHub or WeChat asked to come back later, or WeChat is down; Retry-After says when",
    "504": "GitHub did not answer in time",
}
# What each route can answer besides 200 (wegit.api maps the errors). Trending routes ask github.com only on
# a miss, where a refusal of github.com's is a 502; the language list never asks it.
LIMITS = ("413", "414", "500")
GITHUB_ERRORS = ("400", "401", "403", "404", "429", "502", "503", "504", *LIMITS)
TRENDING_ERRORS = ("400", "429", "502", "503", "504", *LIMITS)
SESSION_ERRORS = ("400", "401", *LIMITS)
ROUTE_ERRORS = {
    "/health-check": LIMITS,
    "/sessions": ("400", "401", "403", "415", "429", "502", "503", "504", *LIMITS),
    "/me": SESSION_ERRORS,
    "/me/github-token": ("400", "401", "415", "429", "502", "503", "504", *LIMITS),
    "/subscriptions": ("400", "401", "403", "404", "415", "429", "502", "503", "504", *LIMITS),
    "/subscriptions/grants": ("400", "401", "415", *LIMITS),
    "/subscriptions/{id}": ("400", "401", "404", *LIMITS),
    "/trending-languages": ("400", *LIMITS),
    "/trending-repositories": TRENDING_ERRORS,
    "/trending-developers": TRENDING_ERRORS,
}
RETRY_AFTER = {
    "Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "integer", "minimum": 0}}
}
HEADERS_200 = {
    "page": {
        "Max-Page": {
            "description": "last page number (from GitHub's Link header); 0 without pagination",
            "schema": {"type": "integer", "minimum": 0},
        }
    },
    "since": {
        "Cache-Control": {
            "description": "public, max-age: the seconds the answer stays fresh",
            "schema": {"type": "string"},
        },
        "Age": {"description": "seconds since github.com was read", "schema": {"type": "integer", "minimum": 0}},
        "X-Trending-Stale": {
            "description": "true when github.com failed and an older snapshot is served",
            "schema": {"type": "string"},
        },
    },
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"type": "string", "description": "what went wrong"}},
}


def _with_our_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Powertools documents validation failures as 422 HTTPValidationError and response validation failures as
    500 ResponseValidationError; this API answers every error as {"message"} with the statuses of wegit.api,
    Retry-After on 429 and 503, and the 200s carry their headers (Max-Page, caching)."""
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation["responses"]
            responses.pop("422", None)
            if method == "delete":  # these answer 204 without a body
                responses.pop("200", None)
                responses["204"] = {"description": "done; no body"}
            for status in ROUTE_ERRORS.get(path, GITHUB_ERRORS):
                content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                responses[status] = {"description": ERRORS[status], "content": content}
                if status in ("429", "503"):
                    responses[status]["headers"] = RETRY_AFTER
            names = {parameter["name"] for parameter in operation.get("parameters", [])}
            for parameter, headers in HEADERS_200.items():
                if parameter in names:
                    responses["200"]["headers"] = headers
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        components.pop(unused, None)
    components["Error"] = ERROR_SCHEMA
    return schema


SWAGGER_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>WeGit API (local)</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui"});</script></body></html>
"""


def pages() -> dict[str, Any]:
    """Local-only pages for the LocalApi: the merged document, Swagger UI and its two assets."""
    schema = document().encode()

    def asset(name: str, content_type: str) -> Any:
        return lambda: (200, content_type, (SWAGGER_DIR / name).read_bytes())

    return {
        "/openapi.json": lambda: (200, "application/json", schema),
        "/docs": lambda: (200, "text/html; charset=utf-8", SWAGGER_HTML.encode()),
        "/docs/swagger-ui.css": asset("swagger-ui.css", "text/css"),
        "/docs/swagger-ui-bundle.js": asset("swagger-ui-bundle.js", "text/javascript"),
    }
