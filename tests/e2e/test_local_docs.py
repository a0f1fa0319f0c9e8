"""The local API serves the merged OpenAPI document and Swagger UI (local only, not in template.yaml)."""

from __future__ import annotations

import json

from local import openapi
from local.server import LocalApi


def test_openapi_and_swagger_ui_are_served(stack):
    api = LocalApi(stack.template.functions, stack.runtime, 0, pages=openapi.pages(), log=lambda line: None).start()
    try:
        import requests

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
