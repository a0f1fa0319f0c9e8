"""The shares' data: SharesTable (who shared what, by id) and the code images in the share bucket (S3).

SharesTable holds one partition per share, `SHARE#<id>` / `TARGET` (its type and page parameters, the number of
accounts that shared it, where its image is), and one per account, `ACCOUNT#<account id>` / `SHARE#<id>` (what
that account shared), so DELETE /me finds an account's shares with one Query. A share several accounts made is
removed with the last of them."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from wegit import dynamodb
from wegit.aws import S3, AwsError
from wegit.errors import UpstreamBusy

TARGET = "TARGET"
Item = dict[str, Any]


def _table() -> str:
    return os.environ.get("SHARES_TABLE", "SharesTable")


def bucket() -> str:
    return os.environ.get("SHARE_BUCKET", "")


@lru_cache(maxsize=1)
def s3() -> S3:
    return S3()


def image_key(share_id: str) -> str:
    return f"codes/{share_id}"


@dataclass(frozen=True)
class Share:
    id: str
    type: str
    params: dict[str, str]
    created_at: int
    image_type: str | None  # the stored code's Content-Type; None until it is stored


def _share_key(share_id: str) -> Item:
    return {"pk": {"S": f"SHARE#{share_id}"}, "sk": {"S": TARGET}}


def _account_key(account_id: str, share_id: str) -> Item:
    return {"pk": {"S": f"ACCOUNT#{account_id}"}, "sk": {"S": f"SHARE#{share_id}"}}


def _share(share_id: str, item: Item) -> Share:
    params = {key: value["S"] for key, value in item.get("params", {}).get("M", {}).items()}
    image = item.get("imageType", {}).get("S")
    return Share(share_id, item["type"]["S"], params, int(item.get("createdAt", {}).get("N", "0")), image)


def get(share_id: str) -> Share | None:
    item = dynamodb.client().get_item(TableName=_table(), Key=_share_key(share_id), ConsistentRead=True).get("Item")
    return _share(share_id, item) if item and "type" in item else None


def record(account_id: str, share_id: str, kind: str, params: dict[str, str]) -> Share:
    """The account shares the target: one transaction adds the account's item and counts it on the share (made
    with its target the first time). The same account sharing again changes nothing. Returns the share."""
    now = int(time.time())
    update = {
        "TableName": _table(),
        "Key": _share_key(share_id),
        "UpdateExpression": "SET #type = if_not_exists(#type, :type), #params = if_not_exists(#params, :params), "
        "#createdAt = if_not_exists(#createdAt, :now) ADD #owners :one",
        "ExpressionAttributeNames": {
            "#type": "type",
            "#params": "params",
            "#createdAt": "createdAt",
            "#owners": "owners",
        },
        "ExpressionAttributeValues": {
            ":type": {"S": kind},
            ":params": {"M": {key: {"S": value} for key, value in params.items()}},
            ":now": {"N": str(now)},
            ":one": {"N": "1"},
        },
    }
    put = {
        "TableName": _table(),
        "Item": {**_account_key(account_id, share_id), "createdAt": {"N": str(now)}},
        "ConditionExpression": "attribute_not_exists(pk)",
    }
    client = dynamodb.client()
    for _ in range(2):
        try:
            client.call("TransactWriteItems", {"TransactItems": [{"Put": put}, {"Update": update}]})
        except AwsError as error:
            if not _cancelled_by_condition(error):
                raise
        found = get(share_id)
        if found is not None:
            return found
        # The share went with its last owner between the two calls (or a crash left the account's item behind):
        # the account's item is stale, so drop it and record both again.
        client.delete_item(TableName=_table(), Key=_account_key(account_id, share_id))
    raise UpstreamBusy("the share changed while it was being made; try again", retry_after=1)


def _cancelled_by_condition(error: AwsError) -> bool:
    """A transaction cancelled because its first item's condition failed (`[ConditionalCheckFailed, None]`)."""
    return error.code == "TransactionCanceledException" and "[ConditionalCheckFailed" in error.message


def set_image(share_id: str, content_type: str, size: int) -> None:
    """The share's code is stored (its key is derived from the id)."""
    dynamodb.client().update_item(
        TableName=_table(),
        Key=_share_key(share_id),
        UpdateExpression="SET #imageType = :type, #imageBytes = :size",
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeNames={"#imageType": "imageType", "#imageBytes": "imageBytes"},
        ExpressionAttributeValues={":type": {"S": content_type}, ":size": {"N": str(size)}},
    )


def account_shares(account_id: str) -> list[str]:
    """The ids of every share the account made."""
    ids: list[str] = []
    query: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "pk = :pk",
        "ProjectionExpression": "sk",
        "ExpressionAttributeValues": {":pk": {"S": f"ACCOUNT#{account_id}"}},
    }
    while True:
        page = dynamodb.client().query(**query)
        ids += [item["sk"]["S"].removeprefix("SHARE#") for item in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return ids
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def forget(account_id: str, share_id: str) -> Share | None:
    """The account no longer shares `share_id`: its item deleted and the share counted down in one transaction;
    the share itself deleted when no account shares it any more (returned then, so its image can go too)."""
    delete = {"TableName": _table(), "Key": _account_key(account_id, share_id)}
    count_down = {
        "TableName": _table(),
        "Key": _share_key(share_id),
        "UpdateExpression": "ADD #owners :minus",
        "ConditionExpression": "attribute_exists(pk)",
        "ExpressionAttributeNames": {"#owners": "owners"},
        "ExpressionAttributeValues": {":minus": {"N": "-1"}},
    }
    client = dynamodb.client()
    try:
        client.call("TransactWriteItems", {"TransactItems": [{"Delete": delete}, {"Update": count_down}]})
    except AwsError as error:
        if error.code != "TransactionCanceledException":
            raise
        client.delete_item(**delete)  # the share is gone already: only the account's item is left
        return None
    try:
        old = client.delete_item(
            TableName=_table(),
            Key=_share_key(share_id),
            ConditionExpression="#owners <= :zero",
            ExpressionAttributeNames={"#owners": "owners"},
            ExpressionAttributeValues={":zero": {"N": "0"}},
            ReturnValues="ALL_OLD",
        )
    except AwsError as error:
        if error.code == "ConditionalCheckFailedException":
            return None  # another account shares it still
        raise
    item = old.get("Attributes")
    return _share(share_id, item) if item and "type" in item else None


def put_image(share_id: str, content: bytes, content_type: str) -> None:
    s3().put_object(bucket(), image_key(share_id), content, content_type)


def get_image(share_id: str) -> tuple[bytes, str] | None:
    try:
        return s3().get_object(bucket(), image_key(share_id))
    except AwsError as error:
        if error.code == "NoSuchKey":
            return None
        raise


def delete_image(share_id: str) -> None:
    s3().delete_object(bucket(), image_key(share_id))
