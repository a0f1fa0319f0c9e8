"""Scheduled (EventBridge): scrape every trending combination into the trending table, and keep the
repository lists in the trending history."""

from __future__ import annotations

from typing import Any

from wegit import deadline
from wegit.observability import logger, metrics
from wegit.trending import service as trending
from wegit.trending.history import service as history

# Kept back from the function's timeout: the summary, the metrics and storing what was not reached.
RESERVE_SECONDS = 10.0


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    with deadline.invocation(context, reserve=RESERVE_SECONDS) as scope:
        return trending.refresh_all(scope.left if scope else None, history.Recorder(history.run_date(event)))
