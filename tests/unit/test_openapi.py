"""The committed openapi.json and wegit/contract.json are the ones the functions' routes produce today."""

from __future__ import annotations

import json

from local import openapi
from local.template import load


def test_committed_document_and_contract_are_current():
    document = openapi.document()
    assert openapi.DOCUMENT.read_text() == document, "run `make openapi` and commit openapi.json"
    assert openapi.CONTRACT.read_text() == openapi.contract(document), "run `make openapi`, commit contract.json"


def test_every_route_of_the_template_is_documented():
    paths = json.loads(openapi.DOCUMENT.read_text())["paths"]
    for spec in load().functions.values():
        for route in spec.routes:
            assert route.method.lower() in paths[route.path], route.route_key
