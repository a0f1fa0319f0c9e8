"""Calls 1-3 end to end: the scheduled refresh scrapes the loopback github.com into DynamoDB Local,
and the API serves from the snapshots."""

from __future__ import annotations

import json
import time

import pytest

from local.template import ROOT
from wegit.trending import service as trending

REFRESH_EVENT = json.loads((ROOT / "events" / "refresh_trending.json").read_text())
COMBINATIONS = len(trending.combinations())


def get(http, path, **params):
    return http.get(f"{http.base_url}{path}", params=params, timeout=30)


def web_requests(github):
    return github.requests("/web")


@pytest.fixture(scope="module")
def refreshed(stack, github_server):
    github_server.clear()
    result = stack.runtime.invoke("RefreshTrendingFunction", REFRESH_EVENT)
    assert len(github_server.requests("/web")) == COMBINATIONS
    return result


def test_refresh_scrapes_every_combination(refreshed):
    assert refreshed == {"refreshed": COMBINATIONS, "failed": 0, "not_reached": 0}


def test_warm_cache_makes_zero_upstream_requests(http, github, refreshed):
    response = get(http, "/trending-repositories", since="daily")
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 25  # the 2023 page the fake serves for "all"
    for row in rows:
        assert isinstance(row["author"], str)
        assert isinstance(row["name"], str)
        assert row["description"] is None or isinstance(row["description"], str)
        assert row["language"] is None or isinstance(row["language"], str)
        for number in ("stars", "forks", "currentPeriodStars"):
            assert isinstance(row[number], int)
            assert not isinstance(row[number], bool)
    assert web_requests(github) == []
    max_age = int(response.headers["Cache-Control"].split("max-age=")[1])
    assert max_age == trending.max_age()  # the whole lifetime: with Age, a cache keeps it until it goes stale
    assert "Warning" not in response.headers
    assert int(response.headers["Age"]) < 600


def test_developers_from_the_snapshot(http, github, refreshed):
    response = get(http, "/trending-developers", since="weekly", language="python")
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 25  # the 2021 python page
    for row in rows:
        assert isinstance(row["username"], str)
        assert row["avatar"].startswith("https://")
        assert row["repo"] is None or isinstance(row["repo"]["name"], str)
    assert any(row["repo"] is None for row in rows) or all(isinstance(r["repo"]["name"], str) for r in rows)
    assert web_requests(github) == []


@pytest.mark.parametrize("language", ["C++", "c++", "c#", "Jupyter Notebook", "jupyter notebook", "jupyter-notebook",
                                      "All", "all", "", "RUST"])  # fmt: skip
def test_language_names_and_slugs_in_any_case(http, github, refreshed, language):
    response = get(http, "/trending-repositories", since="monthly", language=language)
    assert response.status_code == 200, response.text
    assert web_requests(github) == []


def test_rust_page_is_the_rust_snapshot(http, github, refreshed):
    rows = get(http, "/trending-repositories", since="weekly", language="rust").json()
    assert len(rows) == 16
    assert {row["language"] for row in rows} == {"Rust"}


def test_uncommon_language_is_scraped_once_then_cached(http, github, refreshed):
    first = get(http, "/trending-developers", language="elixir")
    assert first.status_code == 200
    assert len(first.json()) == 15  # the 2021 elixir page
    assert [r.path for r in web_requests(github)] == ["/web/trending/developers/elixir"]
    second = get(http, "/trending-developers", language="Elixir")
    assert second.json() == first.json()
    assert len(web_requests(github)) == 1


def test_stale_snapshot_is_served_when_github_fails(http, github, refreshed, dynamodb):
    key = "repositories#weekly#go#any"
    dynamodb.client().update_item(
        TableName="TrendingTable",
        Key={"pk": {"S": key}},
        UpdateExpression="SET fetchedAt = :old",
        ExpressionAttributeValues={":old": {"N": str(int(time.time()) - 3 * trending.max_age())}},
    )
    github.server.expect_request("/web/trending/go").respond_with_data("unavailable", status=503)
    response = get(http, "/trending-repositories", since="weekly", language="go")
    assert response.status_code == 200
    assert response.headers["X-Trending-Stale"] == "true"
    assert response.headers["Warning"] == '110 - "Response is Stale"'
    # Age past max-age: no standard cache takes it for fresh
    assert int(response.headers["Age"]) > int(response.headers["Cache-Control"].split("max-age=")[1])
    assert int(response.headers["Age"]) >= 3 * trending.max_age() - 5
    assert len(response.json()) == 25
    assert len(web_requests(github)) == 3  # one try and two retries, then the stale answer


def test_nothing_cached_and_github_failing_is_502(http, github, refreshed):
    github.server.expect_request("/web/trending/zig").respond_with_data("boom", status=500)
    response = get(http, "/trending-repositories", language="zig")
    assert response.status_code == 502
    assert "nothing is cached" in response.json()["message"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"since": "yearly"}, "since"),
        ({"language": "klingon"}, "language"),
        ({"spoken_language_code": "english"}, "spoken_language_code"),
    ],
)
def test_bad_parameters_are_400(http, github, refreshed, params, named):
    for path in ("/trending-repositories", "/trending-developers"):
        response = get(http, path, **params)
        assert response.status_code == 400
        assert named in response.json()["message"]
    assert web_requests(github) == []


def test_unknown_language_message_says_how_to_list_them(http, refreshed):
    message = get(http, "/trending-repositories", language="klingon").json()["message"]
    assert "/trending-languages?all=true" in message


def test_languages_plain_array_for_the_client(http, refreshed):
    names = get(http, "/trending-languages").json()
    assert names == list(trending.POPULAR_LANGUAGES)
    assert all(isinstance(name, str) for name in names)


def test_every_language_with_its_slug_from_the_stored_menu(http, refreshed):
    languages = get(http, "/trending-languages", all="true").json()
    assert len(languages) > 500  # the menu of the fixture page, not the built-in list
    assert {"name": "C++", "slug": "c++"} in languages
    assert {"name": "Jupyter Notebook", "slug": "jupyter-notebook"} in languages


def test_one_failing_combination_does_not_stop_the_refresh(stack, github, function_log):
    github.server.expect_oneshot_request("/web/trending/kotlin", query_string="since=daily").respond_with_data(
        "boom", status=500
    )
    result = stack.runtime.invoke("RefreshTrendingFunction", REFRESH_EVENT)
    assert result == {"refreshed": COMBINATIONS - 1, "failed": 1, "not_reached": 0}
    metric_lines = [
        json.loads(line) for line in function_log.read_text().splitlines() if '"TrendingPagesFailed"' in line
    ]
    assert metric_lines[-1]["TrendingPagesFailed"] == [1.0]
    assert metric_lines[-1]["TrendingPagesRefreshed"] == [float(COMBINATIONS - 1)]
