"""Trending history: every refresh's repository lists kept for good (GitHub only ever shows today's), with each
repository's record per list (first and last day seen, days on trending, streak, best rank)."""
