"""Trending history: what a refresh records, and the three reads (a day's list, the first-timers of a day, a
repository's record). Only the scheduled refresh writes; the API functions only read."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from wegit.errors import BadRequest, NotFound, excerpt
from wegit.observability import logger
from wegit.settings import get_settings
from wegit.trending import service as trending
from wegit.trending.history import store
from wegit.trending.history.stats import Stats, observe

DAY_LIST_PAGE = 25  # github.com shows 25 a day
NEW_PAGE = 25
REPOSITORY_DAYS_PAGE = 100
PAST_MAX_AGE = 86_400  # a past day never changes
CONDITIONAL_TRIES = 3  # a stats write lost to another writer is recomputed from a fresh read


@dataclass(frozen=True)
class CachedPage:
    """One page of an answer, the `Max-Page` the client pages by, and how long a cache may keep it."""

    items: Any
    max_page: int
    max_age: int


# -- the day a refresh records ---------------------------------------------------------------------------


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def run_date(event: Any) -> str:
    """The day a refresh records: the Lambda clock's (UTC). Only the local stack, which sets
    TRENDING_DATE_FROM_EVENT (no template does), takes it from the scheduled event's `time`, so a demo or a test
    can record another day; nothing a client sends ever reaches this."""
    if get_settings().trending_date_from_event and isinstance(event, dict):
        stamp = str(event.get("time") or "")
        try:
            return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").date().isoformat()
        except ValueError:
            pass
    return today()


# -- recording -------------------------------------------------------------------------------------------


class Recorder:
    """Records one refresh run's repository lists for its day; the first list recorded also widens the days
    with history."""

    def __init__(self, day: str) -> None:
        self.day = day
        self.widened = False

    def record(self, query: trending.Query, rows: list[dict[str, Any]], fetched_at: float | None = None) -> int:
        """Append the list and update each repository's record; the number of records that changed."""
        if query.kind != "repositories" or query.spoken is not None:
            return 0  # the refresh keeps no spoken-language lists; developers have no history
        at = int(time.time() if fetched_at is None else fetched_at)
        store.put_list(self.day, query.since, query.language, rows, at)
        if not self.widened:
            store.widen_days(self.day)
            self.widened = True
        ranked: dict[str, tuple[int, dict[str, Any]]] = {}
        for rank, row in enumerate(rows, start=1):
            key = store.repo_key(str(row.get("author", "")), str(row.get("name", "")))
            ranked.setdefault(key, (rank, row))  # a repository twice on one page keeps its better rank
        known = store.get_stats(list(ranked), query.since, query.language)
        changed = 0
        for key, (rank, row) in ranked.items():
            changed += self._sighting(key, rank, row, query, known.get(key))
        return changed

    def _sighting(self, key: str, rank: int, row: dict[str, Any], query: trending.Query, known: Stats | None) -> int:
        """Apply one sighting: the first-day item and the day's rank first, the record last, so a run stopped
        in between redoes the first two (idempotent) and then counts the day once."""
        previous = known
        for _ in range(CONDITIONAL_TRIES):
            updated = observe(previous, self.day, rank)
            if updated == previous:
                return 0  # seen already today at this rank or better: nothing to write
            if previous is None:
                store.put_new(self.day, query.since, query.language, key, rank, row)
            store.put_day_rank(key, self.day, query.since, query.language, rank)
            author, name = str(row.get("author", "")), str(row.get("name", ""))
            if store.put_stats(key, author, name, query.since, query.language, updated, previous):
                return 1
            previous = store.read_stats(key, query.since, query.language)  # another writer: recompute
        logger.warning("trending history record kept changing", extra={"repository": key, "list": query.key})
        return 0


# -- parameters ------------------------------------------------------------------------------------------


def parse_day(value: str, parameter: str = "date") -> str:
    """A YYYY-MM-DD day that exists and is not in the future (UTC)."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"invalid parameter {parameter}: {excerpt(value)} is not a date YYYY-MM-DD") from None
    if len(value) != 10:
        raise BadRequest(f"invalid parameter {parameter}: {excerpt(value)} is not a date YYYY-MM-DD")
    if day.isoformat() > today():
        raise BadRequest(f"invalid parameter {parameter}: {value} is in the future (UTC)")
    return day.isoformat()


def _history_days() -> tuple[str, str]:
    found = store.days()
    if found is None:
        raise NotFound("no trending history yet: the first refresh has not run")
    return found


def _within_history(day: str, parameter: str = "date") -> None:
    began, _ = _history_days()
    if day < began:
        raise BadRequest(f"invalid parameter {parameter}: {day} is before the trending history began ({began})")


def _max_age(day: str) -> int:
    """A past day's answer never changes; today's changes with every refresh (about half a snapshot's life)."""
    return PAST_MAX_AGE if day < today() else max(60, trending.max_age() // 2)


def _page(items: list[Any], page: int, size: int) -> tuple[list[Any], int]:
    """Items of page `page` and Max-Page as the client contract has it: the last page, 0 for a single page."""
    pages = math.ceil(len(items) / size)
    return items[(page - 1) * size : page * size], pages if pages > 1 else 0


# -- reads -----------------------------------------------------------------------------------------------


def day_list(day: str, since: str | None, language: str | None, page: int = 1) -> CachedPage:
    """A day's list (the last refresh of that day), rows as /trending-repositories plus their rank."""
    query = trending.Query.from_params("repositories", since, language, None)
    day = parse_day(day)
    _within_history(day)
    snapshot = store.latest_list(day, query.since, query.language)
    if snapshot is None:
        raise NotFound(f"no trending history for {day} ({query.since}, {query.language or 'all languages'})")
    rows = [{**row, "rank": rank} for rank, row in enumerate(snapshot.rows, start=1)]
    items, max_page = _page(rows, page, DAY_LIST_PAGE)
    return CachedPage(items, max_page, _max_age(day))


def new_on(since: str | None, language: str | None, day: str | None = None, page: int = 1) -> CachedPage:
    """The repositories first seen on a list that day (default: the newest day with history), best rank first."""
    query = trending.Query.from_params("repositories", since, language, None)
    if day is None:
        day = _history_days()[1]
    else:
        day = parse_day(day)
        _within_history(day)
    found = store.new_on(day, query.since, query.language)
    if not found and store.latest_list(day, query.since, query.language) is None:
        raise NotFound(f"no trending history for {day} ({query.since}, {query.language or 'all languages'})")
    found.sort(key=lambda entry: entry[0])
    rows = [{**row, "rank": rank, "firstSeen": day} for rank, row in found]
    items, max_page = _page(rows, page, NEW_PAGE)
    return CachedPage(items, max_page, _max_age(day))


def repository(owner: str, name: str, page: int = 1) -> CachedPage:
    """A repository's record on every list it was on, and its rank per day (newest first, paged)."""
    records, ranks = store.repository(store.repo_key(owner, name))
    if not records:
        raise NotFound(f"{owner}/{name} was never on trending since the history began")
    latest = _history_days()[1]
    records.sort(key=lambda record: (trending.SINCE.index(record.since), record.language or ""))
    ranks.sort(key=lambda entry: (trending.SINCE.index(entry.since), entry.language or ""))
    ranks.sort(key=lambda entry: entry.day, reverse=True)  # newest day first; in a day, as the lists above
    days, max_page = _page(ranks, page, REPOSITORY_DAYS_PAGE)
    body = {
        "owner": records[0].author,
        "name": records[0].name,
        "lists": [
            {
                "since": record.since,
                "language": record.language,
                "firstSeen": record.stats.first_seen,
                "lastSeen": record.stats.last_seen,
                "days": record.stats.days,
                "streak": record.stats.streak,
                "currentStreak": record.stats.current_streak(latest),
                "bestRank": record.stats.best_rank,
            }
            for record in records
        ],
        "days": [
            {"date": entry.day, "since": entry.since, "language": entry.language, "rank": entry.rank} for entry in days
        ],
    }
    return CachedPage(body, max_page, _max_age(latest))
