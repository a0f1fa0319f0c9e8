"""The trending history end to end: scheduled refreshes on different days (the GitHub fake switched between its
recorded days of github.com/trending, the refresh dated by its event's time as the local stack allows), then the
three history routes over HTTP through the local API, on DynamoDB Local.

Other test files refresh too (the 2023 page, on other days) into the same DynamoDB Local, so what is asserted
here is about the 2020 page's repositories, which only this file records, and about days only this file uses."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from local.template import ROOT, SHARED
from wegit.trending import parser
from wegit.trending.history import service as history

REFRESH_EVENT = json.loads((ROOT / "events" / "refresh_trending.json").read_text())
PAGES = SHARED / "fixtures" / "trending"
DAY_1, DAY_2, GAP, DAY_4 = "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04"
OLD_PAGE, NEW_PAGE = "2020-02-28", "2023-05-18"
# What an independent parser read from the 2020 page (its project's own snapshot): author and name in page order.
ORACLE = [
    (row["author"], row["name"])
    for row in json.loads((PAGES / f"repositories_{OLD_PAGE}_all_daily.expected.json").read_text())
]


def recorded(day: str) -> list[dict[str, Any]]:
    return parser.parse_repositories((PAGES / f"repositories_{day}_all_daily.html").read_text())


def refresh(stack, github_server, day: str, page: str) -> Any:
    switched = requests.post(f"{github_server.web_url}/_fake/trending-day", json={"day": page}, timeout=10)
    assert switched.json()["day"] == page
    return stack.runtime.invoke("RefreshTrendingFunction", {**REFRESH_EVENT, "time": f"{day}T10:00:00Z"})


@pytest.fixture(scope="module")
def days(stack, github_server):
    """Day 1 and day 2 show the 2020 page (day 2 twice: a rerun), day 3 none, day 4 the 2023 page."""
    try:
        for day, page in ((DAY_1, OLD_PAGE), (DAY_2, OLD_PAGE), (DAY_2, OLD_PAGE), (DAY_4, NEW_PAGE)):
            assert refresh(stack, github_server, day, page)["failed"] == 0
    finally:
        github_server.clear()


def get(http, path, **params):
    return http.get(f"{http.base_url}{path}", params=params, timeout=30)


def test_a_past_day_is_the_recorded_page_with_ranks(http, days):
    response = get(http, "/trending-repositories/history", date=DAY_1, since="daily")
    assert response.status_code == 200, response.text
    rows = response.json()
    assert [(row["author"], row["name"]) for row in rows] == ORACLE
    assert [row["rank"] for row in rows] == list(range(1, 26))
    # the same row shape as /trending-repositories: the parser's rows, plus the rank
    assert [{k: v for k, v in row.items() if k != "rank"} for row in rows] == recorded(OLD_PAGE)
    assert response.headers["Max-Page"] == "0"  # one page
    assert response.headers["Cache-Control"] == f"public, max-age={history.PAST_MAX_AGE}"
    later = get(http, "/trending-repositories/history", date=DAY_4, language="Python").json()
    assert [(row["author"], row["name"]) for row in later] == [(r["author"], r["name"]) for r in recorded(NEW_PAGE)]


def test_a_day_past_the_last_page_is_empty(http, days):
    response = get(http, "/trending-repositories/history", date=DAY_1, page=2)
    assert response.status_code == 200
    assert response.json() == []


def test_new_repositories_are_those_first_seen_that_day(http, days):
    first = get(http, "/trending-repositories/new", date=DAY_1, since="daily")
    assert first.status_code == 200, first.text
    rows = first.json()
    assert [(row["author"], row["name"]) for row in rows] == ORACLE
    assert {row["firstSeen"] for row in rows} == {DAY_1}
    assert [row["rank"] for row in rows] == list(range(1, 26))
    second = get(http, "/trending-repositories/new", date=DAY_2, since="daily")
    assert second.status_code == 200
    assert second.json() == []  # all of them were there the day before


def test_new_repositories_default_to_the_newest_day(http, days):
    response = get(http, "/trending-repositories/new", since="weekly", language="rust")
    assert response.status_code == 200, response.text
    # the newest day with history is today or DAY_4 or later; today's answer is kept shorter than a past day's
    assert int(response.headers["Cache-Control"].split("max-age=")[1]) <= history.PAST_MAX_AGE


def test_a_repository_record_counts_each_day_once(http, days):
    owner, name = ORACLE[0]
    response = get(http, "/repositories/trending", owner=owner.upper(), name=name)  # any case
    assert response.status_code == 200, response.text
    record = response.json()
    assert (record["owner"], record["name"]) == (owner, name)
    daily_all = next(entry for entry in record["lists"] if entry["since"] == "daily" and entry["language"] is None)
    assert daily_all == {
        "since": "daily", "language": None, "firstSeen": DAY_1, "lastSeen": DAY_2,
        "days": 2, "streak": 2, "currentStreak": 0, "bestRank": 1,
    }  # fmt: skip
    # the fake serves the all-languages page for every language it has no page of: python is one of them
    assert any(entry["language"] == "python" for entry in record["lists"])
    ranks = [(day["date"], day["rank"]) for day in record["days"] if day["since"] == "daily" and not day["language"]]
    assert ranks == [(DAY_2, 1), (DAY_1, 1)]  # newest first
    assert response.headers["Max-Page"] == "0"


def test_a_repository_further_down_keeps_its_rank(http, days):
    owner, name = ORACLE[9]
    record = get(http, "/repositories/trending", owner=owner, name=name).json()
    daily_all = next(entry for entry in record["lists"] if entry["since"] == "daily" and entry["language"] is None)
    assert (daily_all["bestRank"], daily_all["days"]) == (10, 2)


@pytest.mark.parametrize(
    ("params", "named", "says"),
    [
        ({"date": "2026-1-01"}, "date", "YYYY-MM-DD"),
        ({"date": "2026-02-30"}, "date", "not a date"),
        ({"date": (datetime.now(UTC) + timedelta(days=2)).date().isoformat()}, "date", "future"),
        ({"date": "1990-01-01"}, "date", "before the trending history began"),
        ({"date": DAY_1, "language": "klingon"}, "language", "/trending-languages?all=true"),
        ({"date": DAY_1, "since": "yearly"}, "since", ""),
        ({"date": DAY_1, "page": "0"}, "page", ""),
        ({}, "date", "required"),
    ],
)
def test_bad_history_parameters_are_400(http, days, params, named, says):
    response = get(http, "/trending-repositories/history", **params)
    assert response.status_code == 400, response.text
    message = response.json()["message"]
    assert named in message and says in message


def test_a_day_without_history_is_404(http, days):
    for path in ("/trending-repositories/history", "/trending-repositories/new"):
        response = get(http, path, date=GAP)
        assert response.status_code == 404, response.text
        assert GAP in response.json()["message"]


def test_bad_new_parameters_are_400(http, days):
    assert "date" in get(http, "/trending-repositories/new", date="yesterday").json()["message"]
    response = get(http, "/trending-repositories/new", language="klingon")
    assert response.status_code == 400
    assert "language" in response.json()["message"]


def test_a_repository_never_on_trending_is_404(http, days):
    response = get(http, "/repositories/trending", owner="octocat", name="never-trending")
    assert response.status_code == 404
    assert "never on trending" in response.json()["message"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"owner": "-bad-", "name": "x"}, "owner"),
        ({"owner": "octocat", "name": ".."}, "name"),
        ({"owner": "octocat"}, "name"),
    ],
)
def test_bad_repository_parameters_are_400(http, days, params, named):
    response = get(http, "/repositories/trending", **params)
    assert response.status_code == 400
    assert named in response.json()["message"]
