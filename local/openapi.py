"""The OpenAPI document, from every function's routes registered on one Powertools resolver with their declared
types, and the contract compiled from it for the run time (wegit/contract.json: each route's parameters and
body, and the shapes GitHub's answers are checked against, as plain JSON Schema that wegit.shapes checks). Both
are written by `make openapi`; a test checks the committed ones are current. Swagger UI is served by the local
API only, never deployed."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

from local.template import LAYER_DIR, ROOT, load

SWAGGER_DIR = ROOT / "node_modules" / "swagger-ui-dist"
DOCUMENT = ROOT / "openapi.json"
CONTRACT = LAYER_DIR / "wegit" / "contract.json"
# The GitHub resources whose shape is checked before use (a 502 otherwise), and projected to their fields.
SHAPES = ("User", "Event", "Repository", "RepositoryWithReadme", "SearchRepository")


def _on_path() -> None:
    # The handlers import the layer as Lambda provides it (/opt/python); here that is layers/common.
    if str(LAYER_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_DIR))


def declared_types(path: Path) -> dict[str, Any]:
    """What a function's `if TYPE_CHECKING:` block imports: the types its annotations name, never loaded at
    run time; imported here for real to resolve them."""
    names: dict[str, Any] = {}
    for node in ast.parse(path.read_text()).body:
        if not (isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")):
            continue
        for statement in node.body:
            if isinstance(statement, ast.ImportFrom) and statement.module:
                module = importlib.import_module(statement.module)
                for alias in statement.names:
                    names[alias.asname or alias.name] = getattr(module, alias.name)
            elif isinstance(statement, ast.Import):
                for alias in statement.names:
                    names[alias.asname or alias.name] = importlib.import_module(alias.name)
    return names


def _powertools_type(annotation: Any) -> Any:
    """wegit.api.Response[X] as Powertools' Response[X], the form its resolver documents."""
    from aws_lambda_powertools.event_handler import Response

    from wegit import api

    if typing.get_origin(annotation) is api.Response:
        return Response[typing.get_args(annotation)]  # type: ignore[misc]
    return annotation


def _with_models(value: Any, names: dict[str, Any]) -> Any:
    """`responses` with each model named by a string resolved."""
    if isinstance(value, dict):
        return {key: names[item] if key == "model" and isinstance(item, str) else _with_models(item, names)
                for key, item in value.items()}  # fmt: skip
    return value


def resolver() -> Any:
    """One Powertools resolver with every function's routes, as each function declares them."""
    _on_path()
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    app = APIGatewayHttpResolver(enable_validation=True)
    # The template says which functions serve the API.
    for spec in load().functions.values():
        if not spec.routes:
            continue
        path = spec.code_uri / f"{spec.handler.rpartition('.')[0]}.py"
        loaded = importlib.util.spec_from_file_location(f"openapi_{spec.name}", path)
        assert loaded is not None and loaded.loader is not None
        module = importlib.util.module_from_spec(loaded)
        loaded.loader.exec_module(module)
        names = declared_types(path)
        for route in module.app.routes:
            handler = route.handler
            hints = typing.get_type_hints(handler, {**handler.__globals__, **names}, include_extras=True)
            typed = types.FunctionType(handler.__code__, handler.__globals__, handler.__name__, handler.__defaults__)
            typed.__annotations__ = {name: _powertools_type(hint) for name, hint in hints.items()}
            typed.__doc__ = handler.__doc__
            register = getattr(app, route.method.lower())
            options = {"security": route.security, "responses": _with_models(route.responses, names)}
            register(re.sub(r"\{(\w+)\}", r"<\1>", route.path), **{k: v for k, v in options.items() if v})(typed)
    return app


def document() -> str:
    """The OpenAPI document as JSON text."""
    _on_path()
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    from wegit import __version__

    schema = resolver().get_openapi_json_schema(
        title="WeGit API",
        version=__version__,
        description='Backend of the WeGit mini-program. Every error body is {"message": "..."}.',
        security_schemes={"session": HTTPBearer(bearerFormat="wgs_ session token from POST /sessions")},
    )
    return json.dumps(_with_our_errors(json.loads(schema)), indent=2) + "\n"


def _inline(schema: Any, components: dict[str, Any]) -> Any:
    """`schema` with every $ref replaced by what it names (the models have no cycles) and no titles."""
    if isinstance(schema, list):
        return [_inline(item, components) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _inline(components[schema["$ref"].rpartition("/")[2]], components)
    return {key: _inline(value, components) for key, value in schema.items() if key != "title"}


def contract(document_text: str) -> str:
    """The contract the run time checks, compiled from the OpenAPI document and the GitHub shapes."""
    _on_path()
    from pydantic import TypeAdapter

    from wegit.github import schemas

    spec = json.loads(document_text)
    components = spec.get("components", {}).get("schemas", {})
    routes: dict[str, Any] = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            parameters = [
                {"name": parameter["name"], "in": parameter["in"], "required": parameter.get("required", False),
                 "python": parameter["name"], "schema": _inline(parameter["schema"], components)}
                for parameter in operation.get("parameters", [])
            ]  # fmt: skip
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            routes[f"{method.upper()} {path}"] = {
                "parameters": parameters,
                "body": None if body is None else {"python": "body", "schema": _inline(body, components)},
            }
    shapes = {}
    for name in SHAPES:
        generated = TypeAdapter(getattr(schemas, name)).json_schema(mode="validation")
        shapes[name] = _inline({k: v for k, v in generated.items() if k != "$defs"}, generated.get("$defs", {}))
    return json.dumps({"routes": routes, "shapes": shapes}, indent=1, sort_keys=True) + "\n"


ERRORS = {
    "400": "a parameter is missing or invalid; the message names it",
    "401": "the token or session is malformed, unknown or expired, or GitHub rejected the token",
    "403": "GitHub refused access",
    "404": "not found on GitHub, or not in the trending history (a day without it, a repository never on trending)",
    "413": "the request body is larger than the API accepts",
    "414": "the query string is longer than the API accepts",
    "415": "the body is not sent as application/json",
    "429": "GitHub rate limit exhausted; Retry-After says when to try again",
    "500": "an unexpected error; the message carries the request id",
    "502": "GitHub failed or answered something unreadable, of the wrong shape or too large",
    "503": "GitHub or WeChat asked to come back later, WeChat is down, or a data store is busy; Retry-After says when",
    "504": "GitHub did not answer in time",
}
# What each route can answer besides 200 (wegit.api maps the errors). Trending routes ask github.com only on
# a miss, where a refusal of github.com's is a 502; the language list never asks it.
LIMITS = ("413", "414", "500")
GITHUB_ERRORS = ("400", "401", "403", "404", "429", "502", "503", "504", *LIMITS)
TRENDING_ERRORS = ("400", "429", "502", "503", "504", *LIMITS)
SESSION_ERRORS = ("400", "401", *LIMITS)
HISTORY_ERRORS = ("400", "404", "503", *LIMITS)  # the trending history: DynamoDB only, never github.com
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
    "/trending-repositories/history": HISTORY_ERRORS,
    "/trending-repositories/new": HISTORY_ERRORS,
    "/repositories/trending": HISTORY_ERRORS,
    "/share": ("400", "401", "415", "502", "503", "504", *LIMITS),
    "/share/{id}": ("400", "404", *LIMITS),
    "/share/{id}/image": ("400", "404", *LIMITS),
    "/resolve": ("400", *LIMITS),
}
# Where a route's error means something else than GitHub's: the share routes (README "Share codes").
ROUTE_ERROR_WORDS = {
    "/share": {
        "502": "WeChat refused the code (41030: the share page is not a page of that mini-program version) or failed",
        "503": "WeChat's codes per minute are spent (45009) or WeChat is busy or down; Retry-After says when",
        "504": "WeChat or a data store did not answer in time",
    },
    "/share/{id}": {"404": "no share with this id (never made, or deleted with the last account that made it)"},
    "/share/{id}/image": {"404": "no share code with this id"},
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
HISTORY_PATHS = ("/trending-repositories/history", "/trending-repositories/new", "/repositories/trending")
ERROR_SCHEMA = {
    "type": "object",
    "required": ["message"],
    "properties": {
        "message": {"type": "string", "description": "what went wrong"},
        "code": {
            "type": "string",
            "enum": ["session_required", "session_invalid", "session_expired", "wechat_code_invalid",
                     "github_token_invalid", "github_token_malformed"],
            "description": "on a 401, what to do: session_* and wechat_code_invalid: log in again (POST /sessions "
            "with a new wx.login() code); github_token_*: send or bind a valid GitHub token",
        },
    },
}  # fmt: skip
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {
        "description": 'the credential to send: Bearer realm="WeGit session" or realm="GitHub token"',
        "schema": {"type": "string"},
    }
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
                words = ROUTE_ERROR_WORDS.get(path, {}).get(status, ERRORS[status])
                responses[status] = {"description": words, "content": content}
                if status in ("429", "503"):
                    responses[status]["headers"] = RETRY_AFTER
                if status == "401":
                    responses[status]["headers"] = WWW_AUTHENTICATE
            names = {parameter["name"] for parameter in operation.get("parameters", [])}
            for parameter, headers in HEADERS_200.items():
                if parameter in names:
                    responses["200"]["headers"] = headers
            if path in HISTORY_PATHS:  # paged, and cached until the next refresh (a past day: a day)
                cache_control = HEADERS_200["since"]["Cache-Control"]
                responses["200"]["headers"] = {**HEADERS_200["page"], "Cache-Control": cache_control}
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
