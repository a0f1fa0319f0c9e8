"""Scheduled (EventBridge): scrape every trending combination into the trending table."""

from __future__ import annotations

from typing import Any

from wegit.observability import logger, metrics
from wegit.trending import service as trending


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    return trending.refresh_all()
