"""The DynamoDB client of the layer: wegit.aws's, made on first use, so request functions call their tables
without importing botocore (the Lambda runtime's SDK costs more import time than a whole cold start's budget);
and what every store writes with it alike: expression names, one UpdateItem, batched deletes, typed reads."""

from __future__ import annotations

import time
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from wegit.aws import AwsError, DynamoDB

CONDITION_FAILED = "ConditionalCheckFailedException"
BATCH_WRITE_SIZE = 25  # DynamoDB's limit per BatchWriteItem
UNPROCESSED_ROUNDS = 5  # a batch's leftovers (throttling) are asked again this many times
Item = dict[str, Any]


@lru_cache(maxsize=1)
def client() -> DynamoDB:
    """One DynamoDB client per execution environment (made anew after a SnapStart restore: wegit.preconnect)."""
    return DynamoDB()


def names(*texts: str | None) -> dict[str, str]:
    """ExpressionAttributeNames for every `#name` in the expressions (`#name` is `name`): a reserved word never
    breaks an expression."""
    words = " ".join(text or "" for text in texts).replace(",", " ").replace("(", " ").replace(")", " ").split()
    return {word: word[1:] for word in words if word.startswith("#")}


def update(
    table: str,
    key: Item,
    expression: str,
    values: Mapping[str, Any] | None = None,
    condition: str | None = None,
    **extra: Any,
) -> Item:
    """One UpdateItem with the attribute names of `expression` and `condition` filled in."""
    params: Item = {"TableName": table, "Key": key, "UpdateExpression": expression}
    found = names(expression, condition)
    if found:
        params["ExpressionAttributeNames"] = found
    if values:
        params["ExpressionAttributeValues"] = dict(values)
    if condition:
        params["ConditionExpression"] = condition
    return client().update_item(**params, **extra)


def batch_delete(table: str, keys: list[Item]) -> None:
    """Delete `keys` in BatchWriteItems of 25; what DynamoDB leaves unprocessed (throttling) is sent again."""
    for start in range(0, len(keys), BATCH_WRITE_SIZE):
        requests: list[Item] = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + BATCH_WRITE_SIZE]]
        for round_ in range(UNPROCESSED_ROUNDS):
            answer = client().batch_write_item(RequestItems={table: requests})
            requests = answer.get("UnprocessedItems", {}).get(table, [])
            if not requests:
                break
            time.sleep(0.05 * 2**round_)
        else:
            raise AwsError("ProvisionedThroughputExceededException", "items left unprocessed", 400)


def number(item: Item, name: str) -> int | None:
    """A number attribute as an int (exact for the large ids GitHub gives releases); None when absent."""
    value = item.get(name)
    if not value or "N" not in value:
        return None
    try:
        return int(value["N"])
    except ValueError:
        return int(float(value["N"]))


def string(item: Item, name: str) -> str | None:
    value = item.get(name)
    return str(value["S"]) if value and "S" in value else None
