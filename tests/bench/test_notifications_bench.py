"""Notifications pipeline benchmarks (`make bench` runs them through bench/notifications.py): the dispatcher over
10 000 and 100 000 due subscriptions, and the worker's throughput through the real queue for 10 000, end to end,
against DynamoDB Local, moto's SQS and KMS and the GitHub and WeChat fakes. Their times are mostly those of the
local stand-ins, all on this machine's cores (DynamoDB answers each call in a few milliseconds at any
concurrency, and Lambda runs up to 20 workers side by side); the counts (enqueued, GitHub requests per
subscription, messages per user) hold anywhere."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from pathlib import Path

import pytest

from local.aws import client_for
from local.template import queue_url
from tests.integration.test_notifications_pipeline import (  # noqa: F401 - fixtures used below
    QUEUE,
    RUN,
    assert_each_polled_and_messaged_once,
    env,
    seed,
    world,
)

SIZES = [int(size) for size in os.environ.get("WEGIT_BENCH_DISPATCH", "10000,100000").split(",") if size]
WORKER_SUBSCRIPTIONS = int(os.environ.get("WEGIT_BENCH_WORKER", "10000"))
WORKER_POLLERS = int(os.environ.get("WEGIT_BENCH_POLLERS", "8"))
# The dispatch runs read items due at a made-up time of their own, far ahead, so neither sees the other's items
# nor the worker run the dispatch runs' (a later run's time is earlier: dueAt <= its time leaves the others out).
AHEAD = 10**8


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and every process it started (moto, DynamoDB Local): what the
    work cost whatever else the machine was doing (Linux /proc; 0 elsewhere)."""
    ticks, table = os.sysconf("SC_CLK_TCK"), {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        table[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))  # ppid, utime + stime
    family, grown = {os.getpid()}, True
    while grown:
        children = {pid for pid, (parent, _) in table.items() if parent in family} - family
        family, grown = family | children, bool(children)
    return sum(table[pid][1] for pid in family if pid in table) / ticks


def due_subscriptions(count: int, due_at: int) -> None:
    """`count` notification subscriptions due at `due_at`, written 25 to a request on 8 threads."""
    from wegit.notifications.models import NotificationItem
    from wegit.notifications.store import shard_for

    keys = ((f"bench-{RUN}-{count}-{number}", "SUB#bench") for number in range(count))

    def write(chunk: list[tuple[str, str]]) -> None:
        with NotificationItem.batch_write() as batch:
            for account_id, sk in chunk:
                batch.save(NotificationItem(account_id, sk, kind="notifications", createdAt=due_at,
                                            shard=shard_for(account_id), dueAt=due_at))  # fmt: skip

    chunks = iter(lambda: list(islice(keys, 500)), [])
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, chunks))


def purge(sqs, url):
    """Empty the queue; SQS allows one purge a minute per queue (a faster dispatch run meets that): wait for it."""
    deadline = time.monotonic() + 65
    while True:
        try:
            sqs.purge_queue(QueueUrl=url)
            return
        except sqs.exceptions.PurgeQueueInProgress:
            if time.monotonic() > deadline:
                raise
            time.sleep(2)


@pytest.mark.parametrize("count", SIZES)
def test_dispatch(benchmark, request, count):
    pipeline_world = request.getfixturevalue("world")
    due_at = int(time.time()) + AHEAD - count
    due_subscriptions(count, due_at)
    results = {}
    cpu = cpu_seconds()

    def run() -> None:
        results.update(pipeline_world.pipeline.dispatch(lambda: 600_000, now=due_at))

    benchmark.pedantic(run, rounds=1, iterations=1)
    results["cpu_seconds"] = round(cpu_seconds() - cpu, 1)
    purge(client_for(pipeline_world.moto.endpoint, "sqs"), queue_url(QUEUE))
    benchmark.extra_info.update(results, subscriptions=count, seconds=round(benchmark.stats.stats.max, 1))
    print(f"\ndispatch of {count} due subscriptions: {benchmark.stats.stats.max:.1f} s, {results}")
    assert results["enqueued"] == count


def test_worker_throughput(benchmark, request):
    pipeline_world = request.getfixturevalue("world")
    users = seed(pipeline_world, WORKER_SUBSCRIPTIONS)
    started, cpu = time.monotonic(), cpu_seconds()

    def run() -> None:
        pipeline_world.dispatch()
        pipeline_world.process(pollers=WORKER_POLLERS, idle=0.5, visibility_timeout=360)

    benchmark.pedantic(run, rounds=1, iterations=1)
    seconds, cpu = time.monotonic() - started, cpu_seconds() - cpu
    tokens = {token for _, _, token in users}
    requests = [r for r in pipeline_world.github.requests("/api/notifications")
                if r.headers.get("Authorization", "").split()[-1] in tokens]  # fmt: skip
    openids = {openid for _, openid, _ in users}
    sent = sum(1 for message in pipeline_world.wechat.sent if message["touser"] in openids)
    benchmark.extra_info.update(
        subscriptions=len(users), seconds=round(seconds, 1), per_second=round(len(users) / seconds, 1),
        github_requests_per_subscription=round(len(requests) / len(users), 3), messages=sent, pollers=WORKER_POLLERS,
        outcomes=dict(pipeline_world.handled), cpu_ms_per_subscription=round(cpu * 1000 / len(users), 1),
    )  # fmt: skip
    print(f"\nworker: {len(users)} subscriptions dispatched and processed in {seconds:.1f} s = "
          f"{len(users) / seconds:.1f}/s, {len(requests) / len(users):.2f} GitHub requests per subscription, "
          f"{sent} messages, {cpu * 1000 / len(users):.0f} CPU ms per subscription")  # fmt: skip
    assert_each_polled_and_messaged_once(pipeline_world, users)
