"""Scheduled (EventBridge): enqueue every notifications subscription and watched repository that is due."""

from __future__ import annotations

from typing import Any

from wegit.notifications import pipeline
from wegit.observability import logger, metrics


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    try:
        return pipeline.dispatch(context.get_remaining_time_in_millis)
    finally:
        pipeline.flush_counts()
