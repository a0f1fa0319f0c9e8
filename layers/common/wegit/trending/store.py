"""Data access for trending snapshots: the only place that knows how they are stored."""

from __future__ import annotations

import json
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist

from wegit.trending.models import TrendingSnapshot

# Stale snapshots are kept this long so a github.com outage can be bridged; DynamoDB's TTL deletes them after.
KEEP_FOR = timedelta(days=7)
LANGUAGES_KEY = "languages"


@dataclass(frozen=True)
class Snapshot:
    rows: list[Any]
    fetched_at: float

    def age(self, now: float | None = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.fetched_at)


def snapshot_key(kind: str, since: str, language: str | None, spoken: str | None) -> str:
    return f"{kind}#{since}#{language or 'all'}#{spoken or 'any'}"


def get(key: str) -> Snapshot | None:
    try:
        item = TrendingSnapshot.get(key)
    except DoesNotExist:
        return None
    return Snapshot(json.loads(zlib.decompress(item.payload)), float(item.fetchedAt))


def put(key: str, rows: list[Any], now: float | None = None) -> Snapshot:
    fetched_at = time.time() if now is None else now
    payload = zlib.compress(json.dumps(rows, separators=(",", ":")).encode(), 6)
    expires = datetime.fromtimestamp(fetched_at, tz=UTC) + KEEP_FOR
    TrendingSnapshot(key, payload=payload, fetchedAt=int(fetched_at), expiresAt=expires).save()
    return Snapshot(rows, float(int(fetched_at)))
