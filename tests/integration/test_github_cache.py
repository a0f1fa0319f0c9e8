"""Conditional requests through the shared cache table on DynamoDB Local, against the loopback GitHub fake."""

from __future__ import annotations

from typing import Any

import pytest

from local.dynamodb import DynamoDBLocal, create_tables
from local.template import load
from wegit import deadline
from wegit import dynamodb as dynamodb_client
from wegit.github import client, conditional, pool
from wegit.http_session import get_session
from wegit.settings import get_settings

SERVICE, CALLER = "ghs_" + "s" * 36, "ghp_" + "c" * 36


@pytest.fixture
def cache(dynamodb: DynamoDBLocal, github, monkeypatch):
    template = load()
    create_tables(dynamodb.client(), template.tables, template.table_names())
    for name, value in {
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb.endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": "us-east-1",
        "GITHUB_CACHE_TABLE": "GitHubCacheTable",
        "GITHUB_API_URL": github.api_url,
        "GITHUB_TOKEN": SERVICE,  # the service token, as the local stack passes it
    }.items():
        monkeypatch.setenv(name, value)
    for cached in (get_settings, get_session, dynamodb_client.client):
        cached.cache_clear()
    conditional._ready.clear()
    monkeypatch.setattr(conditional, "_loading", None)
    pool._pools.clear()
    pool.get_pool()  # the service tokens loaded, as credentials does before a call without a token of its own
    ddb = dynamodb.client()
    for item in ddb.scan(TableName="GitHubCacheTable", ProjectionExpression="pk")["Items"]:
        ddb.delete_item(TableName="GitHubCacheTable", Key={"pk": item["pk"]})  # what other tests' calls cached
    yield ddb
    pool._pools.clear()
    for cached in (get_settings, get_session, dynamodb_client.client):
        cached.cache_clear()
    conditional._ready.clear()


def statuses(github):
    return [(entry[0].headers.get("If-None-Match"), entry[1].status_code) for entry in github.server.log]


def test_a_repeated_public_read_of_unchanged_data_is_a_304(cache, github):
    first = client.get_user("sigmavirus24", token=SERVICE)
    assert conditional._loading is not None  # the SDK loads after the first answer, never before it
    conditional._loading.join(30)
    assert conditional._ready.is_set()
    client.get_user("sigmavirus24", token=SERVICE)  # stored
    again = client.get_user("sigmavirus24", token=SERVICE)  # revalidated
    assert again == first
    etag = github.recorded("user").headers["ETag"]
    assert statuses(github)[-1] == (etag, 304)
    # a caller's own token may see private data: never stored, never answered from the table
    for _ in range(2):
        assert client.get_user("sigmavirus24", token=CALLER) == first
        assert statuses(github)[-1] == (None, 200)
    assert cache.scan(TableName="GitHubCacheTable")["Count"] == 1


def test_a_missing_table_never_fails_a_read(cache, github, monkeypatch):
    monkeypatch.setenv("GITHUB_CACHE_TABLE", "NoSuchTable")
    client.get_user("sigmavirus24", token=SERVICE)
    assert conditional._loading is not None
    conditional._loading.join(30)
    for _ in range(2):
        assert client.get_user("sigmavirus24", token=SERVICE)["login"] == "sigmavirus24"


@pytest.fixture
def lookups(monkeypatch) -> list[str]:
    """The keys the cache looks up in the table from now on."""
    keys: list[str] = []
    lookup = conditional.ConditionalAdapter._lookup

    def counted(key: str) -> dict[str, Any] | None:
        keys.append(key)
        return lookup(key)

    monkeypatch.setattr(conditional.ConditionalAdapter, "_lookup", staticmethod(counted))
    return keys


def test_a_warm_environment_revalidates_from_memory_and_another_from_the_table(cache, github, lookups):
    client.get_user("sigmavirus24", token=SERVICE)
    assert conditional._loading is not None
    conditional._loading.join(30)
    client.get_user("sigmavirus24", token=SERVICE)  # stored in the table and kept in memory
    assert len(lookups) == 1  # the miss before it
    client.get_user("sigmavirus24", token=SERVICE)
    assert statuses(github)[-1][1] == 304 and len(lookups) == 1  # from memory: no table read
    get_session.cache_clear()  # another execution environment: its memory is empty, the table has the entry
    client.get_user("sigmavirus24", token=SERVICE)
    assert statuses(github)[-1][1] == 304 and len(lookups) == 2


def test_the_sdk_loads_after_the_invocation_answered(cache, github):
    context = type("Context", (), {"get_remaining_time_in_millis": lambda self: 30_000})()
    with deadline.invocation(context):
        client.get_user("sigmavirus24", token=SERVICE)
        assert conditional._loading is None  # the answer is still being built: no import beside it
    assert conditional._loading is not None
    conditional._loading.join(30)
    assert conditional._ready.is_set()


def test_a_read_without_a_validator_is_not_looked_up_again(cache, github, lookups):
    client.get_user("sigmavirus24", token=SERVICE)
    assert conditional._loading is not None
    conditional._loading.join(30)
    for _ in range(3):
        client.search_repositories("tetris", 1, token=SERVICE)
    assert "ETag" not in github.server.log[-1][1].headers  # GitHub's search answers carry no validator
    assert len(lookups) == 1
