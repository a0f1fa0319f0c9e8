"""Data access for accounts and sessions: the only place that knows how they are stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from wegit.accounts.models import PROFILE, SESSION_PREFIX, AccountItem


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


def _account(item: AccountItem) -> Account:
    return Account(
        account_id=item.accountId,
        openid=item.openid or "",
        created_at=int(item.createdAt or 0),
        last_seen_at=int(item.lastSeenAt or 0),
        github_login=item.githubLogin,
        github_avatar_url=item.githubAvatarUrl,
        github_token=bytes(item.githubToken) if item.githubToken else None,
        github_token_valid=bool(item.githubTokenValid),
        github_bound_at=int(item.githubBoundAt) if item.githubBoundAt is not None else None,
    )


def _epoch(value: datetime | None) -> int:
    return int(value.timestamp()) if value else 0


def upsert_account(account_id: str, openid: str, unionid: str | None, now: int) -> Account:
    """Create the account on its first login, or note that it was seen; one conditional-free UpdateItem."""
    item = AccountItem(account_id, PROFILE)
    actions: list[Action] = [
        AccountItem.openid.set(openid),
        AccountItem.createdAt.set(AccountItem.createdAt | now),  # if_not_exists: kept from the first login
        AccountItem.lastSeenAt.set(now),
    ]
    if unionid:
        actions.append(AccountItem.unionid.set(unionid))
    item.update(actions=actions)
    return _account(item)


def put_session(account_id: str, token_hash: str, now: int, expires_at: int) -> None:
    AccountItem(
        account_id,
        SESSION_PREFIX + token_hash,
        extendedAt=now,
        expiresAt=datetime.fromtimestamp(expires_at, tz=UTC),
    ).save(condition=AccountItem.sk.does_not_exist())


def load(account_id: str, token_hash: str) -> tuple[Account | None, Session | None]:
    """The account and one of its sessions, in one BatchGetItem."""
    account: Account | None = None
    session: Session | None = None
    for item in AccountItem.batch_get([(account_id, PROFILE), (account_id, SESSION_PREFIX + token_hash)]):
        if item.sk == PROFILE:
            account = _account(item)
        else:
            session = Session(account_id, token_hash, _epoch(item.expiresAt), int(item.extendedAt or 0))
    return account, session


def get_account(account_id: str) -> Account | None:
    try:
        return _account(AccountItem.get(account_id, PROFILE))
    except AccountItem.DoesNotExist:
        return None


def extend_session(session: Session, now: int, expires_at: int) -> None:
    """Move a session's expiry; also the account's last-seen time (both at most once a day per session)."""
    try:
        AccountItem(session.account_id, SESSION_PREFIX + session.token_hash).update(
            actions=[
                AccountItem.extendedAt.set(now),
                AccountItem.expiresAt.set(datetime.fromtimestamp(expires_at, UTC)),
            ],
            condition=AccountItem.extendedAt == session.extended_at,  # another request extended it already
        )
        AccountItem(session.account_id, PROFILE).update(
            actions=[AccountItem.lastSeenAt.set(now)], condition=AccountItem.sk.exists()
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def bind(account_id: str, ciphertext: bytes, login: str, avatar_url: str | None, now: int) -> None:
    AccountItem(account_id, PROFILE).update(
        actions=[
            AccountItem.githubToken.set(ciphertext),
            AccountItem.githubLogin.set(login),
            AccountItem.githubAvatarUrl.set(avatar_url or ""),
            AccountItem.githubTokenValid.set(True),
            AccountItem.githubBoundAt.set(now),
        ],
        condition=AccountItem.sk.exists(),  # a deleted account stays deleted
    )


def unbind(account_id: str) -> None:
    AccountItem(account_id, PROFILE).update(
        actions=[
            AccountItem.githubToken.remove(),
            AccountItem.githubLogin.remove(),
            AccountItem.githubAvatarUrl.remove(),
            AccountItem.githubTokenValid.remove(),
            AccountItem.githubBoundAt.remove(),
        ],
        condition=AccountItem.sk.exists(),
    )


def mark_invalid(account_id: str, bound_at: int) -> bool:
    """Mark the binding GitHub rejected, unless the user bound another token since (True if marked)."""
    try:
        AccountItem(account_id, PROFILE).update(
            actions=[AccountItem.githubTokenValid.set(False)], condition=AccountItem.githubBoundAt == bound_at
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def delete_account(account_id: str) -> int:
    """Every item of the account (profile and sessions); returns how many were deleted."""
    keys = [item.sk for item in AccountItem.query(account_id, attributes_to_get=["accountId", "sk"])]
    with AccountItem.batch_write() as batch:
        for sk in keys:
            batch.delete(AccountItem(account_id, sk))
    return len(keys)
