"""WeGit sessions, checked in one place for every route that takes `Authorization: Bearer wgs_...`.

A session token is `wgs_<account id>_<160 random bits in hex>`: the prefix keeps it from ever being taken for a
GitHub token, the account id finds its partition, and only its SHA-256 is stored. A session lives SESSION_DAYS
and is extended on use, at most once a day (one write), with DynamoDB's TTL removing it after expiry."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from wegit.accounts import crypto, store
from wegit.accounts.store import Account, Session
from wegit.errors import BadCredentials
from wegit.observability import logger

PREFIX = "wgs_"
SESSION_DAYS = 30
SESSION_SECONDS = SESSION_DAYS * 86400
EXTEND_EVERY = 86400
_TOKEN = re.compile(r"^wgs_(?P<account>[a-z2-7]{24})_(?P<secret>[0-9a-f]{40})$")
LOG_IN = "log in again with POST /sessions"
REBIND = "GitHub rejected the token bound to this account; bind a new one with PUT /me/github-token"


@dataclass(frozen=True)
class Caller:
    account: Account
    session: Session

    @property
    def account_id(self) -> str:
        return self.account.account_id


@dataclass(frozen=True)
class Binding:
    token: str
    bound_at: int


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mint(account_id: str) -> str:
    return f"{PREFIX}{account_id}_{secrets.token_hex(20)}"


def authenticate(token: str, now: float | None = None) -> Caller:
    """The account behind a session token; any problem with it is a 401 saying what to do."""
    found = _TOKEN.match(token)
    if found is None:
        raise BadCredentials(f"the session token is malformed: {LOG_IN}", "session_invalid")
    now_s = int(time.time() if now is None else now)
    account, session = store.load(found["account"], token_hash(token))
    if account is None or session is None:
        raise BadCredentials(f"unknown or revoked session: {LOG_IN}", "session_invalid")
    if session.expires_at <= now_s:
        raise BadCredentials(f"the session expired: {LOG_IN}", "session_expired")
    if now_s - session.extended_at >= EXTEND_EVERY:
        store.extend_session(session, now_s, now_s + SESSION_SECONDS)
    return Caller(account, session)


def bound_github_token(caller: Caller) -> Binding | None:
    """The GitHub token bound to the caller's account; None without one; a 401 if GitHub rejected it."""
    account = caller.account
    if account.github_token is None or account.github_bound_at is None:
        return None
    if not account.github_token_valid:
        raise BadCredentials(REBIND)
    return Binding(crypto.decrypt(account.account_id, account.github_token), account.github_bound_at)


def binding_rejected(account_id: str, bound_at: int) -> None:
    if store.mark_invalid(account_id, bound_at):
        logger.warning("bound GitHub token rejected by GitHub; binding marked invalid")
