"""Trending snapshots in DynamoDB Local through the layer's models and store."""

from __future__ import annotations

import time
import zlib

import pytest

from local.dynamodb import DynamoDBLocal, create_tables
from local.template import load


@pytest.fixture(scope="module")
def store(dynamodb: DynamoDBLocal):
    template = load()
    create_tables(dynamodb.client(), template.tables, template.table_names())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb.endpoint)
        patch.setenv("AWS_ACCESS_KEY_ID", "local")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "local")
        from wegit import dynamodb as dynamodb_client
        from wegit.trending import store as trending_store

        dynamodb_client.client.cache_clear()  # a client another test made, for another endpoint, is not ours
        yield trending_store
        dynamodb_client.client.cache_clear()


# Keys of a language github.com does not have: the API never reads them, so the made-up rows written here never
# reach an e2e test that shares this DynamoDB Local (pytest-xdist runs files in any order).
NOT_A_LANGUAGE = "wegit-tests"


def test_round_trip(store):
    rows = [{"author": "a", "name": "b", "stars": 1_234}]
    assert store.snapshot_key("repositories", "daily", "c++", None) == "repositories#daily#c++#any"
    key = store.snapshot_key("repositories", "daily", NOT_A_LANGUAGE, None)
    written = store.put(key, rows, now=1_700_000_000.5)
    read = store.get(key)
    assert read == written
    assert read.rows == rows
    assert read.fetched_at == 1_700_000_000


def test_missing_snapshot_is_none(store):
    assert store.get("developers#monthly#cobol#any") is None


def test_item_is_compressed_and_expires_after_a_week(store, dynamodb):
    rows = [{"description": "x" * 200, "i": i} for i in range(50)]
    key = store.snapshot_key("repositories", "weekly", NOT_A_LANGUAGE, None)
    store.put(key, rows)
    item = dynamodb.client().get_item(TableName="TrendingTable", Key={"pk": {"S": key}})["Item"]
    raw = item["payload"]["B"]
    assert len(raw) < len(zlib.decompress(raw)) / 4
    expires = int(item["expiresAt"]["N"])
    assert abs(expires - (time.time() + store.KEEP_FOR.total_seconds())) < 60


def test_age(store):
    snapshot = store.put(store.snapshot_key("developers", "daily", NOT_A_LANGUAGE, None), [], now=1000.0)
    assert snapshot.age(now=1060.0) == 60.0
