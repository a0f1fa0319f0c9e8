"""Warm, isolated execution environments for the template's functions: worker processes that scale out
like Lambda (one request at a time each, more started on demand up to a concurrency, reused warm), with
Lambda's function timeout and response payload limit."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from local.template import LAYER_DIR, FunctionSpec

WORKER = Path(__file__).with_name("worker.py")
# Only what any process needs; the rest of the developer's environment is not the function's.
_PASSTHROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
# Lambda's limit on a synchronous invocation's response, in bytes, as its error message states it.
RESPONSE_LIMIT = 6_291_556
INIT_TIMEOUT = 10.0  # seconds Lambda gives a function's initialisation
DEFAULT_CONCURRENCY = 10


class InvocationError(RuntimeError):
    """The function raised, failed to initialise, timed out, crashed or answered too much."""

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
    """One execution environment: a process that imported the handler and serves one request at a time."""

    def __init__(self, spec: FunctionSpec, env: dict[str, str], log: Path | None = None) -> None:
        self.spec = spec
        with contextlib.ExitStack() as files:
            stderr = files.enter_context(log.open("a")) if log else None
            self.process = subprocess.Popen(
                [sys.executable, str(WORKER)],
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                encoding="utf-8",
                cwd=spec.code_uri,
            )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, name=f"{spec.name}-reader", daemon=True).start()
        # The worker says when its init is done, so the function's Timeout counts the handler only.
        if not self._next(INIT_TIMEOUT):
            self.kill()
            raise InvocationError(f"{spec.name} did not initialise in {INIT_TIMEOUT:.0f} s")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put("")  # end of file: the process exited

    def _next(self, timeout: float) -> str | None:
        """The worker's next line; "" if it exited, None if it said nothing in time."""
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def alive(self) -> bool:
        return self.process.poll() is None

    def invoke(self, event: Any, request_id: str) -> Any:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps({"event": event, "requestId": request_id}) + "\n")
            self.process.stdin.flush()
        except OSError:
            pass  # it died between invocations; reading says how
        reply = self._next(self.spec.timeout)
        if reply is None:
            self.kill()
            message = f"{self.spec.name}: Task timed out after {self.spec.timeout:.2f} seconds"
            raise InvocationError(message, {"errorType": "Sandbox.Timedout"})
        if not reply:
            code = self.process.wait()
            message = f"{self.spec.name}: Runtime exited with error: exit status {code}"
            raise InvocationError(message, {"errorType": "Runtime.ExitError"})
        size = len(reply.encode()) - len('{"result": }\n')  # the handler's answer, in UTF-8 as Lambda counts it
        if size > RESPONSE_LIMIT:
            raise InvocationError(
                f"{self.spec.name}: Response payload size ({size} bytes) exceeded maximum allowed "
                f"payload size ({RESPONSE_LIMIT} bytes).",
                {"errorType": "Function.ResponseSizeTooLarge"},
            )
        answer = json.loads(reply)
        if "error" in answer:
            raise InvocationError(f"{self.spec.name} failed: {answer['error']['errorMessage']}", answer["error"])
        return answer["result"]

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait()

    def close(self) -> None:
        """Ask it to exit: its stdin closes and it ends its loop (or is killed later by `Runtime.stop`)."""
        with contextlib.suppress(OSError):
            assert self.process.stdin is not None
            self.process.stdin.close()


class Pool:
    """A function's execution environments: idle ones reused (the most recent first, as Lambda tends to),
    a new one started when all are busy, at most `concurrency` at once (then a request waits its turn)."""

    def __init__(self, spec: FunctionSpec, env: dict[str, str], log: Path | None, concurrency: int) -> None:
        self.spec = spec
        self.env = env
        self.log = log
        self.slots = threading.BoundedSemaphore(concurrency)
        self.lock = threading.Lock()
        self.idle: list[Worker] = []
        self.workers: set[Worker] = set()

    def invoke(self, event: Any, request_id: str) -> Any:
        with self.slots:
            worker = self._take()
            try:
                return worker.invoke(event, request_id)
            finally:
                with self.lock:
                    if worker.alive() and worker in self.workers:
                        self.idle.append(worker)
                    else:
                        self.workers.discard(worker)

    def _take(self) -> Worker:
        with self.lock:
            while self.idle:
                worker = self.idle.pop()
                if worker.alive():
                    return worker
                self.workers.discard(worker)
        worker = Worker(self.spec, self.env, self.log)  # outside the lock: a cold start delays no one else
        with self.lock:
            self.workers.add(worker)
        return worker

    def drain(self) -> list[Worker]:
        with self.lock:
            workers, self.workers, self.idle = list(self.workers), set(), []
        return workers


class Runtime:
    """A pool per function. `overrides` go to every function, `function_overrides[name]` to one (last)."""

    def __init__(
        self,
        functions: dict[str, FunctionSpec],
        overrides: dict[str, str],
        log: Path | None = None,
        function_overrides: dict[str, dict[str, str]] | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        own = function_overrides or {}
        self.pools = {
            name: Pool(spec, {**function_environment(spec, overrides), **own.get(name, {})}, log, concurrency)
            for name, spec in functions.items()
        }

    def invoke(self, function: str, event: Any, request_id: str | None = None) -> Any:
        if function not in self.pools:
            raise KeyError(f"no function {function!r} in template.yaml; known: {', '.join(sorted(self.pools))}")
        return self.pools[function].invoke(event, request_id or str(uuid.uuid4()))

    def stop(self, grace: float = 2.0) -> None:
        """Close every worker's stdin, give them `grace` seconds together to exit, then kill the rest."""
        workers = [worker for pool in self.pools.values() for worker in pool.drain()]
        for worker in workers:
            worker.close()
        deadline = time.monotonic() + grace
        for worker in workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            worker.kill()
