"""SNS (the ops alerts topic): post each CloudWatch alarm state change to Slack as one short message."""

from __future__ import annotations

from typing import Any

from wegit.observability import logger
from wegit.ops import alerts


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    texts = [alerts.alarm_text(record["Sns"]["Message"]) for record in event.get("Records", [])]
    return {"posted": alerts.post(texts)}
