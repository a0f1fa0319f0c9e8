"""The committed openapi.json is the one the functions' resolvers produce today."""

from __future__ import annotations

import json

from local import openapi
from local.template import load


def test_committed_document_is_current():
    assert openapi.DOCUMENT.read_text() == openapi.document(), "run `make openapi` and commit openapi.json"


def test_every_route_of_the_template_is_documented():
    paths = json.loads(openapi.DOCUMENT.read_text())["paths"]
    for spec in load().functions.values():
        for route in spec.routes:
            assert route.method.lower() in paths[route.path], route.route_key
