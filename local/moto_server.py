"""`python -m moto.server`, with one fix: moto's SendMessage and ReceiveMessage compute the queue's approximate
message counts (three scans of every message in the queue) only to read an unrelated attribute
(ContentBasedDeduplication, MessageRetentionPeriod), once per message, and its clock is slow, so a queue of
10 000 messages took minutes to fill and hours to empty. While a message is being sent or received those
counts answer 0; GetQueueAttributes and everything else still count for real."""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Any

from moto.server import main
from moto.sqs import models

_sending = threading.local()
_COUNTS = (
    "approximate_number_of_messages",
    "approximate_number_of_messages_delayed",
    "approximate_number_of_messages_not_visible",
)


def _skipped_while_sending(original: property) -> property:
    def count(queue: Any) -> int:
        return 0 if getattr(_sending, "on", False) else int(original.fget(queue))  # type: ignore[misc]

    return property(count)


def _not_counting(method: Any) -> Any:
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        _sending.on = True
        try:
            return method(self, *args, **kwargs)
        finally:
            _sending.on = False

    return call


def _patch() -> None:
    models.SQSBackend.send_message = _not_counting(models.SQSBackend.send_message)  # type: ignore[method-assign]
    models.SQSBackend.receive_message = _not_counting(models.SQSBackend.receive_message)  # type: ignore[method-assign]
    # moto's clock builds two datetimes per reading; the queue reads it once per message per call.
    reading, reading_ms = getattr(models, "unix_time"), getattr(models, "unix_time_millis")  # noqa: B009
    setattr(models, "unix_time", lambda dt=None: time.time() if dt is None else reading(dt))  # noqa: B010
    setattr(models, "unix_time_millis", lambda dt=None: time.time() * 1000.0 if dt is None else reading_ms(dt))  # noqa: B010
    for name in _COUNTS:
        setattr(models.Queue, name, _skipped_while_sending(getattr(models.Queue, name)))


if __name__ == "__main__":
    # werkzeug logs every request to stderr, which local/processes.py keeps as a pipe for start-up errors and
    # reads no further: thousands of queue calls would fill it and block the server on its next log line.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    _patch()
    main()
    sys.exit(0)
