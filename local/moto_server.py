"""`python -m moto.server`, with its SQS made linear. moto's queue is a plain list, and several of its operations
cost a pass over every message in the queue per call (or per message), so a queue of 10 000 messages took minutes
to fill and hours to empty. Patched here (the behaviour is moto's, only the cost changes):
- SendMessage / ReceiveMessage read one attribute (ContentBasedDeduplication, MessageRetentionPeriod) through the
  queue's whole attribute set, whose approximate counts are three scans of every message: while a message is
  being sent or received, the attributes are computed one at a time, when read; GetQueueAttributes still counts
  for real;
- ReceiveMessage filtered every message into a new list to take the first ten visible ones: it now walks the
  queue only until it has them;
- DeleteMessage searched every message's receipt handles, twice: messages are found by receipt handle in a dict;
- moto's clock built two datetimes per reading, read once per message per call;
- every request listed moto's package folder (a listdir and ~150 isdir calls) to find its service: listed once.
And werkzeug's development server closes the connection after every answer (it cannot tell whether the
application read the whole request body), so each AWS call was a new TCP connection and a new server thread.
Here a request whose body has a Content-Length is read whole before the application sees it, and its connection
is kept open (HTTP/1.1 keep-alive); anything else (a chunked body) still closes it. werkzeug's drain of unread
request data after each answer (which would eat the next request and waits 10 ms each time) is turned off: the
body was read already."""

from __future__ import annotations

import io
import logging
import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import werkzeug.serving
from moto import backends, server
from moto.core.utils import camelcase_to_underscores
from moto.moto_server.werkzeug_app import MotoRequestHandler
from moto.sqs import exceptions, models

_sending = threading.local()
_by_handle: dict[str, Any] = {}  # receipt handle → message, for every message received and not deleted
_COUNTS = (
    "approximate_number_of_messages",
    "approximate_number_of_messages_delayed",
    "approximate_number_of_messages_not_visible",
)


class _Attributes:
    """A queue's attributes computed when read (what SendMessage and ReceiveMessage read: one or two of them)."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue

    def get(self, name: str, default: Any = None) -> Any:
        if name == "RedrivePolicy" or not hasattr(self.queue, camelcase_to_underscores(name)):
            return default
        value = getattr(self.queue, camelcase_to_underscores(name))
        return str(value).lower() if isinstance(value, bool) else value

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None


class _Visible:
    """`Queue.messages` (the visible, not delayed messages) walked lazily: a receive stops at its tenth."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue

    def __iter__(self) -> Iterator[Any]:
        return (message for message in self.queue._messages if message.visible and not message.delayed)

    def __bool__(self) -> bool:
        return any(True for _ in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _while_sending(original: property, lazy: Any) -> property:
    def read(queue: Any) -> Any:
        return lazy(queue) if getattr(_sending, "on", False) else original.fget(queue)  # type: ignore[misc]

    return property(read)


def _not_counting(method: Any) -> Any:
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        _sending.on = True
        try:
            return method(self, *args, **kwargs)
        finally:
            _sending.on = False

    return call


def _mark_received(original: Any) -> Any:
    def mark(message: Any, *args: Any, **kwargs: Any) -> None:
        original(message, *args, **kwargs)
        _by_handle[message.receipt_handle] = message

    return mark


def _delete_message(queue: Any, receipt_handle: str) -> None:
    if receipt_handle in queue.deleted_messages:
        return  # deleted before: SQS accepts it again
    message = _by_handle.get(receipt_handle)
    if message is None:
        raise exceptions.ReceiptHandleIsInvalid()
    try:
        queue._messages.remove(message)  # identity: a C-level pass, not a Python one
    except ValueError:
        raise exceptions.ReceiptHandleIsInvalid() from None
    queue.pending_messages.discard(message)
    handles = [handle for handle in message.all_receipt_handles if handle]
    queue.deleted_messages.update(handles)
    for handle in handles:
        _by_handle.pop(handle, None)


class KeepAliveHandler(MotoRequestHandler):
    """moto's request handler, keeping the connection open when the request body was read whole."""

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate small writes: without this, Nagle's algorithm holds the second one
        # until the client's delayed ACK, 40 ms on every answer of a kept-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        self.keep_alive = "HTTP_TRANSFER_ENCODING" not in environ
        if self.keep_alive:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            environ["wsgi.input"] = io.BytesIO(self.rfile.read(length) if length > 0 else b"")
        return environ

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "connection" and value.lower() == "close" and getattr(self, "keep_alive", False):
            return  # HTTP/1.1: the connection stays open for the client's next request
        super().send_header(keyword, value)


class _NothingToDrain:
    """For werkzeug's drain after an answer: the request body was read whole before the application ran."""

    EVENT_READ = 1

    class DefaultSelector:
        def register(self, *args: Any) -> None:
            pass

        def select(self, timeout: float | None = None) -> list[Any]:
            return []

        def close(self) -> None:
            pass


def _patch() -> None:
    models.SQSBackend.send_message = _not_counting(models.SQSBackend.send_message)  # type: ignore[method-assign]
    models.SQSBackend.receive_message = _not_counting(models.SQSBackend.receive_message)  # type: ignore[method-assign]
    # moto's clock builds two datetimes per reading; the queue reads it once per message per call.
    reading, reading_ms = getattr(models, "unix_time"), getattr(models, "unix_time_millis")  # noqa: B009
    setattr(models, "unix_time", lambda dt=None: time.time() if dt is None else reading(dt))  # noqa: B010
    setattr(models, "unix_time_millis", lambda dt=None: time.time() * 1000.0 if dt is None else reading_ms(dt))  # noqa: B010
    modules = tuple(backends.list_of_moto_modules())
    setattr(backends, "list_of_moto_modules", lambda: modules)  # noqa: B010
    queue = models.Queue
    for name in _COUNTS:
        setattr(queue, name, _while_sending(getattr(queue, name), lambda _queue: 0))
    setattr(queue, "attributes", _while_sending(vars(queue)["attributes"], _Attributes))  # noqa: B010
    setattr(queue, "messages", property(_Visible))  # noqa: B010
    setattr(queue, "delete_message", _delete_message)  # noqa: B010
    setattr(models.Message, "mark_received", _mark_received(models.Message.mark_received))  # noqa: B010


if __name__ == "__main__":
    # werkzeug logs every request to stderr, which local/processes.py keeps as a pipe for start-up errors and
    # reads no further: thousands of queue calls would fill it and block the server on its next log line.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    _patch()
    server.MotoRequestHandler = KeepAliveHandler  # type: ignore[attr-defined]
    setattr(werkzeug.serving, "selectors", _NothingToDrain)  # noqa: B010 - a module global werkzeug reads
    server.main()
    sys.exit(0)
