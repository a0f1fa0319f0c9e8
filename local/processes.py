"""Helper processes the local stack runs on loopback (DynamoDB Local, the moto server): started, waited for until
they answer, stopped; on Linux they die with the process that started them, even by SIGKILL."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import IO

_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def die_with_parent() -> None:
    """On Linux, the child gets SIGTERM when the process that started it dies: no orphan keeps a port or a
    data folder. (Function workers need no such thing: they exit when their stdin closes.)"""
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def start(
    command: list[str], ready: Callable[[], object], what: str, timeout: float = 30.0, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start `command` and call `ready` until it stops raising; a process that exits or never answers is an error.
    Its stderr is read all along (a child that writes more than a pipe holds would otherwise block); the last
    lines are kept for the error message."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=die_with_parent,  # noqa: PLW1509 - one syscall through a handle loaded before the fork
    )
    assert process.stderr is not None
    tail: deque[bytes] = deque(maxlen=40)
    reader = threading.Thread(target=_drain, args=(process.stderr, tail), name=f"{what} stderr", daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            reader.join(timeout=5)
            error = b"".join(tail).decode(errors="replace")
            raise RuntimeError(f"{what} exited with {process.returncode}: {error[-2000:]}")
        try:
            ready()
            return process
        except Exception:
            if time.monotonic() > deadline:
                stop(process)
                raise RuntimeError(f"{what} did not answer in {timeout:.0f} s") from None
            time.sleep(0.1)


def _drain(stream: IO[bytes], tail: deque[bytes]) -> None:
    for line in iter(stream.readline, b""):
        tail.append(line)


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
