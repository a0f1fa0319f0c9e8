"""The GitHub REST client: one function per call the API makes, on the shared session."""

from __future__ import annotations

import contextvars
import re
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import requests

from wegit.errors import NotFound, UpstreamBadResponse
from wegit.github import conditional  # noqa: F401 - GitHub reads revalidated through the shared cache
from wegit.http_session import read_body, require_requests_session
from wegit.settings import get_settings

JSON_MEDIA = "application/vnd.github+json"
RAW_MEDIA = "application/vnd.github.raw"
HTML_MEDIA = "application/vnd.github.html"
API_VERSION = "2022-11-28"
EVENTS_PER_PAGE = 30
SEARCH_PER_PAGE = 30
# A README longer than this is cut (the answer says so): two of them must fit Lambda's 6 MB answer as JSON.
MAX_README_BYTES = 1_000_000

_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="([^"]+)"')
_PAGE = re.compile(r"[?&]page=(\d+)")


@dataclass(frozen=True)
class Page:
    """One page of a paginated list and the `Max-Page` the client gets with it."""

    items: list[Any]
    max_page: int


def max_page(link_header: str | None) -> int:
    """`Max-Page` per the client contract: rel="last"'s page; else the highest page named + 1; 0 without Link."""
    if not link_header:
        return 0
    pages: dict[str, int] = {}
    for url, rel in _LINK.findall(link_header):
        found = _PAGE.search(url)
        if found:
            for name in rel.split():
                pages[name] = int(found.group(1))
    if "last" in pages:
        return pages["last"]
    return max(pages.values()) + 1 if pages else 0


def _headers(token: str | None, accept: str = JSON_MEDIA) -> dict[str, str]:
    headers = {"Accept": accept, "X-GitHub-Api-Version": API_VERSION}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _url(*segments: str) -> str:
    # Every segment is quoted whole, so no value can add a path segment, a query or a fragment.
    return get_settings().github_api_url + "/" + "/".join(quote(segment, safe="") for segment in segments)


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise UpstreamBadResponse("GitHub sent a response that is not JSON") from None


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UpstreamBadResponse(f"GitHub answered a {what} that is not an object")
    return value


def _objects(value: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise UpstreamBadResponse(f"GitHub answered {what} that are not a list of objects")
    return value


@require_requests_session
def get_user(login: str, *, token: str | None, requests_session: requests.Session) -> dict[str, Any]:
    return _object(_json(requests_session.get(_url("users", login), headers=_headers(token))), "user")


@require_requests_session
def get_authenticated_user(*, token: str, requests_session: requests.Session) -> dict[str, Any]:
    return _object(_json(requests_session.get(_url("user"), headers=_headers(token))), "user")


@require_requests_session
def received_events(login: str, page: int, *, token: str | None, requests_session: requests.Session) -> Page:
    response = requests_session.get(
        _url("users", login, "received_events"),
        params={"page": str(page), "per_page": str(EVENTS_PER_PAGE)},
        headers=_headers(token),
    )
    return Page(_objects(_json(response), "events"), max_page(response.headers.get("Link")))


@require_requests_session
def search_repositories(text: str, page: int, *, token: str | None, requests_session: requests.Session) -> Page:
    response = requests_session.get(
        _url("search", "repositories"),
        params={"q": text, "page": str(page), "per_page": str(SEARCH_PER_PAGE)},
        headers=_headers(token),
    )
    body = _object(_json(response), "search result")
    return Page(_objects(body.get("items"), "search items"), max_page(response.headers.get("Link")))


@require_requests_session
def get_repository(owner: str, name: str, *, token: str | None, requests_session: requests.Session) -> dict[str, Any]:
    return _object(_json(requests_session.get(_url("repos", owner, name), headers=_headers(token))), "repository")


@require_requests_session
def get_readme(
    owner: str, name: str, *, token: str | None, html: bool = False, requests_session: requests.Session
) -> tuple[str, bool]:
    """The README as markdown (raw media type: one download) or GitHub's HTML, and whether it was cut at
    MAX_README_BYTES (the rest is never downloaded); "" when there is none."""
    try:
        response = requests_session.get(
            _url("repos", owner, name, "readme"),
            headers=_headers(token, HTML_MEDIA if html else RAW_MEDIA),
            stream=True,
        )
    except NotFound:
        return "", False
    media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if not media.startswith(("application/vnd.github", "text/plain", "text/markdown", "application/octet-stream")):
        response.close()  # e.g. an HTML error page or JSON: not the README's text
        raise UpstreamBadResponse("GitHub answered the README with something that is not its text")
    body, cut = read_body(response, MAX_README_BYTES, cut=True)
    return body.decode(response.encoding or "utf-8", "replace"), cut


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    """Threads for concurrent GitHub calls, one pool per execution environment."""
    return ThreadPoolExecutor(max_workers=3, thread_name_prefix="github")


def _submit(function: Any, *args: Any, **kwargs: Any) -> Future[Any]:
    # In a copy of this context: the thread's calls keep the request's deadline and end with the request.
    return _pool().submit(contextvars.copy_context().run, function, *args, **kwargs)


def get_repository_with_readme(
    owner: str, name: str, *, token: str | None, readme_html: bool = False
) -> tuple[dict[str, Any], tuple[str, bool], tuple[str, bool] | None]:
    """The repository, its README markdown and (if asked) its HTML, fetched concurrently, one request each;
    the first failure is raised at once, without waiting for the other calls (the request's end stops them)."""
    calls = [_submit(get_repository, owner, name, token=token), _submit(get_readme, owner, name, token=token)]
    if readme_html:
        calls.append(_submit(get_readme, owner, name, token=token, html=True))
    done, _ = wait(calls, return_when=FIRST_EXCEPTION)
    for call in calls:  # the repository's failure first: it decides the status
        if call in done and call.exception() is not None:
            for other in calls:
                other.cancel()
            raise call.exception()  # type: ignore[misc]
    return calls[0].result(), calls[1].result(), calls[2].result() if readme_html else None


NOTIFICATIONS_PER_PAGE = 30


@require_requests_session
def notifications(
    page: int, *, everything: bool, participating: bool, token: str, requests_session: requests.Session
) -> Page:
    """The token user's notifications: unread only unless `everything`; only where they take part if asked."""
    response = requests_session.get(
        _url("notifications"),
        params={
            "page": str(page),
            "per_page": str(NOTIFICATIONS_PER_PAGE),
            "all": str(everything).lower(),
            "participating": str(participating).lower(),
        },
        headers=_headers(token),
    )
    return Page(_objects(_json(response), "notifications"), max_page(response.headers.get("Link")))


@require_requests_session
def mark_thread_read(thread_id: str, *, token: str, requests_session: requests.Session) -> None:
    """GitHub answers 205 Reset Content; an unknown thread is a 404."""
    requests_session.patch(_url("notifications", "threads", thread_id), headers=_headers(token))
