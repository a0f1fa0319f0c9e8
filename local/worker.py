"""One Lambda execution environment: imports a handler once and serves invocations read from stdin.

Started by local.runtime with the function's own environment and PYTHONPATH (its code, then the layer),
so nothing of the local stack or of another function is importable or visible from it."""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    def __init__(self, request_id: str, timeout_s: int) -> None:
        name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{os.environ['AWS_REGION']}:123456789012:function:{name}"
        self.memory_limit_in_mb = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _error(exc: BaseException) -> dict[str, Any]:
    return {"errorType": type(exc).__name__, "errorMessage": str(exc), "trace": traceback.format_exc()}


def main() -> None:
    # Ctrl-C in a terminal reaches the whole process group; the stack stops its workers itself, quietly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The protocol owns the real stdout; everything the function prints goes to stderr (the stack's log).
    channel = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        sys.path.pop(0)
    module_name, _, attribute = os.environ["_HANDLER"].rpartition(".")
    handler: Any = None
    init_error: dict[str, Any] | None = None
    try:
        handler = getattr(importlib.import_module(module_name), attribute)
    except Exception as exc:  # reported on every invocation, as Lambda reports an init error
        init_error = _error(exc)
    channel.write(json.dumps({"ready": init_error is None}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        if init_error is not None:
            channel.write(json.dumps({"error": init_error}) + "\n")
            continue
        context = LambdaContext(request["requestId"], int(os.environ["AWS_LAMBDA_FUNCTION_TIMEOUT"]))
        try:
            # Unescaped, as the python3.12+ runtimes return it: the 6 MB limit counts UTF-8 bytes.
            reply = json.dumps({"result": handler(request["event"], context)}, ensure_ascii=False)
        except Exception as exc:  # the handler raised, or returned what JSON cannot hold
            reply = json.dumps({"error": _error(exc)})
        channel.write(reply + "\n")


if __name__ == "__main__":
    main()
