"""Data access for trending snapshots: the only place that knows how they are stored.

One low-level DynamoDB GetItem/PutItem per call on wegit.aws's client: no AWS SDK, no PynamoDB in the cold
start for two calls, and the client is made on first use, so `/trending-languages` without `all=true` never
loads even `requests`."""

from __future__ import annotations

import json
import time
import zlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from wegit import dynamodb
from wegit.settings import get_settings

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
    item = dynamodb.client().get_item(TableName=get_settings().trending_table, Key={"pk": {"S": key}}).get("Item")
    if item is None:
        return None
    return Snapshot(json.loads(zlib.decompress(item["payload"]["B"])), float(item["fetchedAt"]["N"]))


def put(key: str, rows: list[Any], now: float | None = None) -> Snapshot:
    fetched_at = int(time.time() if now is None else now)
    payload = zlib.compress(json.dumps(rows, separators=(",", ":")).encode(), 6)  # a quarter of the write units
    item = {
        "pk": {"S": key},
        "payload": {"B": payload},
        "fetchedAt": {"N": str(fetched_at)},
        "expiresAt": {"N": str(fetched_at + int(KEEP_FOR.total_seconds()))},  # the table's TTL attribute
    }
    dynamodb.client().put_item(TableName=get_settings().trending_table, Item=item)
    return Snapshot(rows, float(fetched_at))
