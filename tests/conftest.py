"""Shared fixtures: real DynamoDB Local, the loopback GitHub fake, and the local API over HTTP."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from local.aws import MotoServer
from local.dynamodb import DynamoDBLocal
from local.fakes.github import GitHubFake
from local.fakes.wechat import WeChatFake
from local.server import LocalApi
from local.stack import Stack
from wegit.observability import logger


@pytest.fixture(scope="session")
def dynamodb() -> Iterator[DynamoDBLocal]:
    """DynamoDB Local in memory on a free port, stopped at the end of the session whatever happens."""
    with DynamoDBLocal() as ddb:
        yield ddb


@pytest.fixture(scope="session")
def github_server() -> Iterator[GitHubFake]:
    with GitHubFake() as fake:
        yield fake


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    """A moto server on loopback (SSM, KMS, SQS, SNS), stopped at the end of the session."""
    with MotoServer() as server:
        yield server


@pytest.fixture(scope="session")
def wechat_server() -> Iterator[WeChatFake]:
    with WeChatFake() as fake:
        yield fake


@pytest.fixture
def wechat(wechat_server: WeChatFake) -> Iterator[WeChatFake]:
    """The WeChat fake with no requests, messages, grants or scripted answers left over from another test."""
    wechat_server.clear()
    yield wechat_server
    wechat_server.clear()


@pytest.fixture
def github(github_server: GitHubFake) -> Iterator[GitHubFake]:
    """The GitHub fake with an empty request log and no scripted answers left over from another test."""
    github_server.clear()
    yield github_server
    github_server.clear()


# Known fake secrets, random-looking so that no generated data can hold a piece of them by chance;
# tests/smoke/test_secrets.py checks that none of them ever reaches a log line, an answer or a metric.
SERVICE_TOKEN = "ghs_" + "Qm7xT2vRk9LwZp4HcN8yBd3FjS6gEa1UuK5o"
USER_TOKEN = "ghp_" + "Vn3sJ8qWe5RtY1zXc7LbK2mPd9HgF4aTu6Ao"
SECRETS = (SERVICE_TOKEN, USER_TOKEN)


@pytest.fixture(scope="session")
def exchanges() -> list[str]:
    """What the e2e tests saw of the local API: every answer (status, headers, body) and its log lines."""
    return []


@pytest.fixture(scope="session")
def function_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Everything the functions print (their structured logs), for tests that read it."""
    return tmp_path_factory.mktemp("functions") / "functions.log"


@pytest.fixture(scope="session")
def stack(
    dynamodb: DynamoDBLocal, github_server: GitHubFake, wechat_server: WeChatFake, moto: MotoServer, function_log: Path
) -> Iterator[Stack]:
    environment = {"HTTP_READ_TIMEOUT": "1", "HTTP_TOTAL_TIMEOUT": "3", "GITHUB_TOKEN": SERVICE_TOKEN}
    with Stack(
        dynamodb_endpoint=dynamodb.endpoint,
        github_fake=github_server,
        wechat_fake=wechat_server,
        aws_endpoint=moto.endpoint,
        persist=False,
        environment=environment,
        function_log=function_log,
    ) as local_stack:
        yield local_stack


@pytest.fixture(scope="session")
def api(stack: Stack, exchanges: list[str]) -> Iterator[LocalApi]:
    assert stack.runtime is not None
    local_api = LocalApi(
        stack.template.functions, stack.runtime, port=0, log=exchanges.append, cors=stack.template.cors
    ).start()
    yield local_api
    local_api.stop()


@pytest.fixture
def http(api: LocalApi, github: GitHubFake, exchanges: list[str]) -> Iterator[requests.Session]:
    """A client of the local API; base URL in `http.base_url`. Every answer is kept in `exchanges`."""

    def keep(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        exchanges.append(f"{response.status_code} {dict(response.headers)} {response.text}")

    with requests.Session() as session:
        session.base_url = api.url  # type: ignore[attr-defined]
        session.hooks["response"].append(keep)
        yield session


@pytest.fixture
def logs() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The structured log lines the wegit package writes during the test, parsed."""
    handler = logger.registered_handler
    stream = io.StringIO()
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    handler.setStream(previous)  # type: ignore[attr-defined]


@pytest.fixture
def table(stack: Stack) -> Any:
    """A scan of one of the stack's tables (AccountsTable unless named), as DynamoDB holds the items."""
    client = boto3.client(
        "dynamodb",
        endpoint_url=stack.dynamodb_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )

    def items(name="AccountsTable"):
        return client.scan(TableName=name)["Items"]

    items.client = client  # type: ignore[attr-defined]
    return items
