"""Notifications pipeline benchmarks (`make bench`): the dispatcher over 10 000 and 100 000 due subscriptions, and
the worker's throughput through the real queue, against DynamoDB Local, moto's SQS and the fakes. Their numbers
are mostly those of the local stand-ins (DynamoDB Local answers a few hundred calls a second on this machine;
DynamoDB answers each in a few milliseconds, at any concurrency); the counts (enqueued, GitHub requests
per subscription) hold anywhere."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import islice

import pytest

from local.aws import client_for
from local.template import queue_url
from tests.integration.test_notifications_pipeline import QUEUE, RUN, env, seed, world  # noqa: F401 - fixtures used below

SIZES = [int(size) for size in os.environ.get("WEGIT_BENCH_DISPATCH", "10000,100000").split(",")]
WORKER_SUBSCRIPTIONS = int(os.environ.get("WEGIT_BENCH_WORKER", "1000"))


def due_subscriptions(count: int, tag: str) -> None:
    """`count` notification subscriptions due now, written 25 to a request on 8 threads."""
    from wegit.notifications.models import NotificationItem
    from wegit.notifications.store import shard_for

    now = int(time.time()) - 1
    keys = ((f"bench-{RUN}-{tag}-{number}", "SUB#bench") for number in range(count))

    def write(chunk: list[tuple[str, str]]) -> None:
        with NotificationItem.batch_write() as batch:
            for account_id, sk in chunk:
                batch.save(NotificationItem(account_id, sk, kind="notifications", createdAt=now,
                                            shard=shard_for(account_id), dueAt=now))  # fmt: skip

    chunks = iter(lambda: list(islice(keys, 500)), [])
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, chunks))


@pytest.mark.parametrize("count", SIZES)
def test_dispatch(benchmark, request, count):
    pipeline_world = request.getfixturevalue("world")
    due_subscriptions(count, f"d{count}")
    results = {}

    def run() -> None:
        results.update(pipeline_world.pipeline.dispatch(lambda: 600_000))

    benchmark.pedantic(run, rounds=1, iterations=1)
    client_for(pipeline_world.moto.endpoint, "sqs").purge_queue(QueueUrl=queue_url(QUEUE))
    benchmark.extra_info.update(results)
    print(f"\ndispatch of {count} due subscriptions: {benchmark.stats.stats.max:.1f} s, {results}")
    assert results["enqueued"] >= count


def test_worker_throughput(benchmark, request):
    pipeline_world = request.getfixturevalue("world")
    users = seed(pipeline_world, WORKER_SUBSCRIPTIONS)
    pipeline_world.dispatch()
    started = time.monotonic()

    def run() -> None:
        pipeline_world.process(pollers=8, idle=0.5, visibility_timeout=360)

    benchmark.pedantic(run, rounds=1, iterations=1)
    seconds = time.monotonic() - started
    requests = len(pipeline_world.github.requests("/api/notifications"))
    sent = sum(1 for m in pipeline_world.wechat.sent if m["touser"] in {openid for _, openid, _ in users})
    benchmark.extra_info.update(subscriptions=len(users), per_second=round(len(users) / seconds, 1),
                                github_requests_per_subscription=requests / len(users), sent=sent)  # fmt: skip
    print(f"\nworker: {len(users)} subscriptions in {seconds:.1f} s = {len(users) / seconds:.1f}/s, "
          f"{requests / len(users):.2f} GitHub requests per subscription, {sent} messages")  # fmt: skip
    assert sent == len(users)
