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

    from wegit import __version__

    merge = OpenAPIMerge(
        title="WeGit API",
        version=__version__,
        description='Backend of the WeGit mini-program. Every error body is {"message": "..."}.',
        on_conflict="error",
    )
    # The template says which functions serve the API; discovery by AST would miss `app = make_resolver()`.
    for spec in load().functions.values():
        if spec.routes:
            merge.add_file(spec.code_uri / f"{spec.handler.rpartition('.')[0]}.py", resolver_name="app")
    return json.dumps(_with_our_errors(json.loads(merge.get_openapi_json_schema())), indent=2) + "\n"


ERRORS = {
    "400": "a parameter is missing or invalid; the message names it",
    "401": "the token is malformed or GitHub rejected it",
    "403": "GitHub refused access",
    "404": "not found on GitHub",
    "429": "GitHub rate limit exhausted; Retry-After says when to try again",
    "502": "GitHub failed or answered something unreadable",
    "504": "GitHub did not answer in time",
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"type": "string", "description": "what went wrong"}},
}


def _with_our_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Powertools documents validation failures as 422 HTTPValidationError; this API answers every error as
    {"message"} with the statuses of wegit.api, and paged lists carry Max-Page."""
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation["responses"]
            responses.pop("422", None)
            if path == "/health-check":
                continue
            for status, description in ERRORS.items():
                content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                responses[status] = {"description": description, "content": content}
            if any(parameter["name"] == "page" for parameter in operation.get("parameters", [])):
                responses["200"]["headers"] = {
                    "Max-Page": {
                        "description": "last page number (from GitHub's Link header); 0 without pagination",
                        "schema": {"type": "integer"},
                    }
                }
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
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
