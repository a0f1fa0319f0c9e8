"""The two GitHub calls the pipeline makes, both conditional: a 304 costs no rate limit and carries no body; and the
probe a notifications subscription starts with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from wegit.errors import NotFound
from wegit.github.client import _headers, _json, _objects, _url
from wegit.http_session import require_requests_session

NOTIFICATIONS_PER_PAGE = 50  # the newest page is enough: more than this many new items are summarised anyway


@dataclass(frozen=True)
class Answer:
    """GitHub's answer to a conditional request: `body` is None when nothing changed (304) or there is nothing."""

    body: Any
    etag: str | None
    last_modified: str | None
    poll_interval: int | None

    @property
    def not_modified(self) -> bool:
        return self.body is None


def _conditional(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _answer(response: requests.Response, body: Any, etag: str | None, last_modified: str | None) -> Answer:
    interval = response.headers.get("X-Poll-Interval", "")
    return Answer(
        body=body,
        etag=response.headers.get("ETag") or etag,
        last_modified=response.headers.get("Last-Modified") or last_modified,
        poll_interval=int(interval) if interval.isdigit() else None,
    )


@require_requests_session
def notifications(
    token: str,
    include_all: bool,
    etag: str | None,
    last_modified: str | None,
    *,
    requests_session: requests.Session,
) -> Answer:
    """The user's notifications (participating only unless `include_all`), newest first, if they changed."""
    response = requests_session.get(
        _url("notifications"),
        params={"participating": "false" if include_all else "true", "per_page": str(NOTIFICATIONS_PER_PAGE)},
        headers={**_headers(token), **_conditional(etag, last_modified)},
    )
    body = None if response.status_code == 304 else _objects(_json(response), "notifications")
    return _answer(response, body, etag, last_modified)


@require_requests_session
def probe_notifications(token: str, *, requests_session: requests.Session) -> None:
    """Whether the token may read the user's notifications: one item at most is asked for. GitHub's notifications
    API takes classic tokens with the `notifications` or `repo` scope only: a fine-grained token is refused (403,
    `Forbidden`; 404, `NotFound`, for some), a revoked one rejected (401, `BadCredentials`)."""
    requests_session.get(_url("notifications"), params={"per_page": "1"}, headers=_headers(token))


@require_requests_session
def latest_release(repo: str, token: str | None, etag: str | None, *, requests_session: requests.Session) -> Answer:
    """A repository's latest release if it changed; body {} when the repository has none."""
    owner, _, name = repo.partition("/")
    try:
        response = requests_session.get(
            _url("repos", owner, name, "releases", "latest"), headers={**_headers(token), **_conditional(etag, None)}
        )
    except NotFound:
        return Answer(body={}, etag=None, last_modified=None, poll_interval=None)
    body = None if response.status_code == 304 else _json(response)
    if body is not None and not isinstance(body, dict):
        body = {}
    return _answer(response, body, etag, None)
