"""The service token pool on DynamoDB Local: picks by rate limit left, shares counts between execution
environments (two pools with their own memory stand for two containers), anonymous only when all are spent."""

from __future__ import annotations

import itertools

import pytest

from local.dynamodb import DynamoDBLocal, create_tables
from local.template import load
from wegit.aws import DynamoDB
from wegit.github import pool as pool_module
from wegit.github.pool import TokenPool

FIRST = "ghs_" + "1" * 36
SECOND = "ghs_" + "2" * 36
NOW = 1_800_000_000
_tables = itertools.count()


@pytest.fixture
def table(dynamodb: DynamoDBLocal, monkeypatch):
    """A fresh copy of the template's RateLimitsTable per test, so counts never leak between tests."""
    template = load()
    name = f"RateLimitsTable{next(_tables)}"
    create_tables(dynamodb.client(), {"RateLimitsTable": template.tables["RateLimitsTable"]}, {"RateLimitsTable": name})
    monkeypatch.setattr(pool_module, "SYNC_EVERY", 0.0)  # every choice reads the shared counts
    client = DynamoDB(endpoint=dynamodb.endpoint)  # the layer's own client, signed with the test's credentials
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    return name, lambda: client


def environment(table, clock=lambda: NOW):
    name, client = table
    return TokenPool([FIRST, SECOND], name, client=client, clock=clock)


def headers(remaining, reset=NOW + 3600, resource="core"):
    return {"X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": str(reset), "X-RateLimit-Resource": resource}


def test_one_exhausted_the_other_is_used(table):
    pool = environment(table)
    pool.observe(FIRST, headers(0))
    assert pool.choose() == SECOND


def test_the_token_with_most_left_is_chosen(table):
    pool = environment(table)
    pool.observe(FIRST, headers(100))
    pool.observe(SECOND, headers(4000))
    assert pool.choose() == SECOND


def test_both_exhausted_is_anonymous_until_a_reset(table):
    clock = [NOW]
    pool = environment(table, clock=lambda: clock[0])
    pool.observe(FIRST, headers(0, reset=NOW + 60))
    pool.observe(SECOND, headers(0, reset=NOW + 600))
    assert pool.choose() is None
    clock[0] = NOW + 61  # the first token's window reset: it is full again
    assert pool.choose() == FIRST


def test_resources_are_counted_apart(table):
    pool = environment(table)
    pool.observe(FIRST, headers(0, resource="search"))
    pool.observe(SECOND, headers(0, resource="search"))
    assert pool.choose("search") is None
    assert pool.choose("core") in (FIRST, SECOND)


def test_two_execution_environments_share_the_counts(table):
    one, two = environment(table), environment(table)
    one.observe(FIRST, headers(0))
    assert two.choose() == SECOND  # learnt from the table, not from its own calls
    one.observe(SECOND, headers(0))
    assert two.choose() is None


def test_counts_only_go_down_within_a_window(table, monkeypatch):
    monkeypatch.setattr(pool_module, "WRITE_EVERY", 0.0)
    name, client = table
    one, two = environment(table), environment(table)
    one.observe(FIRST, headers(10))
    two.observe(FIRST, headers(50))  # an older answer written later must not raise the shared count
    item = client().get_item(TableName=name, Key={"pk": {"S": f"{pool_module.fingerprint(FIRST)}#core"}})["Item"]
    assert item["remaining"]["N"] == "10"
    two.observe(FIRST, headers(4999, reset=NOW + 7200))  # a new window replaces it
    item = client().get_item(TableName=name, Key={"pk": {"S": f"{pool_module.fingerprint(FIRST)}#core"}})["Item"]
    assert (item["remaining"]["N"], item["reset"]["N"]) == ("4999", str(NOW + 7200))


def test_writes_are_rate_limited_per_token(table, monkeypatch):
    writes = []
    pool = environment(table)
    monkeypatch.setattr(pool, "_write", lambda *args: writes.append(args))
    for remaining in range(100, 90, -1):
        pool.observe(FIRST, headers(remaining))
    assert len(writes) == 1  # the first answer; the rest within WRITE_EVERY stay in memory
    pool.observe(FIRST, headers(0))
    assert len(writes) == 2  # running out is shared at once


def test_the_table_never_holds_a_token(table):
    name, client = table
    pool = environment(table)
    pool.observe(FIRST, headers(1))
    pool.observe(SECOND, headers(2))
    dumped = repr(client().call("Scan", {"TableName": name})["Items"])
    assert FIRST not in dumped and SECOND not in dumped and "1" * 20 not in dumped


def test_without_a_table_the_pool_works_per_container():
    pool = TokenPool([FIRST, SECOND], "", clock=lambda: NOW)
    pool.observe(FIRST, headers(0))
    assert pool.choose() == SECOND
