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
