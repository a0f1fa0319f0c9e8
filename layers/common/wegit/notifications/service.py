"""What the subscription and notification routes do (the pipeline that sends messages is elsewhere in this package)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from wegit.accounts import sessions
from wegit.accounts import store as accounts
from wegit.accounts.service import iso
from wegit.accounts.sessions import Caller
from wegit.errors import BadCredentials, BadRequest, Forbidden, NotFound
from wegit.github import client as github
from wegit.github import projections
from wegit.github.client import Page
from wegit.github.credentials import Credential, caller, resolve, used
from wegit.notifications import sources, store
from wegit.notifications.store import Subscription
from wegit.observability import logger
from wegit.settings import get_settings

MAX_SUBSCRIPTIONS = 50
BIND_FIRST = "bind a GitHub token first: PUT /me/github-token"
PRIVATE = (
    "{repo} is not a public repository: releases are watched for public repositories only (one poll with the "
    "service's token serves every subscriber, and it cannot see a private repository)"
)
CLOSED = "this account is being deleted (DELETE /me): log in again with POST /sessions to start anew"
CANNOT_READ = (
    "the bound GitHub token cannot read notifications: GitHub's notifications API takes classic tokens with the "
    "notifications or repo scope only (fine-grained tokens cannot read them); bind one with PUT /me/github-token"
)


def shown(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": subscription.id,
        "kind": subscription.kind,
        "repo": subscription.repo,
        "all": subscription.include_all,
        "created_at": iso(subscription.created_at),
        "paused": subscription.paused,
        "paused_reason": subscription.paused_reason if subscription.paused else None,
        "pending": subscription.pending,
    }


@contextmanager
def _while_open(who: Caller) -> Iterator[dict[str, Any]]:
    """The check a write of the caller's goes with (the account exists, no DELETE /me under way); its failure a 401."""
    try:
        yield accounts.open_check(who.account_id)
    except store.AccountClosed:
        raise BadCredentials(CLOSED, "session_invalid") from None


def subscribe(who: Caller, kind: str, repo: str | None, include_all: bool) -> tuple[dict[str, Any], bool]:
    """A subscription of the caller's (True when created now; the same subscription twice is one)."""
    binding = sessions.bound_github_token(who)
    if kind == "releases":
        if not repo:
            raise BadRequest("invalid parameter repo: required for kind releases (owner/name)")
        owner, name = repo.split("/", 1)
        credential = Credential(binding.token, who.account_id, binding.bound_at) if binding else resolve(None)
        try:
            with used(credential) as bearer:
                repository = github.get_repository(owner, name, token=bearer)
        except NotFound:
            raise NotFound(f"no repository {repo} on GitHub") from None
        if repository.get("private") is True or repository.get("visibility") in ("private", "internal"):
            raise BadRequest(PRIVATE.format(repo=repo))
        include_all = False
    else:
        if binding is None:
            raise BadRequest(f"notifications are read with your own GitHub token: {BIND_FIRST}")
        _probe_notifications(Credential(binding.token, who.account_id, binding.bound_at))
        repo = None
    existing = store.get_subscription(who.account_id, store.subscription_id(kind, repo, include_all))
    if existing is not None:
        if existing.paused:  # subscribing again is how a paused subscription resumes (its reason said so)
            resumed = store.resume(existing, int(time.time()))
            logger.info("subscription resumed", extra={"kind": kind})
            return shown(resumed or existing), False
        return shown(existing), False
    if store.count_subscriptions(who.account_id) >= MAX_SUBSCRIPTIONS:
        raise BadRequest(f"at most {MAX_SUBSCRIPTIONS} subscriptions per user: delete one first")
    with _while_open(who) as account_open:
        subscription, created = store.add_subscription(
            who.account_id, kind, repo, include_all, int(time.time()), account_open
        )
    logger.info("subscribed", extra={"kind": kind, "new": created})
    return shown(subscription), created


def _probe_notifications(credential: Credential) -> None:
    """A token that cannot read notifications (fine-grained) would fail every poll: refused here, with why."""
    try:
        with used(credential) as bearer:
            sources.probe_notifications(str(bearer))
    except (Forbidden, NotFound):
        raise BadRequest(CANNOT_READ) from None


def subscriptions(who: Caller) -> list[dict[str, Any]]:
    return [shown(subscription) for subscription in store.list_subscriptions(who.account_id)]


def unsubscribe(who: Caller, sub_id: str) -> None:
    if store.delete_subscription(who.account_id, sub_id) is None:
        raise NotFound(f"no subscription {sub_id[:32]!r}")
    logger.info("unsubscribed")


def record_grants(who: Caller, template_id: str, count: int) -> dict[str, Any]:
    """The user accepted `count` one-time subscribe messages of a template (wx.requestSubscribeMessage)."""
    templates = get_settings().wechat_templates
    if template_id not in templates:
        raise BadRequest(
            f"invalid parameter templateId: not one of this mini-program's templates ({', '.join(templates)})"
        )
    with _while_open(who) as account_open:
        remaining = store.add_grants(who.account_id, template_id, count, account_open)
    logger.info("grants recorded", extra={"template": template_id, "count": count})
    return {"templateId": template_id, "remaining": remaining}


def _own(authorization: str | None) -> Credential:
    own = caller(authorization)
    if own is None:
        raise BadRequest(
            "missing Authorization: a session (Bearer wgs_...) with a bound GitHub token, or a GitHub token"
        )
    if own.token is None:
        raise BadRequest(f"no GitHub token is bound to this account: {BIND_FIRST}")
    return own


def notifications(authorization: str | None, page: int, everything: bool, participating: bool) -> Page:
    """The caller's GitHub notifications, projected to what a list shows."""
    with used(_own(authorization)) as bearer:
        found = github.notifications(page, everything=everything, participating=participating, token=str(bearer))
    return Page(projections.project(found.items, projections.NOTIFICATION), found.max_page)


def mark_read(authorization: str | None, thread_id: str) -> None:
    with used(_own(authorization)) as bearer:
        github.mark_thread_read(thread_id, token=str(bearer))
