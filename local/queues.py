"""Lambda's SQS event source, locally: pollers that receive from a real queue on the moto server and invoke the
function with SQS batch events, as Lambda does. A message is deleted only when the function succeeded and did
not report it in `batchItemFailures` (ReportBatchItemFailures); otherwise it stays in the queue and comes back
after its visibility timeout, its receive count growing, until moto moves it to the dead-letter queue named by
the queue's RedrivePolicy (maxReceiveCount)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any

from local.aws import client_for
from local.runtime import InvocationError, Runtime
from local.template import FunctionSpec, QueueSource, queue_arn, queue_url

WAIT_SECONDS = 1  # long polling, so a stop is noticed within a second


def sqs_record(message: dict[str, Any], queue: str) -> dict[str, Any]:
    """One record of Lambda's SQS event, from a ReceiveMessage answer."""
    attributes = message.get("Attributes", {})
    body = message["Body"]
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attributes.get("SentTimestamp", str(int(time.time() * 1000))),
            "SenderId": attributes.get("SenderId", "AIDAIENQZJOLO23YVJ4VO"),
            "ApproximateFirstReceiveTimestamp": attributes.get(
                "ApproximateFirstReceiveTimestamp", str(int(time.time() * 1000))
            ),
        },
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - SQS's own
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn(queue),
        "awsRegion": "us-east-1",
    }


class QueuePoller:
    """Receives batches from one queue and invokes one function with them, on `pollers` threads."""

    def __init__(
        self,
        endpoint: str,
        invoke: Callable[[str, Any], Any],
        function: str,
        source: QueueSource,
        *,
        pollers: int = 2,
        visibility_timeout: int | None = None,
        wait_seconds: int = WAIT_SECONDS,
        log: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.wait_seconds = wait_seconds
        self.sqs = client_for(endpoint, "sqs")
        self.invoke = invoke
        self.function = function
        self.source = source
        self.url = queue_url(source.queue)
        self.pollers = pollers
        self.visibility_timeout = visibility_timeout  # None: the queue's own (Lambda's behaviour)
        self.log = log
        self.stopped = threading.Event()
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()
        self.invocations = 0
        self.failed_invocations = 0
        self.last_activity = time.monotonic()

    def start(self) -> QueuePoller:
        for number in range(self.pollers):
            thread = threading.Thread(target=self._run, name=f"sqs-{self.source.queue}-{number}", daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def stop(self) -> None:
        self.stopped.set()
        for thread in self.threads:
            thread.join(timeout=self.wait_seconds + 5)

    def _run(self) -> None:
        while not self.stopped.is_set():
            try:
                if not self.poll_once() and not self.wait_seconds:
                    time.sleep(0.05)  # short polling: don't spin on an empty queue
            except Exception as exc:  # moto stopping, a network blip: try again, as Lambda's pollers do
                if self.stopped.is_set():
                    return
                self.log(f"{self.source.queue}: receive failed ({type(exc).__name__}); retrying")
                time.sleep(0.5)

    def poll_once(self) -> int:
        """One ReceiveMessage and, if it got messages, one invocation; how many messages were received."""
        options: dict[str, Any] = {}
        if self.visibility_timeout is not None:
            options["VisibilityTimeout"] = self.visibility_timeout
        answer = self.sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=min(self.source.batch_size, 10),
            WaitTimeSeconds=self.wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            **options,
        )
        messages = answer.get("Messages", [])
        if not messages:
            return 0
        self.last_activity = time.monotonic()
        event = {"Records": [sqs_record(message, self.source.queue) for message in messages]}
        failed: set[str] = set()
        try:
            result = self.invoke(self.function, event)
        except InvocationError as exc:  # the whole batch returns after the visibility timeout
            with self.lock:
                self.invocations += 1
                self.failed_invocations += 1
            self.log(f"{self.function} failed on a batch of {len(messages)} from {self.source.queue}: {exc}")
            return len(messages)
        if self.source.report_failures and isinstance(result, dict):
            failed = {str(item.get("itemIdentifier")) for item in result.get("batchItemFailures") or []}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.url,
                Entries=[{"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]} for index, m in enumerate(done)],
            )
        with self.lock:
            self.invocations += 1
        if failed:
            self.log(f"{self.function}: {len(failed)} of {len(messages)} messages from {self.source.queue} failed")
        self.last_activity = time.monotonic()
        return len(messages)

    def depth(self) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def drain(self, idle: float = 2.0, timeout: float = 600.0) -> None:
        """Wait until the queue is empty (nothing visible or in flight) and nothing arrived for `idle` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.depth() == 0 and time.monotonic() - self.last_activity > idle:
                return
            time.sleep(0.2)
        raise TimeoutError(f"{self.source.queue} still holds messages after {timeout:.0f} s")


def pollers_for(
    functions: dict[str, FunctionSpec],
    endpoint: str,
    runtime: Runtime,
    *,
    pollers: int = 2,
    visibility_timeout: int | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> list[QueuePoller]:
    """A poller per SQS event source of the template's functions, not yet started."""
    return [
        QueuePoller(
            endpoint, runtime.invoke, name, source, pollers=pollers, visibility_timeout=visibility_timeout, log=log
        )
        for name, spec in functions.items()
        for source in spec.queues
    ]
