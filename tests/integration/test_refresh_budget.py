"""The scheduled trending refresh against a github.com that drips or asks to wait: it stops cleanly before its
timeout, stores the combinations it did not reach, starts the next run with them, and always logs a summary
and emits its metrics. The handler runs in this process, on DynamoDB Local and the loopback fake."""

from __future__ import annotations

import json
import time
from urllib.parse import unquote

import pytest

from functions.refresh_trending import app as refresh
from local.dynamodb import DynamoDBLocal, create_tables
from local.fakes import faults
from local.template import load
from wegit import dynamodb as dynamodb_client
from wegit import http_session, settings
from wegit.observability import metrics
from wegit.trending import service as trending
from wegit.trending import store

COMBINATIONS = len(trending.combinations())


class Context:
    function_name = "RefreshTrendingFunction"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:RefreshTrendingFunction"
    aws_request_id = "refresh-budget"

    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self.ends - time.monotonic()) * 1000)


def _clear_caches() -> None:
    settings.get_settings.cache_clear()
    http_session.get_session.cache_clear()
    dynamodb_client.client.cache_clear()


@pytest.fixture
def environment(dynamodb: DynamoDBLocal, github, monkeypatch):
    template = load()
    create_tables(dynamodb.client(), template.tables, template.table_names())
    for name, value in {
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb.endpoint, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
        "GITHUB_WEB_URL": github.web_url, "TRENDING_TABLE": "TrendingTable", "TRENDING_PACE_SECONDS": "0",
        "HTTP_READ_TIMEOUT": "1", "HTTP_TOTAL_TIMEOUT": "2",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(metrics, "namespace", "WeGit")
    _clear_caches()
    store.put(trending.PENDING_KEY, [])
    yield github
    _clear_caches()


def _pending() -> list[str]:
    snapshot = store.get(trending.PENDING_KEY)
    assert snapshot is not None
    return list(snapshot.rows)


def _emitted(out: str) -> dict[str, float]:
    """The metrics of the EMF lines printed."""
    found: dict[str, float] = {}
    for line in out.splitlines():
        if line.startswith("{") and "_aws" in line:
            document = json.loads(line)
            for name in ("TrendingPagesRefreshed", "TrendingPagesFailed", "TrendingPagesNotReached"):
                if name in document:
                    value = document[name]
                    found[name] = value[0] if isinstance(value, list) else value
    return found


def test_out_of_time_stops_cleanly_and_the_next_run_starts_where_it_stopped(environment, logs, capsys):
    github = environment
    faults.inject(github, r"^/web/trending", faults.catalogue()["dripping body"])
    # 4.5 s beyond the reserve: two dripping pages of 2 s, then not enough left for a third.
    context = Context(refresh.RESERVE_SECONDS + 4.5)
    result = refresh.lambda_handler({}, context)
    assert context.get_remaining_time_in_millis() > refresh.RESERVE_SECONDS * 1000 - 500  # well before the timeout
    assert result == {"refreshed": 0, "failed": 2, "not_reached": COMBINATIONS - 2}
    pending = store.get(trending.PENDING_KEY)
    assert pending is not None
    assert len(pending.rows) == COMBINATIONS - 2
    summary = [line for line in logs() if line["message"] == "trending refresh finished"]
    assert summary and summary[0]["not_reached"] == COMBINATIONS - 2
    assert _emitted(capsys.readouterr().out) == {
        "TrendingPagesRefreshed": 0, "TrendingPagesFailed": 2, "TrendingPagesNotReached": COMBINATIONS - 2,
    }  # fmt: skip

    github.clear()  # github.com is fine again; this run has time for a few pages only
    result = refresh.lambda_handler({}, Context(refresh.RESERVE_SECONDS + 2.6))
    served = [unquote(r.full_path) for r in github.requests("/web")]
    assert served, "the second run scraped nothing"
    assert result["refreshed"] == len(served)
    expected = [unquote(trending.page_url(q)).removeprefix(github.web_url.removesuffix("/web")) for q in
                [{q.key: q for q in trending.combinations()}[key] for key in pending.rows[: len(served)]]]  # fmt: skip
    assert served == expected  # the ones the last run did not reach come first, in order
    still = _pending()  # the rest, then the two that dripped (tried, not pending)
    assert still[: len(pending.rows) - len(served)] == pending.rows[len(served) :]
    assert len(still) == COMBINATIONS - len(served)


def test_github_asking_to_wait_stops_the_run_at_once(environment, capsys):
    github = environment
    faults.inject(github, r"^/web/trending", faults.catalogue()["429 retry-after seconds"])
    result = refresh.lambda_handler({}, Context(600))
    assert result == {"refreshed": 0, "failed": 1, "not_reached": COMBINATIONS}
    assert len(github.requests("/web")) == 1  # not 90 requests into a rate limit
    assert len(_pending()) == COMBINATIONS
    assert _emitted(capsys.readouterr().out)["TrendingPagesNotReached"] == COMBINATIONS
