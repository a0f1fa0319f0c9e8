"""EventBridge schedules, locally: every `Schedule` event of the template's functions fires on its rate while
`make dev` runs (SCHEDULES=0 turns that off), and `python -m local schedule FUNCTION` fires one now.
`rate(...)` expressions run on their rate; a `cron(...)` expression is not emulated (fire it by hand)."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from local.template import ACCOUNT, FunctionSpec

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> int | None:
    """Seconds between two runs of a `rate(...)` expression; None for anything else (cron)."""
    found = _RATE.match(expression.strip())
    if not found:
        return None
    return int(found.group(1)) * _UNIT[found.group(2).rstrip("s")]


def scheduled_event(function: str, expression: str = "") -> dict[str, Any]:
    """What EventBridge sends a function on a schedule."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [
            f"arn:aws:events:us-east-1:{ACCOUNT}:rule/wegit-local-{function}{'-' + expression if expression else ''}"
        ],
        "detail": {},
    }


class Scheduler:
    """A timer thread per rate schedule; each run is one invocation (a run still going when the next is due
    delays it, as a single local worker would)."""

    def __init__(
        self, functions: dict[str, FunctionSpec], invoke: Callable[[str, Any], Any], log: Callable[[str], None]
    ) -> None:
        self.jobs = [
            (name, expression, rate_seconds(expression))
            for name, spec in functions.items()
            for expression in spec.schedules
        ]
        self.invoke = invoke
        self.log = log
        self.stopped = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> Scheduler:
        for name, expression, seconds in self.jobs:
            if seconds is None:
                self.log(f"  schedule {expression} of {name} is not emulated: `python -m local schedule {name}`")
                continue
            thread = threading.Thread(target=self._run, args=(name, expression, seconds), daemon=True)
            thread.start()
            self.threads.append(thread)
            self.log(f"  schedule {expression:20} -> {name}")
        return self

    def _run(self, name: str, expression: str, seconds: int) -> None:
        while not self.stopped.wait(seconds):
            try:
                self.invoke(name, scheduled_event(name, expression))
                self.log(f"schedule {expression}: {name} ran")
            except Exception as exc:
                self.log(f"schedule {expression}: {name} failed: {exc}")

    def stop(self) -> None:
        self.stopped.set()
