"""Test-only handlers (tests/e2e/local_stack/template.yaml): a slow one, a huge answer, a crash, an echo."""

from __future__ import annotations

import json
import os
import time
from typing import Any


def _query(event: dict[str, Any]) -> dict[str, str]:
    return event.get("queryStringParameters") or {}


def sleep(event: dict[str, Any], context: Any) -> dict[str, Any]:
    seconds = float(_query(event).get("seconds", "0.5"))
    time.sleep(seconds)
    return {"statusCode": 200, "body": json.dumps({"slept": seconds, "pid": os.getpid()})}


def big(event: dict[str, Any], context: Any) -> dict[str, Any]:
    query = _query(event)
    return {"statusCode": 200, "body": query.get("char", "x") * int(query.get("count", str(7 * 1024 * 1024)))}


def crash(event: dict[str, Any], context: Any) -> dict[str, Any]:
    os._exit(3)


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The event, and the variables the query names; with a CORS header API Gateway must ignore."""
    names = [name for name in _query(event).get("names", "").split(",") if name]
    body = {"event": event, "environment": {name: os.environ.get(name) for name in names}}
    headers = {"Access-Control-Allow-Origin": "https://evil.example"}
    return {"statusCode": 200, "headers": headers, "body": json.dumps(body)}
