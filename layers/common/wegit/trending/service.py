"""Trending repositories and developers: scraped from github.com on a schedule, served from DynamoDB."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aws_lambda_powertools.metrics import MetricUnit

from wegit.errors import BadRequest, UpstreamUnavailable, WeGitError, excerpt
from wegit.observability import logger, metrics
from wegit.settings import get_settings
from wegit.trending import store as trending_store
from wegit.trending.store import LANGUAGES_KEY, Snapshot

if TYPE_CHECKING:  # requests and the parser load only when a page is scraped: a read from the table needs neither
    import requests

    from wegit.trending.history.service import Recorder

KINDS = ("repositories", "developers")
SINCE = ("daily", "weekly", "monthly")
# The languages the mini-program offers (call 3) and the refresh keeps warm, with their github.com slugs.
POPULAR_LANGUAGES = {
    "C": "c", "C#": "c#", "C++": "c++", "Go": "go", "Java": "java", "JavaScript": "javascript",
    "Jupyter Notebook": "jupyter-notebook", "Kotlin": "kotlin", "PHP": "php", "Python": "python",
    "Ruby": "ruby", "Rust": "rust", "Swift": "swift", "TypeScript": "typescript",
}  # fmt: skip
ALL = ("", "all")
# The ISO 639-1 codes github.com's spoken-language menu offers; anything else would only be a cache miss.
SPOKEN_LANGUAGES = frozenset(
    (
        "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo "
        "br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es "
        "et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr "
        "ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj "
        "kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv "
        "mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv "
        "ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd "
        "se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti "
        "tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi "
        "yo za zh zu "
    ).split()
)
# After github.com failed for a key, this container serves the stale snapshot without asking again for a while.
RETRY_SCRAPE_AFTER = 60.0
# Failures of a scrape on a miss the caller gets as they are (429/503 with Retry-After, 504); others are 502.
PASSED_THROUGH = frozenset({429, 503, 504})
# The combinations the last refresh did not reach (out of time, or github.com asked to wait): the next starts there.
PENDING_KEY = "refresh#pending"
_failed_at: dict[str, float] = {}


@dataclass(frozen=True)
class Query:
    kind: str
    since: str
    language: str | None  # github.com slug, None = all languages
    spoken: str | None  # ISO 639-1 code

    @classmethod
    def from_params(cls, kind: str, since: str | None, language: str | None, spoken: str | None) -> Query:
        """The query a request asks for, each parameter validated (400 naming it)."""
        code = parse_spoken(spoken)
        # github.com filters only repositories by spoken language; a developers key with it would never be warm.
        return cls(kind, parse_since(since), resolve_language(language), code if kind == "repositories" else None)

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
    return get_settings().trending_max_age


# -- parameters ------------------------------------------------------------------------------------------


def parse_since(value: str | None) -> str:
    since = (value or "daily").strip().lower()
    if since not in SINCE:
        raise BadRequest(f"invalid parameter since: {excerpt(value)} is not one of daily, weekly, monthly")
    return since


def parse_spoken(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().lower()
    if code not in SPOKEN_LANGUAGES:
        raise BadRequest(f"invalid parameter spoken_language_code: {excerpt(value)} is not an ISO 639-1 code like 'en'")
    return code


def resolve_language(value: str | None) -> str | None:
    """A language name or slug in any case ("C++", "c++", "jupyter notebook", "jupyter-notebook") → its slug."""
    wanted = (value or "").strip().lower()
    if wanted in ALL:
        return None
    for name, slug in POPULAR_LANGUAGES.items():
        if wanted in (name.lower(), slug):
            return slug
    # Rarer languages come from the menu the refresh stored (else the built-in one): read only when a
    # popular name didn't match.
    for entry in _stored_menu() or built_in_menu():
        if wanted in (entry["name"].lower(), entry["slug"].lower()):
            return entry["slug"]
    raise BadRequest(
        f"invalid parameter language: unknown language {excerpt(value)}; "
        "GET /trending-languages?all=true lists every name and slug"
    )


_menu: tuple[float, tuple[dict[str, str], ...]] = (0.0, ())


def _stored_menu() -> tuple[dict[str, str], ...]:
    """The stored language menu, read at most once an hour per container (it changes rarely); an absent
    menu is not remembered, so the first refresh is seen at once."""
    global _menu  # noqa: PLW0603 - a per-container cache, like the session
    read_at, menu = _menu
    if not menu or time.time() - read_at > 3600:
        snapshot = trending_store.get(LANGUAGES_KEY)
        menu = tuple(snapshot.rows) if snapshot else ()
        _menu = (time.time(), menu)
    return menu


@functools.cache
def built_in_menu() -> tuple[dict[str, str], ...]:
    """github.com's whole language menu as shipped in the layer (written by `python -m local trending-menu`
    from a recorded page), so a table the refresh has not filled yet still accepts every language."""
    return tuple(json.loads(Path(__file__).with_name("languages.json").read_text()))


def languages(everything: bool) -> list[Any]:
    """Popular language names (call 3's plain array), or every language on github.com with its slug."""
    if not everything:
        return list(POPULAR_LANGUAGES)
    return list(_stored_menu() or built_in_menu())


# -- scraping --------------------------------------------------------------------------------------------


def page_url(query: Query) -> str:
    path = "/trending/developers" if query.kind == "developers" else "/trending"
    if query.language:
        path += "/" + quote(query.language, safe="")
    params = f"?since={query.since}"
    if query.spoken and query.kind == "repositories":
        params += f"&spoken_language_code={query.spoken}"
    return get_settings().github_web_url + path + params


def scrape_and_store(
    query: Query, with_menu: bool = False, *, requests_session: requests.Session | None = None
) -> tuple[Snapshot, bool]:
    """Fetch and parse one page, store its rows and, if asked, the page's language menu (True if stored)."""
    from wegit.http_session import get_session
    from wegit.trending import parser as trending_parser

    html = (requests_session or get_session()).get(page_url(query), headers={"Accept": "text/html"}).text
    parse: Callable[[str], list[dict[str, Any]]] = (
        trending_parser.parse_developers if query.kind == "developers" else trending_parser.parse_repositories
    )
    rows = parse(html)
    menu = trending_parser.parse_languages(html) if with_menu else []
    if menu:
        trending_store.put(LANGUAGES_KEY, menu)
    return trending_store.put(query.key, rows), bool(menu)


# -- serving ---------------------------------------------------------------------------------------------


def read(query: Query) -> Answer:
    """A fresh snapshot without touching github.com; else scrape once; else a stale one; else 502."""
    snapshot = trending_store.get(query.key)
    if snapshot is not None and snapshot.age() < max_age():
        return Answer(snapshot.rows, snapshot.age(), stale=False)
    if snapshot is not None and time.time() - _failed_at.get(query.key, 0.0) < RETRY_SCRAPE_AFTER:
        return Answer(snapshot.rows, snapshot.age(), stale=True)
    try:
        fresh, _ = scrape_and_store(query)
        _failed_at.pop(query.key, None)
    except WeGitError as exc:
        _failed_at[query.key] = time.time()
        if snapshot is None:
            if exc.status in PASSED_THROUGH:  # the caller can act on these: wait (Retry-After) or retry later
                raise
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


def refresh_all(time_left: Callable[[], float] | None = None, history: Recorder | None = None) -> dict[str, int]:
    """Scrape every combination at a polite pace, those the last run did not reach first; one failure never
    stops the others. With `time_left` (seconds, from the invocation's deadline) it stops cleanly while one
    more page could still finish, or at once when github.com asks to wait (429/503 with Retry-After): the
    combinations not reached are stored for the next run. With `history`, each repository list is also kept
    in the trending history (a failure there is logged and counted, the snapshot stands). It always logs a
    summary and emits its metrics."""
    settings = get_settings()
    every = {query.key: query for query in combinations()}
    pending = [key for key in _pending() if key in every]
    order = [every[key] for key in pending] + [query for key, query in every.items() if key not in pending]
    done = failed = history_failed = 0
    not_reached: list[Query] = []
    menu_stored = False
    started = time.perf_counter()
    try:
        for index, query in enumerate(order):
            if time_left is not None and time_left() < settings.total_timeout + settings.trending_pace:
                not_reached = order[index:]
                logger.warning("trending refresh out of time", extra={"not_reached": len(not_reached)})
                break
            if index:
                time.sleep(settings.trending_pace)
            try:
                snapshot, stored_menu = scrape_and_store(query, with_menu=not menu_stored)
                menu_stored = menu_stored or stored_menu
                done += 1
                logger.info("trending refreshed", extra={"key": query.key, "rows": len(snapshot.rows)})
                if history is not None and not _kept_in_history(history, query, snapshot):
                    history_failed += 1
            except WeGitError as exc:
                failed += 1
                logger.warning("trending refresh failed", extra={"key": query.key, "error": type(exc).__name__})
                if exc.retry_after is not None:  # github.com asks us to wait: the next run goes on from here
                    not_reached = order[index:]
                    logger.warning("github.com asked to wait", extra={"retry_after": exc.retry_after})
                    break
            except Exception:  # e.g. DynamoDB throttling: still one combination, never the whole run
                failed += 1
                logger.exception("trending refresh failed", extra={"key": query.key})
    finally:
        _store_pending([query.key for query in not_reached])
        metrics.add_metric(name="TrendingPagesRefreshed", unit=MetricUnit.Count, value=done)
        metrics.add_metric(name="TrendingPagesFailed", unit=MetricUnit.Count, value=failed)
        metrics.add_metric(name="TrendingPagesNotReached", unit=MetricUnit.Count, value=len(not_reached))
        if history is not None:
            metrics.add_metric(name="TrendingHistoryFailed", unit=MetricUnit.Count, value=history_failed)
        seconds = round(time.perf_counter() - started, 1)
        summary = {"refreshed": done, "failed": failed, "not_reached": len(not_reached), "seconds": seconds,
                   "history_failed": history_failed}  # fmt: skip
        logger.info("trending refresh finished", extra=summary)
    return {"refreshed": done, "failed": failed, "not_reached": len(not_reached)}


def _kept_in_history(history: Recorder, query: Query, snapshot: Snapshot) -> bool:
    try:
        history.record(query, snapshot.rows, snapshot.fetched_at)
    except Exception:  # e.g. DynamoDB throttling: the snapshot is stored, the history misses this list this run
        logger.exception("trending history not recorded", extra={"key": query.key})
        return False
    return True


def _pending() -> list[str]:
    try:
        snapshot = trending_store.get(PENDING_KEY)
    except Exception:  # the run goes on in the usual order
        logger.exception("pending trending combinations unreadable")
        return []
    return [str(key) for key in snapshot.rows] if snapshot else []


def _store_pending(keys: list[str]) -> None:
    try:
        trending_store.put(PENDING_KEY, keys)
    except Exception:  # the summary and metrics must still go out
        logger.exception("pending trending combinations not stored", extra={"not_reached": len(keys)})
