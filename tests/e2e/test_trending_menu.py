"""A trending table the scheduled refresh has never filled still accepts every language github.com offers:
the layer ships github.com's whole language menu (wegit/trending/languages.json)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from local import trending_menu
from local.dynamodb import DynamoDBLocal, create_tables
from local.server import LocalApi
from local.stack import Stack

FRESH_TABLE = "NeverRefreshedTrendingTable"
TRENDING_FUNCTIONS = ("TrendingRepositoriesFunction", "TrendingDevelopersFunction", "TrendingLanguagesFunction")


def test_built_in_menu_is_the_newest_recorded_menu() -> None:
    page, menu = trending_menu.recorded_menu()
    assert len(menu) > 800
    assert trending_menu.MENU.read_text() == trending_menu.render(menu), (
        f"stale: run `.venv/bin/python -m local trending-menu` (menu of {page.name})"
    )


@pytest.fixture(scope="module")
def fresh(dynamodb: DynamoDBLocal, github_server: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The trending functions on an empty table of their own (an env-vars file points them at it)."""
    env_vars = tmp_path_factory.mktemp("fresh") / "env.json"
    env_vars.write_text(json.dumps({name: {"TRENDING_TABLE": FRESH_TABLE} for name in TRENDING_FUNCTIONS}))
    with Stack(dynamodb_endpoint=dynamodb.endpoint, github_fake=github_server, persist=False,
               env_vars=env_vars) as stack:  # fmt: skip
        assert stack.runtime is not None
        table = {FRESH_TABLE: stack.template.tables["TrendingTable"]}
        create_tables(dynamodb.client(), table, {FRESH_TABLE: FRESH_TABLE})  # empty: no snapshot, no menu
        api = LocalApi(stack.template.functions, stack.runtime, 0, log=lambda line: None).start()
        yield api.url
        api.stop()
    dynamodb.client().delete_table(TableName=FRESH_TABLE)


def test_a_never_refreshed_table_answers_a_rare_language(fresh: str) -> None:
    response = requests.get(f"{fresh}/trending-repositories", params={"language": "V"}, timeout=30)
    assert response.status_code == 200, response.text
    assert isinstance(response.json(), list)
    assert requests.get(f"{fresh}/trending-developers", params={"language": "elixir"}, timeout=30).status_code == 200


def test_a_never_refreshed_table_lists_the_whole_menu(fresh: str) -> None:
    languages = requests.get(f"{fresh}/trending-languages", params={"all": "true"}, timeout=30).json()
    assert languages == json.loads(trending_menu.MENU.read_text())
    assert {"name": "V", "slug": "v"} in languages
