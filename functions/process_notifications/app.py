"""SQS: poll GitHub for each due subscription or watched repository and send WeChat subscribe messages.
A failed message is reported alone (ReportBatchItemFailures): it returns to the queue, the others do not. So is
a message the invocation has too little time left to start (pipeline.RECORD_BUDGET_MS): it is not claimed."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from wegit.notifications import pipeline
from wegit.observability import logger, metrics

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> str:
    outcome = pipeline.handle(json.loads(record.body))
    logger.debug("message handled", extra={"messageId": record.message_id, "outcome": outcome})
    return outcome


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    pipeline.start_invocation(context.get_remaining_time_in_millis)
    try:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    finally:
        pipeline.start_invocation(None)
        pipeline.flush_counts()
