"""A repository's record on one trending list (a period and a language), and how one sighting changes it.

Pure: no I/O, so the rules are tested alone. Applying the same sighting twice changes nothing the second time
(a day counts once; a rank only ever improves), which is what makes a refresh that runs twice, or a write
retried after a lost answer, safe: the store writes the result conditionally on the record it read."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta


@dataclass(frozen=True)
class Stats:
    first_seen: str  # YYYY-MM-DD (UTC)
    last_seen: str
    days: int  # distinct days on this list
    streak: int  # consecutive days ending on last_seen
    best_rank: int  # 1 = top of the list, over every day
    day_rank: int  # the best rank on last_seen

    def current_streak(self, latest_day: str) -> int:
        """The streak as of the newest day with history: 0 once a day went by without this repository."""
        return self.streak if self.last_seen >= latest_day else 0


def next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def observe(previous: Stats | None, day: str, rank: int) -> Stats:
    """The record after the repository was seen at `rank` on `day`.

    - first sighting: one day, a streak of one;
    - the same day again (a later refresh, a rerun): only the ranks may improve, nothing is counted;
    - the day after last_seen: the streak goes on; any later day: a gap, the streak starts again at one;
    - a day before last_seen (only a run dated in the past, which the local date override allows): its rank
      and first_seen count, the days and the streak do not, since the record cannot tell whether that day was
      counted already."""
    if previous is None:
        return Stats(day, day, 1, 1, rank, rank)
    best = min(previous.best_rank, rank)
    if day == previous.last_seen:
        return replace(previous, best_rank=best, day_rank=min(previous.day_rank, rank))
    if day < previous.last_seen:
        return replace(previous, first_seen=min(previous.first_seen, day), best_rank=best)
    streak = previous.streak + 1 if day == next_day(previous.last_seen) else 1
    return Stats(previous.first_seen, day, previous.days + 1, streak, best, rank)
