"""What the account routes do: log in with WeChat, show and delete the account, bind a GitHub token."""

from __future__ import annotations

import base64
import hashlib
import time
from datetime import UTC, datetime
from typing import Any

from wegit.accounts import crypto, sessions, store
from wegit.accounts.sessions import Caller
from wegit.errors import BadCredentials, BadRequest
from wegit.github import client as github
from wegit.github.credentials import checked_token, header_value
from wegit.observability import logger
from wegit.wechat import client as wechat


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def account_id_for(openid: str) -> str:
    """A stable account id from the openid (which is never shown): 120 bits of its SHA-256 in base32."""
    digest = hashlib.sha256(b"wegit-account\0" + openid.encode()).digest()
    return base64.b32encode(digest[:15]).decode().lower()


def login(code: str) -> dict[str, str]:
    """Exchange a wx.login() code for a new WeGit session; the account is created on its first login."""
    who = wechat.code_to_session(code)
    now = int(time.time())
    account_id = account_id_for(who.openid)
    store.upsert_account(account_id, who.openid, who.unionid, now)
    token = sessions.mint(account_id)
    expires_at = now + sessions.SESSION_SECONDS
    store.put_session(account_id, sessions.token_hash(token), now, expires_at)
    logger.info("logged in", extra={"account": account_id})
    return {"token": token, "expiresAt": iso(expires_at)}


def current(authorization: str | None) -> Caller:
    """The caller of a route that requires a session (`Authorization: Bearer wgs_...`)."""
    found = header_value(authorization)
    if not found:
        raise BadCredentials(
            "this route needs `Authorization: Bearer <session token>` from POST /sessions", "session_required"
        )
    if not found.startswith(sessions.PREFIX):
        raise BadCredentials(
            "this route needs a WeGit session token (wgs_...) from POST /sessions, not a GitHub token",
            "session_required",
        )
    caller = sessions.authenticate(found)
    logger.append_keys(account=caller.account_id)
    return caller


def me(caller: Caller) -> dict[str, Any]:
    account = caller.account
    bound = account.github_token is not None
    return {
        "login": account.github_login if bound else None,
        "avatar_url": account.github_avatar_url or None if bound else None,
        "token_bound": bound,
        "token_valid": bound and account.github_token_valid,
        "created_at": iso(account.created_at),
        "last_seen_at": iso(account.last_seen_at),
    }


def bind_github_token(caller: Caller, token: str) -> dict[str, Any]:
    """Check the token with GitHub (`GET /user`), then keep it encrypted for this account."""
    try:
        checked = checked_token(token.strip(), "token")
        user = github.get_authenticated_user(token=checked)
    except BadCredentials:
        raise BadRequest("GitHub rejected this token") from None
    login = user.get("login")
    if not isinstance(login, str) or not login:
        raise BadRequest("GitHub did not say whose token this is")
    avatar = user.get("avatar_url") if isinstance(user.get("avatar_url"), str) else None
    from wegit.notifications import store as notifications

    ciphertext = crypto.encrypt(caller.account_id, checked)
    now = int(time.time())
    store.bind(caller.account_id, ciphertext, login, avatar, now)
    resumed = notifications.resume_after_binding(caller.account_id, now)  # paused for want of a valid token
    logger.info("GitHub token bound", extra={"subscriptions_resumed": resumed})
    return {"login": login, "avatar_url": avatar}


def unbind_github_token(caller: Caller) -> None:
    store.unbind(caller.account_id)
    logger.info("GitHub token unbound")


def delete_account(caller: Caller) -> None:
    """Everything the service holds about the caller, in every table: subscriptions, grants, deliveries and
    cursors, the shares it made (and their codes, unless another account made them too) first, then the account,
    its sessions and its token (so a failure halfway can be retried). The account is marked closing first: a
    subscription or grant written meanwhile is refused, or written before the sweep that removes it."""
    from wegit.notifications import store as notifications
    from wegit.share import service as shares

    store.close(caller.account_id, int(time.time()))
    deleted = notifications.delete_account(caller.account_id)
    deleted += shares.delete_account(caller.account_id)
    deleted += store.delete_account(caller.account_id)
    logger.info("account deleted", extra={"items": deleted})
