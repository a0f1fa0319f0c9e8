"""The local API's own behaviour: its request log, and the OpenAPI document and Swagger UI it serves
(local only, not in template.yaml)."""

from __future__ import annotations

import json
import re

import requests

from local import openapi
from local.server import LocalApi


def test_one_log_line_per_request_without_secrets(stack, github):
    lines: list[str] = []
    api = LocalApi(stack.template.functions, stack.runtime, 0, log=lines.append).start()
    token = "ghp_" + "L" * 36
    try:
        assert requests.get(f"{api.url}/developers", params={"token": token}, timeout=30).status_code == 200
        assert requests.get(f"{api.url}/nowhere", timeout=30).status_code == 404
    finally:
        api.stop()
    assert len(lines) == 2
    assert re.fullmatch(r"GET /developers DevelopersFunction 200 \d+\.\d ms", lines[0])
    assert re.fullmatch(r"GET /nowhere - 404 \d+\.\d ms", lines[1])
    assert token not in "".join(lines)


def test_openapi_and_swagger_ui_are_served(stack):
    api = LocalApi(stack.template.functions, stack.runtime, 0, pages=openapi.pages(), log=lambda line: None).start()
    try:
        document = requests.get(f"{api.url}/openapi.json", timeout=10)
        assert document.status_code == 200
        assert "/developers/{name}/events" in json.loads(document.text)["paths"]
        page = requests.get(f"{api.url}/docs", timeout=10)
        assert "swagger-ui-bundle.js" in page.text
        bundle = requests.get(f"{api.url}/docs/swagger-ui-bundle.js", timeout=10)
        assert bundle.status_code == 200
        assert len(bundle.content) > 100_000
    finally:
        api.stop()
