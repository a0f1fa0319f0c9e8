"""The GitHub REST client: one function per call the API makes, on the shared session."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import requests

from wegit.errors import NotFound, UpstreamBadResponse
from wegit.http_session import require_requests_session
from wegit.settings import get_settings

JSON_MEDIA = "application/vnd.github+json"
RAW_MEDIA = "application/vnd.github.raw"
HTML_MEDIA = "application/vnd.github.html"
API_VERSION = "2022-11-28"
EVENTS_PER_PAGE = 30
SEARCH_PER_PAGE = 30

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


@require_requests_session
def get_user(login: str, *, token: str | None, requests_session: requests.Session) -> dict[str, Any]:
    return dict(_json(requests_session.get(_url("users", login), headers=_headers(token))))


@require_requests_session
def get_authenticated_user(*, token: str, requests_session: requests.Session) -> dict[str, Any]:
    return dict(_json(requests_session.get(_url("user"), headers=_headers(token))))


@require_requests_session
def received_events(login: str, page: int, *, token: str | None, requests_session: requests.Session) -> Page:
    response = requests_session.get(
        _url("users", login, "received_events"),
        params={"page": str(page), "per_page": str(EVENTS_PER_PAGE)},
        headers=_headers(token),
    )
    return Page(_list(_json(response)), max_page(response.headers.get("Link")))


@require_requests_session
def search_repositories(text: str, page: int, *, token: str | None, requests_session: requests.Session) -> Page:
    response = requests_session.get(
        _url("search", "repositories"),
        params={"q": text, "page": str(page), "per_page": str(SEARCH_PER_PAGE)},
        headers=_headers(token),
    )
    body = _json(response)
    if not isinstance(body, dict):
        raise UpstreamBadResponse("GitHub search answered without items")
    return Page(_list(body.get("items")), max_page(response.headers.get("Link")))


@require_requests_session
def get_repository(owner: str, name: str, *, token: str | None, requests_session: requests.Session) -> dict[str, Any]:
    body = _json(requests_session.get(_url("repos", owner, name), headers=_headers(token)))
    if not isinstance(body, dict):
        raise UpstreamBadResponse("GitHub answered a repository that is not an object")
    return body


@require_requests_session
def get_readme(
    owner: str, name: str, *, token: str | None, html: bool = False, requests_session: requests.Session
) -> str:
    """The README as markdown (raw media type: one download) or GitHub's HTML; "" when there is none."""
    try:
        response = requests_session.get(
            _url("repos", owner, name, "readme"), headers=_headers(token, HTML_MEDIA if html else RAW_MEDIA)
        )
    except NotFound:
        return ""
    response.encoding = response.encoding or "utf-8"
    return response.text


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    """Threads for concurrent GitHub calls, one pool per execution environment."""
    return ThreadPoolExecutor(max_workers=3, thread_name_prefix="github")


def get_repository_with_readme(
    owner: str, name: str, *, token: str | None, readme_html: bool = False
) -> tuple[dict[str, Any], str, str | None]:
    """The repository, its README markdown and (if asked) its HTML, fetched concurrently, one request each."""
    pool = _pool()
    repository = pool.submit(get_repository, owner, name, token=token)
    readme = pool.submit(get_readme, owner, name, token=token)
    html = pool.submit(get_readme, owner, name, token=token, html=True) if readme_html else None
    return repository.result(), readme.result(), html.result() if html else None


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise UpstreamBadResponse("GitHub answered a list call without a list")
    return value
