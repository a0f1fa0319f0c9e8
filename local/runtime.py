"""Warm, isolated execution environments for the template's functions, one worker process each."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

from local.template import LAYER_DIR, FunctionSpec

WORKER = Path(__file__).with_name("worker.py")
# Only what any process needs; the rest of the developer's environment is not the function's.
_PASSTHROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")


class InvocationError(RuntimeError):
    """The function raised, failed to initialise, or timed out."""

    def __init__(self, message: str, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.detail = detail or {}


def function_environment(spec: FunctionSpec, overrides: dict[str, str]) -> dict[str, str]:
    """What Lambda would set for this function: reserved variables, Globals + its own, local overrides."""
    env = {key: os.environ[key] for key in _PASSTHROUGH if key in os.environ}
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "_HANDLER": spec.handler,
            "PYTHONPATH": os.pathsep.join([str(spec.code_uri), str(LAYER_DIR)]),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.update(spec.environment)
    env.update(overrides)
    return env


class Worker:
    """One warm execution environment: one request at a time, like Lambda."""

    def __init__(self, spec: FunctionSpec, overrides: dict[str, str], log: Path | None = None) -> None:
        self.spec = spec
        self.overrides = overrides
        self.log = log
        self.process: subprocess.Popen[str] | None = None
        self.lock = threading.Lock()

    def _ensure_started(self) -> subprocess.Popen[str]:
        if self.process is None or self.process.poll() is not None:
            with contextlib.ExitStack() as files:
                stderr = files.enter_context(self.log.open("a")) if self.log else None
                self.process = subprocess.Popen(
                    [sys.executable, str(WORKER)],
                    env=function_environment(self.spec, self.overrides),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=stderr,
                    text=True,
                    cwd=self.spec.code_uri,
                )
        return self.process

    def invoke(self, event: dict[str, Any], request_id: str | None = None) -> Any:
        with self.lock:
            process = self._ensure_started()
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(json.dumps({"event": event, "requestId": request_id or str(uuid.uuid4())}) + "\n")
            process.stdin.flush()
            reply: list[str] = []
            reader = threading.Thread(target=lambda: reply.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
            reader.start()
            reader.join(self.spec.timeout)
            if not reply or not reply[0]:
                self._kill()
                raise InvocationError(f"{self.spec.name} timed out or crashed after {self.spec.timeout} s")
            answer = json.loads(reply[0])
            if "error" in answer:
                raise InvocationError(f"{self.spec.name} failed: {answer['error']['errorMessage']}", answer["error"])
            return answer["result"]

    def _kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        with self.lock:
            if self.process is not None and self.process.poll() is None:
                assert self.process.stdin is not None
                self.process.stdin.close()
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
            self.process = None


class Runtime:
    """A worker per function, started on first use and kept warm."""

    def __init__(self, functions: dict[str, FunctionSpec], overrides: dict[str, str], log: Path | None = None) -> None:
        self.workers = {name: Worker(spec, overrides, log) for name, spec in functions.items()}

    def invoke(self, function: str, event: dict[str, Any], request_id: str | None = None) -> Any:
        if function not in self.workers:
            raise KeyError(f"no function {function!r} in template.yaml; known: {', '.join(sorted(self.workers))}")
        return self.workers[function].invoke(event, request_id)

    def stop(self) -> None:
        for worker in self.workers.values():
            worker.stop()
