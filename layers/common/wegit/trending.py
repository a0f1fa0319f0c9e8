"""Trending repositories and developers: scraped from github.com on a schedule, served from DynamoDB."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import requests
from aws_lambda_powertools.metrics import MetricUnit

from wegit import trending_parser, trending_store
from wegit.errors import BadRequest, UpstreamUnavailable, WeGitError
from wegit.http_session import require_requests_session
from wegit.observability import logger, metrics
from wegit.settings import get_settings
from wegit.trending_store import LANGUAGES_KEY, Snapshot

KINDS = ("repositories", "developers")
SINCE = ("daily", "weekly", "monthly")
# The languages the mini-program offers (call 3) and the refresh keeps warm, with their github.com slugs.
POPULAR_LANGUAGES = {
    "C": "c", "C#": "c#", "C++": "c++", "Go": "go", "Java": "java", "JavaScript": "javascript",
    "Jupyter Notebook": "jupyter-notebook", "Kotlin": "kotlin", "PHP": "php", "Python": "python",
    "Ruby": "ruby", "Rust": "rust", "Swift": "swift", "TypeScript": "typescript",
}  # fmt: skip
ALL = ("", "all")
SPOKEN_CODE_LENGTH = 2


@dataclass(frozen=True)
class Query:
    kind: str
    since: str
    language: str | None  # github.com slug, None = all languages
    spoken: str | None  # ISO 639-1 code

    @classmethod
    def from_params(cls, kind: str, since: str | None, language: str | None, spoken: str | None) -> Query:
        """The query a request asks for, each parameter validated (400 naming it)."""
        return cls(kind, parse_since(since), resolve_language(language), parse_spoken(spoken))

    @property
    def key(self) -> str:
        return trending_store.snapshot_key(self.kind, self.since, self.language, self.spoken)


@dataclass(frozen=True)
class Answer:
    rows: list[Any]
    age: float  # seconds since the snapshot was scraped
    stale: bool  # github.com failed and this is an older snapshot


def max_age() -> int:
    """Seconds a snapshot stays fresh: twice the refresh rate, so one missed run does not expire it."""
    return int(os.environ.get("TRENDING_MAX_AGE", "7200"))


def _pace() -> float:
    return float(os.environ.get("TRENDING_PACE_SECONDS", "1.0"))


# -- parameters ------------------------------------------------------------------------------------------


def parse_since(value: str | None) -> str:
    since = (value or "daily").strip().lower()
    if since not in SINCE:
        raise BadRequest(f"invalid parameter since: {value!r} is not one of daily, weekly, monthly")
    return since


def parse_spoken(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().lower()
    if len(code) != SPOKEN_CODE_LENGTH or not (code.isascii() and code.isalpha()):
        raise BadRequest(f"invalid parameter spoken_language_code: {value!r} is not an ISO 639-1 code like 'en'")
    return code


def resolve_language(value: str | None) -> str | None:
    """A language name or slug in any case ("C++", "c++", "jupyter notebook", "jupyter-notebook") → its slug."""
    wanted = (value or "").strip().lower()
    if wanted in ALL:
        return None
    for name, slug in POPULAR_LANGUAGES.items():
        if wanted in (name.lower(), slug):
            return slug
    # Rarer languages come from the menu the refresh stored: read only when a popular name didn't match.
    for entry in _stored_menu():
        if wanted in (entry["name"].lower(), entry["slug"].lower()):
            return entry["slug"]
    raise BadRequest(
        f"invalid parameter language: unknown language {value!r}; "
        "GET /trending-languages?all=true lists every name and slug"
    )


@lru_cache(maxsize=1)
def _stored_menu_cached(hour: int) -> tuple[dict[str, str], ...]:
    snapshot = trending_store.get(LANGUAGES_KEY)
    return tuple(snapshot.rows) if snapshot else ()


def _stored_menu() -> tuple[dict[str, str], ...]:
    # Read at most once an hour per container: the menu changes rarely and is only needed for rare languages.
    return _stored_menu_cached(int(time.time() // 3600))


def languages(everything: bool) -> list[Any]:
    """Popular language names (call 3's plain array), or every language on github.com with its slug."""
    if not everything:
        return list(POPULAR_LANGUAGES)
    stored = _stored_menu()
    if stored:
        return list(stored)
    return [{"name": name, "slug": slug} for name, slug in POPULAR_LANGUAGES.items()]


# -- scraping --------------------------------------------------------------------------------------------


def page_url(query: Query) -> str:
    path = "/trending/developers" if query.kind == "developers" else "/trending"
    if query.language:
        path += "/" + quote(query.language, safe="")
    params = f"?since={query.since}"
    if query.spoken and query.kind == "repositories":
        params += f"&spoken_language_code={query.spoken}"
    return get_settings().github_web_url + path + params


@require_requests_session
def scrape_and_store(query: Query, with_menu: bool = False, *, requests_session: requests.Session) -> Snapshot:
    """Fetch and parse one page, store its rows (and, if asked, the page's language menu)."""
    html = requests_session.get(page_url(query), headers={"Accept": "text/html"}).text
    parse: Callable[[str], list[dict[str, Any]]] = (
        trending_parser.parse_developers if query.kind == "developers" else trending_parser.parse_repositories
    )
    rows = parse(html)
    if with_menu:
        menu = trending_parser.parse_languages(html)
        if menu:
            trending_store.put(LANGUAGES_KEY, menu)
    return trending_store.put(query.key, rows)


# -- serving ---------------------------------------------------------------------------------------------


def read(query: Query) -> Answer:
    """A fresh snapshot without touching github.com; else scrape once; else a stale one; else 502."""
    snapshot = trending_store.get(query.key)
    if snapshot is not None and snapshot.age() < max_age():
        return Answer(snapshot.rows, snapshot.age(), stale=False)
    try:
        fresh = scrape_and_store(query)
    except WeGitError as exc:
        if snapshot is None:
            raise UpstreamUnavailable(
                f"github.com trending is unavailable and nothing is cached ({exc.message})"
            ) from exc
        logger.warning("serving a stale trending snapshot", extra={"key": query.key, "age": snapshot.age()})
        return Answer(snapshot.rows, snapshot.age(), stale=True)
    return Answer(fresh.rows, 0.0, stale=False)


# -- the scheduled refresh -------------------------------------------------------------------------------


def combinations() -> list[Query]:
    languages_to_refresh = [None, *POPULAR_LANGUAGES.values()]
    return [
        Query(kind, since, language, None) for kind in KINDS for since in SINCE for language in languages_to_refresh
    ]


def refresh_all(sleep: Callable[[float], None] = time.sleep) -> dict[str, int]:
    """Scrape every combination at a polite pace; one failure never stops the others."""
    done = failed = 0
    menu_stored = False
    started = time.perf_counter()
    for index, query in enumerate(combinations()):
        if index:
            sleep(_pace())
        try:
            snapshot = scrape_and_store(query, with_menu=not menu_stored)
            menu_stored = True
            done += 1
            logger.info("trending refreshed", extra={"key": query.key, "rows": len(snapshot.rows)})
        except WeGitError as exc:
            failed += 1
            logger.warning("trending refresh failed", extra={"key": query.key, "error": type(exc).__name__})
    metrics.add_metric(name="TrendingPagesRefreshed", unit=MetricUnit.Count, value=done)
    metrics.add_metric(name="TrendingPagesFailed", unit=MetricUnit.Count, value=failed)
    seconds = round(time.perf_counter() - started, 1)
    logger.info("trending refresh finished", extra={"refreshed": done, "failed": failed, "seconds": seconds})
    return {"refreshed": done, "failed": failed}
