"""The accounts store on DynamoDB Local: its hand-written expressions keep the item layout of the PynamoDB model
(wegit.accounts.models), so items either side wrote are read by the other, and conditions still tell a
conflict apart."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest

from local.dynamodb import DynamoDBLocal, create_tables
from local.template import load
from wegit import dynamodb as dynamodb_client
from wegit.settings import get_settings

_ids = itertools.count()
NOW = 1_800_000_000
CIPHERTEXT = bytes(range(256))


@pytest.fixture(scope="module")
def accounts(dynamodb: DynamoDBLocal) -> Any:
    template = load()
    create_tables(dynamodb.client(), template.tables, template.table_names())
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ENDPOINT_URL_DYNAMODB": dynamodb.endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_REGION": "us-east-1",
            "ACCOUNTS_TABLE": "AccountsTable",
        }.items():
            patch.setenv(name, value)
        get_settings.cache_clear()
        dynamodb_client.client.cache_clear()
        from wegit.accounts import store

        yield store
    get_settings.cache_clear()
    dynamodb_client.client.cache_clear()


def new_id() -> str:
    return f"storetest{time.time_ns()}x{next(_ids)}"


def test_what_the_store_writes_the_model_reads(accounts):
    from wegit.accounts.models import PROFILE, SESSION_PREFIX, AccountItem

    account_id = new_id()
    created = accounts.upsert_account(account_id, "openid-1", "union-1", NOW)
    assert (created.openid, created.created_at, created.last_seen_at) == ("openid-1", NOW, NOW)
    again = accounts.upsert_account(account_id, "openid-1", None, NOW + 60)
    assert (again.created_at, again.last_seen_at) == (NOW, NOW + 60)  # created once, seen since
    accounts.bind(account_id, CIPHERTEXT, "octocat", None, NOW + 120)
    accounts.put_session(account_id, "h" * 64, NOW, NOW + 86400)

    item = AccountItem.get(account_id, PROFILE, consistent_read=True)
    assert (item.openid, item.unionid, item.createdAt, item.lastSeenAt) == ("openid-1", "union-1", NOW, NOW + 60)
    assert (item.githubLogin, item.githubAvatarUrl, item.githubTokenValid) == ("octocat", "", True)
    assert bytes(item.githubToken) == CIPHERTEXT
    assert item.githubBoundAt == NOW + 120
    session = AccountItem.get(account_id, SESSION_PREFIX + "h" * 64, consistent_read=True)
    assert session.extendedAt == NOW
    assert int(session.expiresAt.timestamp()) == NOW + 86400  # the TTL attribute, epoch seconds


def test_what_the_model_writes_the_store_reads(accounts):
    from datetime import UTC, datetime

    from wegit.accounts.models import PROFILE, SESSION_PREFIX, AccountItem

    account_id = new_id()
    AccountItem(account_id, PROFILE, openid="o", createdAt=NOW, lastSeenAt=NOW, githubLogin="octocat",
                githubAvatarUrl="https://a", githubToken=CIPHERTEXT, githubTokenValid=True,
                githubBoundAt=NOW).save()  # fmt: skip
    expires = datetime.fromtimestamp(NOW + 30, tz=UTC)
    AccountItem(account_id, SESSION_PREFIX + "s" * 64, extendedAt=NOW, expiresAt=expires).save()
    account, session = accounts.load(account_id, "s" * 64)
    assert account == accounts.Account(account_id, "o", NOW, NOW, "octocat", "https://a", CIPHERTEXT, True, NOW)
    assert session == accounts.Session(account_id, "s" * 64, NOW + 30, NOW)
    assert accounts.get_account(account_id) == account
    assert accounts.load(account_id, "x" * 64) == (account, None)
    assert accounts.load(new_id(), "s" * 64) == (None, None)
    assert accounts.get_account(new_id()) is None


def test_conditions_tell_a_conflict_apart(accounts):
    from wegit.aws import AwsError

    account_id = new_id()
    accounts.upsert_account(account_id, "o", None, NOW)
    accounts.bind(account_id, b"one", "octocat", "https://a", NOW)
    assert accounts.mark_invalid(account_id, NOW - 1) is False  # another token was bound since
    assert accounts.get_account(account_id).github_token_valid is True
    assert accounts.mark_invalid(account_id, NOW) is True
    assert accounts.get_account(account_id).github_token_valid is False

    accounts.put_session(account_id, "t" * 64, NOW, NOW + 100)
    with pytest.raises(AwsError) as twice:
        accounts.put_session(account_id, "t" * 64, NOW, NOW + 100)
    assert twice.value.code == "ConditionalCheckFailedException"
    _, session = accounts.load(account_id, "t" * 64)
    accounts.extend_session(session, NOW + 10, NOW + 200)
    accounts.extend_session(session, NOW + 20, NOW + 300)  # extended by another request already: a no-op
    _, extended = accounts.load(account_id, "t" * 64)
    assert (extended.extended_at, extended.expires_at) == (NOW + 10, NOW + 200)
    assert accounts.get_account(account_id).last_seen_at == NOW + 10

    accounts.unbind(account_id)
    unbound = accounts.get_account(account_id)
    assert (unbound.github_token, unbound.github_login, unbound.github_bound_at) == (None, None, None)
    assert accounts.delete_account(account_id) == 2  # the profile and its session
    assert accounts.load(account_id, "t" * 64) == (None, None)
    with pytest.raises(AwsError) as gone:  # a deleted account stays deleted
        accounts.bind(account_id, b"two", "octocat", None, NOW)
    assert gone.value.code == "ConditionalCheckFailedException"


def test_deleting_an_account_pages_through_its_items(accounts):
    account_id = new_id()
    accounts.upsert_account(account_id, "o", None, NOW)
    for number in range(60):  # more than two BatchWriteItem calls
        accounts.put_session(account_id, f"{number:064d}", NOW, NOW + 100)
    assert accounts.delete_account(account_id) == 61
    assert accounts.delete_account(account_id) == 0
