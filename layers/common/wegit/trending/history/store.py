"""Data access for the trending history table: the only place that knows its keys.

One table, no TTL, written only by the scheduled refresh (reserved concurrency 1, but every write is still
conditional or idempotent, so a rerun, a retried call or a second writer never counts a day twice):

- `LIST#<day>#<since>#<language>` / `AT#<epoch seconds>`: one refresh's rows (zlib JSON), appended; a day's
  list is the newest item of its partition (Query, newest first, Limit 1).
- `NEW#<day>#<since>#<language>` / `<owner/name>`: a repository's first day on that list, with its row and rank.
- `REPO#<owner/name>` / `STATS#<since>#<language>`: its record on that list (stats.Stats, with author and name).
- `REPO#<owner/name>` / `DAY#<day>#<since>#<language>`: its best rank on that list that day.
- `META` / `days`: the first and the newest day with history (only ever widened).

Every read is one Query (or GetItem) on one partition; a repository's whole record is its REPO partition, a
few hundred small items a year. Partitions are per day and list or per repository, so neither the refresh nor
the readers pile onto one key.
The language is always the last part of a key (a slug may hold '#': `c#`); `all` is every language."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any

from wegit import dynamodb
from wegit.aws import AwsError
from wegit.settings import get_settings
from wegit.trending.history.stats import Stats

META = {"pk": {"S": "META"}, "sk": {"S": "days"}}
BATCH_GET_LIMIT = 100  # DynamoDB's per BatchGetItem


@dataclass(frozen=True)
class Snapshot:
    rows: list[dict[str, Any]]  # in rank order: rank = index + 1
    fetched_at: int


@dataclass(frozen=True)
class Record:
    """A repository's record on one list, as stored."""

    since: str
    language: str | None
    author: str
    name: str
    stats: Stats


@dataclass(frozen=True)
class DayRank:
    day: str
    since: str
    language: str | None
    rank: int


def repo_key(author: str, name: str) -> str:
    """GitHub names are case-insensitive: one record whatever case a page or a caller uses."""
    return f"{author}/{name}".lower()


def list_id(since: str, language: str | None) -> str:
    return f"{since}#{language or 'all'}"


def _language(part: str) -> str | None:
    return None if part == "all" else part


def _table() -> str:
    return get_settings().trending_history_table


def _conditional_failed(error: AwsError) -> bool:
    return error.code == "ConditionalCheckFailedException"


# -- a day's lists ---------------------------------------------------------------------------------------


def put_list(day: str, since: str, language: str | None, rows: list[dict[str, Any]], fetched_at: int) -> None:
    """Append one refresh's list. A rerun appends another item: lists are snapshots, nothing counts them."""
    payload = zlib.compress(json.dumps(rows, separators=(",", ":")).encode(), 6)
    item = {
        "pk": {"S": f"LIST#{day}#{list_id(since, language)}"},
        "sk": {"S": f"AT#{fetched_at:010d}"},
        "rows": {"B": payload},
        "count": {"N": str(len(rows))},
    }
    dynamodb.client().put_item(TableName=_table(), Item=item)


def latest_list(day: str, since: str, language: str | None) -> Snapshot | None:
    """The last refresh's list of that day, or None when no refresh recorded that list that day."""
    answer = dynamodb.client().query(
        TableName=_table(),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"LIST#{day}#{list_id(since, language)}"}},
        ScanIndexForward=False,
        Limit=1,
    )
    items = answer.get("Items") or []
    if not items:
        return None
    item = items[0]
    return Snapshot(json.loads(zlib.decompress(item["rows"]["B"])), int(item["sk"]["S"].removeprefix("AT#")))


# -- first days ------------------------------------------------------------------------------------------


def put_new(day: str, since: str, language: str | None, key: str, rank: int, row: dict[str, Any]) -> None:
    """A repository's first day on a list (the same item again on a rerun: a put is idempotent)."""
    item = {
        "pk": {"S": f"NEW#{day}#{list_id(since, language)}"},
        "sk": {"S": key},
        "rank": {"N": str(rank)},
        "row": {"S": json.dumps(row, separators=(",", ":"))},
    }
    dynamodb.client().put_item(TableName=_table(), Item=item)


def new_on(day: str, since: str, language: str | None) -> list[tuple[int, dict[str, Any]]]:
    """(rank on its first sighting, row) of every repository first seen on that list that day."""
    found: list[tuple[int, dict[str, Any]]] = []
    for item in _query_all(f"NEW#{day}#{list_id(since, language)}"):
        found.append((int(item["rank"]["N"]), json.loads(item["row"]["S"])))
    return found


# -- a repository's record -------------------------------------------------------------------------------


def _stats_key(key: str, since: str, language: str | None) -> dict[str, Any]:
    return {"pk": {"S": f"REPO#{key}"}, "sk": {"S": f"STATS#{list_id(since, language)}"}}


def _stats(item: dict[str, Any]) -> Stats:
    return Stats(
        first_seen=item["firstSeen"]["S"],
        last_seen=item["lastSeen"]["S"],
        days=int(item["days"]["N"]),
        streak=int(item["streak"]["N"]),
        best_rank=int(item["bestRank"]["N"]),
        day_rank=int(item["dayRank"]["N"]),
    )


def get_stats(keys: list[str], since: str, language: str | None) -> dict[str, Stats]:
    """The records of these repositories on one list, read consistently (the writes are conditional on them)."""
    found: dict[str, Stats] = {}
    client = dynamodb.client()
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        request: dict[str, Any] = {
            _table(): {
                "Keys": [_stats_key(key, since, language) for key in keys[start : start + BATCH_GET_LIMIT]],
                "ConsistentRead": True,
            }
        }
        while request:
            answer = client.batch_get_item(RequestItems=request)
            for item in answer.get("Responses", {}).get(_table(), []):
                found[item["pk"]["S"].removeprefix("REPO#")] = _stats(item)
            request = answer.get("UnprocessedKeys") or {}
    return found


def read_stats(key: str, since: str, language: str | None) -> Stats | None:
    item = (
        dynamodb.client()
        .get_item(TableName=_table(), Key=_stats_key(key, since, language), ConsistentRead=True)
        .get("Item")
    )
    return None if item is None else _stats(item)


def put_stats(
    key: str, author: str, name: str, since: str, language: str | None, stats: Stats, previous: Stats | None
) -> bool:
    """Write the record if it is still `previous` (none yet, or unchanged since it was read); False when another
    writer got there first: the caller reads it again and recomputes."""
    item = {
        **_stats_key(key, since, language),
        "author": {"S": author},
        "name": {"S": name},
        "since": {"S": since},
        "language": {"S": language or "all"},
        "firstSeen": {"S": stats.first_seen},
        "lastSeen": {"S": stats.last_seen},
        "days": {"N": str(stats.days)},
        "streak": {"N": str(stats.streak)},
        "bestRank": {"N": str(stats.best_rank)},
        "dayRank": {"N": str(stats.day_rank)},
    }
    if previous is None:
        condition, values = "attribute_not_exists(pk)", {}
    else:
        condition = "lastSeen = :last AND days = :days AND bestRank = :best AND dayRank = :dayRank"
        values = {
            ":last": {"S": previous.last_seen},
            ":days": {"N": str(previous.days)},
            ":best": {"N": str(previous.best_rank)},
            ":dayRank": {"N": str(previous.day_rank)},
        }
    try:
        dynamodb.client().put_item(
            TableName=_table(),
            Item=item,
            ConditionExpression=condition,
            **({"ExpressionAttributeValues": values} if values else {}),
        )
    except AwsError as error:
        if _conditional_failed(error):
            return False
        raise
    return True


def put_day_rank(key: str, day: str, since: str, language: str | None, rank: int) -> None:
    """A repository's rank on a list that day: only ever lowered, so reruns and retries leave the best one."""
    try:
        dynamodb.client().update_item(
            TableName=_table(),
            Key={"pk": {"S": f"REPO#{key}"}, "sk": {"S": f"DAY#{day}#{list_id(since, language)}"}},
            UpdateExpression="SET #rank = :rank",
            ConditionExpression="attribute_not_exists(#rank) OR #rank > :rank",
            ExpressionAttributeNames={"#rank": "rank"},
            ExpressionAttributeValues={":rank": {"N": str(rank)}},
        )
    except AwsError as error:
        if not _conditional_failed(error):
            raise


def repository(key: str) -> tuple[list[Record], list[DayRank]]:
    """Every list a repository was on, with its record, and its rank per day on each."""
    records: list[Record] = []
    ranks: list[DayRank] = []
    for item in _query_all(f"REPO#{key}"):
        sort_key = item["sk"]["S"]
        if sort_key.startswith("STATS#"):
            _, since, language = sort_key.split("#", 2)
            author, name = item["author"]["S"], item["name"]["S"]
            records.append(Record(since, _language(language), author, name, _stats(item)))
        elif sort_key.startswith("DAY#"):
            _, day, since, language = sort_key.split("#", 3)
            ranks.append(DayRank(day, since, _language(language), int(item["rank"]["N"])))
    return records, ranks


# -- the days with history -------------------------------------------------------------------------------


def widen_days(day: str) -> None:
    """Move the first day back or the newest day on to `day`, each only ever outwards."""
    client = dynamodb.client()
    for attribute, condition in (("began", ">"), ("latest", "<")):
        try:
            client.update_item(
                TableName=_table(),
                Key=META,
                UpdateExpression=f"SET {attribute} = :day",
                ConditionExpression=f"attribute_not_exists({attribute}) OR {attribute} {condition} :day",
                ExpressionAttributeValues={":day": {"S": day}},
            )
        except AwsError as error:
            if not _conditional_failed(error):
                raise


def days() -> tuple[str, str] | None:
    """(the first day with history, the newest), or None before the first refresh recorded anything."""
    item = dynamodb.client().get_item(TableName=_table(), Key=META).get("Item")
    if item is None or "began" not in item or "latest" not in item:
        return None
    return item["began"]["S"], item["latest"]["S"]


def _query_all(pk: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": pk}},
    }
    while True:
        answer = dynamodb.client().query(**params)
        items.extend(answer.get("Items") or [])
        if not answer.get("LastEvaluatedKey"):
            return items
        params["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
