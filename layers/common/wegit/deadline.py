"""How long upstream calls may take, and ending them when the invocation that started them ends.

An invocation opens a scope (`invocation`, from wegit.api.entry_point and the scheduled refresh): its
deadline is the time Lambda gives it less a reserve to answer in. Each upstream call then has a total
deadline, the sooner of its own cap (HTTP_TOTAL_TIMEOUT) and the scope's: the session refuses to start a
call past it, bounds every socket wait by it and stops reading a body at it (a 504). When the scope ends,
the connections its calls still hold are shut down, so no thread of the container goes on waiting on
GitHub, or spending its quota, after the answer was sent. Threads that work for a scope run in a copy of
its context (`contextvars.copy_context().run`), which is how they see it.
"""

from __future__ import annotations

import contextvars
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

# Kept back from the time Lambda gives an invocation: enough to log, build and send the answer.
RESERVE_SECONDS = 1.0


@dataclass(eq=False)
class Scope:
    """One invocation: its deadline (time.monotonic()) and the connections its calls hold now."""

    deadline: float
    ended: bool = False
    _busy: set[Any] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _after: list[Callable[[], None]] = field(default_factory=list)

    def after(self, work: Callable[[], None]) -> None:
        """Run `work` when the scope ends, once the answer is built: work the answer must not wait for."""
        self._after.append(work)

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def hold(self, connection: Any) -> None:
        with self._lock:
            self._busy.add(connection)
        self.connected(connection)  # lent as the scope ended: end() did not see it

    def connected(self, connection: Any) -> None:
        """A held connection has just connected (or been lent): shut it if the scope ended meanwhile (end() did
        not see it, or found no socket to shut), so its call ends now instead of at its read timeout."""
        with self._lock:
            ended = self.ended
        if ended:
            _shut(connection)

    def release(self, connection: Any) -> None:
        with self._lock:
            self._busy.discard(connection)

    def end(self) -> int:
        """Mark the scope ended and shut down every connection still held; how many there were."""
        with self._lock:
            self.ended = True
            busy, self._busy = self._busy, set()
        for connection in busy:
            _shut(connection)
        return len(busy)


def _shut(connection: Any) -> None:
    sock = getattr(connection, "sock", None)
    if sock is not None:  # none yet while connecting: `connected` shuts it once it has one
        with suppress(OSError):  # already closed by the other side
            sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked reading it


_scope: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("wegit_scope", default=None)
_call: contextvars.ContextVar[float | None] = contextvars.ContextVar("wegit_call_deadline", default=None)


def current() -> Scope | None:
    return _scope.get()


@contextmanager
def invocation(context: Any, reserve: float = RESERVE_SECONDS) -> Iterator[Scope | None]:
    """A scope for one invocation with the time `context` (a Lambda context) says is left; none without one."""
    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    if remaining_ms is None:
        yield None
        return
    scope = Scope(time.monotonic() + remaining_ms() / 1000 - reserve)
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)
        scope.end()
        for work in scope._after:
            work()


@contextmanager
def call(total: float) -> Iterator[float]:
    """The deadline of one upstream call: `total` seconds from now, or the scope's if that comes first."""
    deadline = time.monotonic() + total
    scope = current()
    if scope is not None:
        deadline = min(deadline, scope.deadline)
    token = _call.set(deadline)
    try:
        yield deadline
    finally:
        _call.reset(token)


def remaining() -> float | None:
    """Seconds the current call has left; None outside a call."""
    deadline = _call.get()
    return None if deadline is None else deadline - time.monotonic()
