"""One OpenAPI document merged from every function's resolver (Powertools OpenAPIMerge), and Swagger UI
for it; served by the local API only, never deployed."""

from __future__ import annotations

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
    return merge.get_openapi_json_schema() + "\n"


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
