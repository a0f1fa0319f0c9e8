"""Warm requests in this process: every API function imported once, then called again and again, with the
upstream time (GitHub over HTTP, DynamoDB) told apart from our own."""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from local.template import FunctionSpec

CONTEXT = type(
    "Context",
    (),
    {
        "function_name": "bench",
        "memory_limit_in_mb": 512,
        "invoked_function_arn": "arn:aws:lambda:us-east-1:123456789012:function:bench",
        "aws_request_id": "bench",
        "get_remaining_time_in_millis": lambda self: 30_000,  # as Lambda's: each call runs in a deadline scope
    },
)()


def api_event(path: str, query: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event, as the local API and Lambda hand it to a handler."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "&".join(f"{key}={value}" for key, value in (query or {}).items()),
        "headers": headers or {},
        "queryStringParameters": query,
        "isBase64Encoded": False,
        "requestContext": {
            "http": {"method": "GET", "path": path, "sourceIp": "127.0.0.1", "protocol": "HTTP/1.1"},
            "requestId": "bench",
            "stage": "$default",
        },
    }


def load_handler(spec: FunctionSpec) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    name = f"bench_{spec.code_uri.name}"
    module_spec = importlib.util.spec_from_file_location(name, spec.code_uri / "app.py")
    assert module_spec is not None and module_spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    module_spec.loader.exec_module(module)
    return module.lambda_handler  # type: ignore[no-any-return]


class UpstreamClock:
    """Records every upstream call (GitHub through the hooked session, DynamoDB through wegit.aws) with its start and
    end."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, float, int]] = []
        self.not_modified = 0  # GitHub answers 304 (the conditional-request cache revalidated)
        self._lock = threading.Lock()

    def record(self, kind: str, started: float, ended: float, size: int) -> None:
        with self._lock:
            self.calls.append((kind, started, ended, size))

    @contextmanager
    def measure(self) -> Iterator[list[tuple[str, float, float, int]]]:
        with self._lock:
            self.calls = []
        seen: list[tuple[str, float, float, int]] = []
        yield seen
        with self._lock:
            seen.extend(self.calls)

    def install(self) -> None:
        from requests.adapters import HTTPAdapter

        from wegit import http_session

        clock = self
        adapter_class: Any = http_session._TimeoutAdapter  # the adapter under every GitHub call
        send = adapter_class.send

        def timed_send(adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            response = send(adapter, request, *args, **kwargs)
            body = response.__dict__.get("_content")  # read by the adapter unless streamed (a README)
            clock.record("http", started, time.perf_counter(), len(body) if isinstance(body, bytes) else 0)
            clock.not_modified += response.status_code == 304
            return response

        plain_send = HTTPAdapter.send

        def timed_aws_send(adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            """wegit.aws's calls (DynamoDB Local): its session mounts a plain HTTPAdapter."""
            if isinstance(adapter, adapter_class):  # GitHub's, recorded above
                return plain_send(adapter, request, *args, **kwargs)
            started = time.perf_counter()
            response = plain_send(adapter, request, *args, **kwargs)
            clock.record("dynamodb", started, time.perf_counter(), len(response.content or b""))
            return response

        adapter_class.send = timed_send
        HTTPAdapter.send = timed_aws_send  # type: ignore[method-assign,assignment]


def busy(calls: list[tuple[str, float, float, int]]) -> float:
    """Seconds during which at least one upstream call was under way (concurrent calls overlap)."""
    total, end = 0.0, float("-inf")
    for _, started, ended, _ in sorted(calls, key=lambda call: call[1]):
        if started > end:
            total += ended - started
        elif ended > end:
            total += ended - end
        end = max(end, ended)
    return total
