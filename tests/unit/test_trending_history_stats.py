"""A repository's record on a trending list: the rules of one sighting (wegit.trending.history.stats)."""

from __future__ import annotations

import pytest

from wegit.trending.history.stats import Stats, next_day, observe


def seen(*sightings: tuple[str, int]) -> Stats:
    stats = None
    for day, rank in sightings:
        stats = observe(stats, day, rank)
    assert stats is not None
    return stats


def test_a_first_sighting_is_one_day_and_a_streak_of_one():
    assert observe(None, "2026-12-01", 7) == Stats("2026-12-01", "2026-12-01", 1, 1, 7, 7)


def test_consecutive_days_make_a_streak():
    stats = seen(("2026-11-29", 5), ("2026-11-30", 3), ("2026-12-01", 9))  # across a month's end
    assert (stats.days, stats.streak, stats.best_rank, stats.day_rank) == (3, 3, 3, 9)
    assert (stats.first_seen, stats.last_seen) == ("2026-11-29", "2026-12-01")


def test_a_gap_starts_the_streak_again_but_keeps_the_days():
    stats = seen(("2026-12-01", 2), ("2026-12-02", 2), ("2026-12-04", 4), ("2026-12-05", 1))
    assert (stats.days, stats.streak, stats.best_rank) == (4, 2, 1)


def test_across_a_leap_day_and_a_year():
    assert seen(("2028-02-28", 1), ("2028-02-29", 1), ("2028-03-01", 1)).streak == 3
    assert seen(("2026-12-31", 1), ("2027-01-01", 1)).streak == 2
    assert seen(("2027-02-28", 1), ("2027-03-01", 1)).streak == 2
    assert next_day("2028-02-28") == "2028-02-29"


def test_the_same_day_again_counts_nothing_and_only_improves_ranks():
    once = seen(("2026-12-01", 5))
    assert observe(once, "2026-12-01", 5) == once  # a rerun: no change, so no write
    assert observe(once, "2026-12-01", 9) == once  # a worse rank later that day
    better = observe(once, "2026-12-01", 2)
    assert (better.days, better.streak, better.best_rank, better.day_rank) == (1, 1, 2, 2)


@pytest.mark.parametrize("reruns", [1, 2, 5])
def test_idempotent_reruns_of_a_whole_history(reruns):
    days = [("2026-12-01", 4), ("2026-12-02", 2), ("2026-12-04", 6)]
    replayed = [sighting for sighting in days for _ in range(reruns)]
    assert seen(*replayed) == seen(*days)


def test_best_rank_is_over_all_days_and_day_rank_is_the_last_days():
    stats = seen(("2026-12-01", 1), ("2026-12-02", 8))
    assert (stats.best_rank, stats.day_rank) == (1, 8)


def test_a_day_before_the_last_one_counts_its_rank_not_its_day():
    stats = seen(("2026-12-03", 5), ("2026-12-04", 5))
    earlier = observe(stats, "2026-12-01", 2)
    assert (earlier.first_seen, earlier.best_rank) == ("2026-12-01", 2)
    assert (earlier.days, earlier.streak, earlier.last_seen) == (2, 2, "2026-12-04")


def test_the_current_streak_is_zero_once_a_newer_day_went_by():
    stats = seen(("2026-12-01", 1), ("2026-12-02", 1))
    assert stats.current_streak("2026-12-02") == 2
    assert stats.current_streak("2026-12-03") == 0
