"""Data access for accounts and sessions: the only place that knows how they are stored.

One partition per account holds its profile (sk PROFILE) and its sessions (sk SESSION#<sha256 of the token>),
so a request reads its session and account in one BatchGetItem and `DELETE /me` finds everything with one
Query. Low-level calls on wegit.aws's client with hand-written expressions: PynamoDB would import botocore
into every account route's cold start. The item layout (attribute names and types) is the one
wegit.accounts.models declares for PynamoDB, which the notifications pipeline and the tests still use."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from wegit import dynamodb
from wegit.aws import AwsError
from wegit.settings import get_settings

PROFILE = "PROFILE"
SESSION_PREFIX = "SESSION#"
CONDITION_FAILED = dynamodb.CONDITION_FAILED
Item = dynamodb.Item


@dataclass(frozen=True)
class Account:
    account_id: str
    openid: str
    created_at: int
    last_seen_at: int
    github_login: str | None = None
    github_avatar_url: str | None = None
    github_token: bytes | None = None  # KMS ciphertext
    github_token_valid: bool = False
    github_bound_at: int | None = None


@dataclass(frozen=True)
class Session:
    account_id: str
    token_hash: str
    expires_at: int
    extended_at: int


def _table() -> str:
    return get_settings().accounts_table


def _key(account_id: str, sk: str) -> Item:
    return {"accountId": {"S": account_id}, "sk": {"S": sk}}


_number, _string = dynamodb.number, dynamodb.string


def _account(item: Item) -> Account:
    token = item.get("githubToken", {}).get("B")
    bound_at = _number(item, "githubBoundAt")
    return Account(
        account_id=str(item["accountId"]["S"]),
        openid=_string(item, "openid") or "",
        created_at=_number(item, "createdAt") or 0,
        last_seen_at=_number(item, "lastSeenAt") or 0,
        github_login=_string(item, "githubLogin"),
        github_avatar_url=_string(item, "githubAvatarUrl"),
        github_token=bytes(token) if token else None,
        github_token_valid=bool(item.get("githubTokenValid", {}).get("BOOL")),
        github_bound_at=bound_at,
    )


def _update(
    account_id: str,
    sk: str,
    expression: str,
    values: Mapping[str, Any] | None = None,
    condition: str | None = None,
    **extra: Any,
) -> Item:
    """One UpdateItem of an account's item (`#name` in the expressions is the attribute `name`)."""
    return dynamodb.update(_table(), _key(account_id, sk), expression, values, condition, **extra)


def upsert_account(account_id: str, openid: str, unionid: str | None, now: int) -> Account:
    """Create the account on its first login, or note that it was seen; one conditional-free UpdateItem."""
    expression = "SET #openid = :openid, #createdAt = if_not_exists(#createdAt, :now), #lastSeenAt = :now"
    values: Item = {":openid": {"S": openid}, ":now": {"N": str(now)}}
    if unionid:
        expression += ", #unionid = :unionid"
        values[":unionid"] = {"S": unionid}
    answer = _update(account_id, PROFILE, expression, values, ReturnValues="ALL_NEW")
    return _account(answer["Attributes"])


def put_session(account_id: str, token_hash: str, now: int, expires_at: int) -> None:
    item = {
        **_key(account_id, SESSION_PREFIX + token_hash),
        "extendedAt": {"N": str(now)},
        "expiresAt": {"N": str(expires_at)},  # the table's TTL attribute
    }
    dynamodb.client().put_item(
        TableName=_table(), Item=item, ConditionExpression="attribute_not_exists(#sk)",
        ExpressionAttributeNames={"#sk": "sk"},
    )  # fmt: skip


def load(account_id: str, token_hash: str) -> tuple[Account | None, Session | None]:
    """The account and one of its sessions, in one BatchGetItem."""
    account: Account | None = None
    session: Session | None = None
    keys = [_key(account_id, PROFILE), _key(account_id, SESSION_PREFIX + token_hash)]
    for item in _batch_get(keys):
        if item["sk"]["S"] == PROFILE:
            account = _account(item)
        else:
            session = Session(account_id, token_hash, _number(item, "expiresAt") or 0, _number(item, "extendedAt") or 0)
    return account, session


def _batch_get(keys: list[Item]) -> Iterator[Item]:
    """The items of `keys` that exist; the keys DynamoDB left unprocessed (throttling) are asked again."""
    table, request = _table(), {"Keys": keys}
    for round_ in range(dynamodb.UNPROCESSED_ROUNDS):
        answer = dynamodb.client().batch_get_item(RequestItems={table: request})
        yield from answer.get("Responses", {}).get(table, [])
        request = answer.get("UnprocessedKeys", {}).get(table, {})
        if not request.get("Keys"):
            return
        time.sleep(0.05 * 2**round_)
    raise AwsError("ProvisionedThroughputExceededException", "keys left unprocessed", 400)


def get_account(account_id: str, *, consistent: bool = False) -> Account | None:
    item = (
        dynamodb.client()
        .get_item(TableName=_table(), Key=_key(account_id, PROFILE), ConsistentRead=consistent)
        .get("Item")
    )
    return _account(item) if item else None


def extend_session(session: Session, now: int, expires_at: int) -> None:
    """Move a session's expiry; also the account's last-seen time (both at most once a day per session)."""
    try:
        _update(
            session.account_id,
            SESSION_PREFIX + session.token_hash,
            "SET #extendedAt = :now, #expiresAt = :expires",
            {":now": {"N": str(now)}, ":expires": {"N": str(expires_at)}, ":seen": {"N": str(session.extended_at)}},
            "#extendedAt = :seen",  # another request extended it already
        )
        _update(session.account_id, PROFILE, "SET #lastSeenAt = :now", {":now": {"N": str(now)}},
                "attribute_exists(#sk)")  # fmt: skip
    except AwsError as exc:
        if exc.code != CONDITION_FAILED:
            raise


def bind(account_id: str, ciphertext: bytes, login: str, avatar_url: str | None, now: int) -> None:
    _update(
        account_id,
        PROFILE,
        "SET #githubToken = :token, #githubLogin = :login, #githubAvatarUrl = :avatar,"
        " #githubTokenValid = :valid, #githubBoundAt = :now",
        {
            ":token": {"B": ciphertext},
            ":login": {"S": login},
            ":avatar": {"S": avatar_url or ""},
            ":valid": {"BOOL": True},
            ":now": {"N": str(now)},
        },
        "attribute_exists(#sk)",  # a deleted account stays deleted
    )


def unbind(account_id: str) -> None:
    _update(
        account_id,
        PROFILE,
        "REMOVE #githubToken, #githubLogin, #githubAvatarUrl, #githubTokenValid, #githubBoundAt",
        condition="attribute_exists(#sk)",
    )


def mark_invalid(account_id: str, bound_at: int) -> bool:
    """Mark the binding GitHub rejected, unless the user bound another token since (True if marked)."""
    try:
        _update(account_id, PROFILE, "SET #githubTokenValid = :invalid",
                {":invalid": {"BOOL": False}, ":bound": {"N": str(bound_at)}}, "#githubBoundAt = :bound")  # fmt: skip
    except AwsError as exc:
        if exc.code == CONDITION_FAILED:
            return False
        raise
    return True


def close(account_id: str, now: int) -> None:
    """DELETE /me has begun: from now on no other table takes a new item of the account (`open_check`), while
    its sessions still work, so a deletion that failed halfway can be retried."""
    try:
        _update(account_id, PROFILE, "SET #closingAt = if_not_exists(#closingAt, :now)", {":now": {"N": str(now)}},
                "attribute_exists(#sk)")  # fmt: skip
    except AwsError as exc:
        if exc.code != CONDITION_FAILED:  # no profile: deleted already (a retry)
            raise


def open_check(account_id: str) -> Item:
    """The ConditionCheck, for another table's TransactWriteItems, that the account exists and no DELETE /me has
    begun: what it writes with it cannot outlive the account."""
    return {
        "ConditionCheck": {
            "TableName": _table(),
            "Key": _key(account_id, PROFILE),
            "ConditionExpression": "attribute_exists(#sk) AND attribute_not_exists(#closingAt)",
            "ExpressionAttributeNames": {"#sk": "sk", "#closingAt": "closingAt"},
        }
    }


def delete_account(account_id: str) -> int:
    """Every item of the account (profile and sessions); returns how many were deleted."""
    keys: list[Item] = []
    query: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "#accountId = :id",
        "ProjectionExpression": "#accountId, #sk",
        "ExpressionAttributeNames": {"#accountId": "accountId", "#sk": "sk"},
        "ExpressionAttributeValues": {":id": {"S": account_id}},
    }
    while True:
        page = dynamodb.client().query(**query)
        keys += [_key(account_id, item["sk"]["S"]) for item in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            break
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    dynamodb.batch_delete(_table(), keys)
    return len(keys)
