"""Trending rows as the client contract types them: the OpenAPI schemas of the trending 200s (build time only;
the rows are the parser's, checked by the trending tests and the fuzz run against the document)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Row(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class Contributor(Row):
    username: str
    href: str
    avatar: str


class TrendingRepository(Row):
    author: str
    name: str
    url: str
    avatar: str | None = None
    description: str | None
    language: str | None
    languageColor: str | None = None
    stars: int
    forks: int
    currentPeriodStars: int
    builtBy: list[Contributor] = []


class PopularRepository(Row):
    name: str
    description: str | None
    url: str | None = None


class TrendingDeveloper(Row):
    username: str
    name: str | None = None
    type: str | None = None  # "user" or "organization"
    url: str | None = None
    avatar: str
    sponsorUrl: str | None = None
    repo: PopularRepository | None  # null when the page shows no popular repository


class Language(Row):
    name: str
    slug: str  # what github.com's URLs use: "c++", "jupyter-notebook"


# -- trending history (wegit/trending/history) -------------------------------------------------------------


class HistoryRepository(TrendingRepository):
    """A row of a past day's list: a /trending-repositories row and its rank that day (1 = top)."""

    rank: int


class NewRepository(HistoryRepository):
    """A repository on a list for the first time: its row and rank when first seen, and that day."""

    firstSeen: str


class TrendingListRecord(Row):
    """A repository's record on one list (a period and a language; null = all languages)."""

    since: str
    language: str | None
    firstSeen: str
    lastSeen: str
    days: int  # distinct days on the list
    streak: int  # consecutive days ending on lastSeen
    currentStreak: int  # the streak if lastSeen is the newest day with history, else 0
    bestRank: int


class TrendingDayRank(Row):
    date: str
    since: str
    language: str | None
    rank: int  # its best rank on that list that day


class RepositoryTrending(Row):
    """A repository's trending record: every list it was on, and its rank per day (newest first, paged)."""

    owner: str
    name: str
    lists: list[TrendingListRecord]
    days: list[TrendingDayRank]
