"""Which GitHub token a call uses: the caller's own (raw, `token X` or `Bearer X`, what the published client
sends), the one bound to the caller's WeGit session (`Bearer wgs_...`), else a service token from the pool,
else none (anonymous). Only a session needs the accounts table: a raw token costs no AWS SDK import."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from wegit.errors import BadCredentials
from wegit.github.pool import TOKEN_SHAPE

SESSION_PREFIX = "wgs_"  # a WeGit session token; GitHub's own prefixes are gh*_ and github_pat_


@dataclass(frozen=True)
class Credential:
    token: str | None  # None: anonymous
    account_id: str | None = None  # the caller's account, when the call came with a session
    bound_at: int | None = None  # when the token (if it is the account's bound one) was bound


def checked_token(candidate: str, where: str) -> str:
    """The token if it looks like a GitHub token; a bad token is a 401, like one GitHub rejects."""
    if not TOKEN_SHAPE.match(candidate) or candidate.startswith(SESSION_PREFIX):
        raise BadCredentials(f"the {where} is not a GitHub token", "github_token_malformed")
    return candidate


def header_value(value: str | None) -> str | None:
    """The credential in an Authorization header: raw, `token X` or `Bearer X`; None when there is none."""
    if value is None or not value.strip():
        return None
    parts = value.strip().split()
    if len(parts) == 2 and parts[0].lower() in ("token", "bearer"):
        return parts[1]
    if len(parts) == 1:
        return parts[0]
    raise BadCredentials(
        "the Authorization header must be a token, `token <token>` or `Bearer <token>`", "github_token_malformed"
    )


def token_from_header(value: str | None) -> str | None:
    """A GitHub token from an Authorization header (checked), or None when the header is absent."""
    found = header_value(value)
    return checked_token(found, "Authorization header") if found else None


def caller(authorization: str | None) -> Credential | None:
    """The caller's own credential: a GitHub token, or a session with its bound token (token None if it has
    none); None when the call carries no Authorization header. An unknown or expired session is a 401."""
    found = header_value(authorization)
    if not found:
        return None
    if not found.startswith(SESSION_PREFIX):
        return Credential(checked_token(found, "Authorization header"))
    from wegit.accounts import sessions  # DynamoDB and KMS: only for calls that come with a session

    session = sessions.authenticate(found)
    binding = sessions.bound_github_token(session)
    if binding is None:
        return Credential(None, session.account_id)
    return Credential(binding.token, session.account_id, binding.bound_at)


def resolve(authorization: str | None, resource: str = "core") -> Credential:
    """The caller's credential, or a service token for `resource` ("core" or "search") when it brings none."""
    credential = caller(authorization)
    if credential is not None and credential.token is not None:
        return credential
    account = credential.account_id if credential else None
    return Credential(service_token(resource), account)


def service_token(resource: str = "core") -> str | None:
    from wegit.github.pool import get_pool

    return get_pool().choose(resource)


@contextmanager
def used(credential: Credential) -> Iterator[str | None]:
    """The credential's token for a GitHub call; GitHub rejecting an account's bound token marks it invalid."""
    try:
        yield credential.token
    except BadCredentials:
        if credential.bound_at is None or credential.account_id is None:
            raise
        from wegit.accounts import sessions

        sessions.binding_rejected(credential.account_id, credential.bound_at)
        raise BadCredentials(sessions.REBIND) from None
