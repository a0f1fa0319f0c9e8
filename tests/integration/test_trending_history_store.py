"""The trending history on DynamoDB Local: what a refresh records, read back through the store."""

from __future__ import annotations

import pytest

from local.dynamodb import DynamoDBLocal, create_tables
from local.template import load

# Made-up lists under a language github.com does not have, on days no e2e refresh records, so the rows written
# here never reach an e2e test sharing this DynamoDB Local (pytest-xdist runs files in any order).
LANGUAGE = "wegit-tests-history"


@pytest.fixture(scope="module")
def history(dynamodb: DynamoDBLocal):
    template = load()
    create_tables(dynamodb.client(), template.tables, template.table_names())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb.endpoint)
        patch.setenv("AWS_ACCESS_KEY_ID", "local")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "local")
        from wegit import dynamodb as dynamodb_client
        from wegit.trending.history import service, store

        dynamodb_client.client.cache_clear()  # a client another test made, for another endpoint, is not ours
        yield service, store
        dynamodb_client.client.cache_clear()


def rows(*names: str) -> list[dict[str, object]]:
    return [{"author": "octo", "name": name, "stars": 10, "description": None} for name in names]


def query(language: str = LANGUAGE):
    from wegit.trending.service import Query

    return Query("repositories", "daily", language, None)


def test_a_day_recorded_twice_counts_once_and_keeps_the_best_rank(history):
    service, store = history
    first = service.Recorder("2001-03-01")
    assert first.record(query(), rows("a", "b", "c"), fetched_at=983_404_800) == 3
    # A second run the same day, b now first: only b's ranks change; nothing is counted again.
    again = service.Recorder("2001-03-01")
    assert again.record(query(), rows("b", "a", "c"), fetched_at=983_408_400) == 1
    assert again.record(query(), rows("b", "a", "c"), fetched_at=983_408_400) == 0  # a rerun: no write at all
    records, ranks = store.repository("octo/b")
    (record,) = records
    assert (record.stats.days, record.stats.streak, record.stats.best_rank) == (1, 1, 1)
    assert [(r.day, r.rank) for r in ranks] == [("2001-03-01", 1)]
    # The day's list is the last refresh's; the first-timers are all three, with their first rank.
    assert [row["name"] for row in store.latest_list("2001-03-01", "daily", LANGUAGE).rows] == ["b", "a", "c"]
    assert sorted((rank, row["name"]) for rank, row in store.new_on("2001-03-01", "daily", LANGUAGE)) == [
        (1, "a"), (2, "b"), (3, "c"),
    ]  # fmt: skip


def test_streaks_across_days_and_gaps(history):
    service, store = history
    language = LANGUAGE + "-streaks"
    for day, names in (("2001-04-01", "xy"), ("2001-04-02", "x"), ("2001-04-03", "xy"), ("2001-04-05", "x")):
        service.Recorder(day).record(query(language), rows(*names))
    records, ranks = store.repository("octo/x")
    stats = records[0].stats
    assert (stats.first_seen, stats.last_seen, stats.days, stats.streak) == ("2001-04-01", "2001-04-05", 4, 1)
    records, _ = store.repository("octo/y")
    stats = records[0].stats
    assert (stats.days, stats.streak, stats.best_rank, stats.last_seen) == (2, 1, 2, "2001-04-03")
    assert sorted((r.day for r in ranks), reverse=True) == ["2001-04-05", "2001-04-03", "2001-04-02", "2001-04-01"]
    assert store.new_on("2001-04-03", "daily", language) == []  # y came back, it is not new


def test_a_lost_race_is_recomputed_not_double_counted(history):
    service, store = history
    language = LANGUAGE + "-race"
    service.Recorder("2001-05-01").record(query(language), rows("r"))
    stale = store.read_stats("octo/r", "daily", language)
    # Another writer records the next day between this writer's read and its write.
    service.Recorder("2001-05-02").record(query(language), rows("r"))
    recorder = service.Recorder("2001-05-02")
    assert recorder._sighting("octo/r", 1, rows("r")[0], query(language), stale) == 0
    assert store.read_stats("octo/r", "daily", language).days == 2


def test_the_days_with_history_only_widen(history):
    _, store = history
    began, latest = store.days()
    store.widen_days("1999-12-31")
    store.widen_days("2000-06-01")
    assert store.days() == ("1999-12-31", max(latest, "2000-06-01"))
    assert began >= "1999-12-31"


def test_a_language_slug_with_a_hash_keeps_its_lists_apart(history):
    service, store = history
    service.Recorder("2001-06-01").record(query("c#"), rows("sharp"))
    service.Recorder("2001-06-01").record(query("c"), rows("plain"))
    assert [row["name"] for row in store.latest_list("2001-06-01", "daily", "c#").rows] == ["sharp"]
    records, _ = store.repository("octo/sharp")
    assert [(record.since, record.language) for record in records] == [("daily", "c#")]
