"""Scheduled (EventBridge): scrape every trending combination into the trending table."""

from __future__ import annotations

from typing import Any

from wegit import deadline
from wegit.observability import logger, metrics
from wegit.trending import service as trending

# Kept back from the function's timeout: the summary, the metrics and storing what was not reached.
RESERVE_SECONDS = 10.0


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    with deadline.invocation(context, reserve=RESERVE_SECONDS) as scope:
        return trending.refresh_all(scope.left if scope else None)
