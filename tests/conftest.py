"""Shared fixtures: real DynamoDB Local, the loopback GitHub fake, and the local API over HTTP."""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
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
    """A moto server on loopback (SSM, KMS, SQS, SNS, S3), stopped at the end of the session."""
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


# Where every pytest process (each xdist worker, or the one process) leaves what the e2e suite captured: the API's
# answers and log lines, and what the functions printed. The secrets check reads all of it once the run ends.
CAPTURED = "WEGIT_TEST_CAPTURED"


def _process(config: pytest.Config) -> str:
    return str(getattr(config, "workerinput", {}).get("workerid", "main"))


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (workers inherit its environment) or the one process
        os.environ[CAPTURED] = tempfile.mkdtemp(prefix="wegit-captured-")


@pytest.hookimpl(trylast=True)  # after the session's fixtures are torn down, so after they wrote what they saw
def pytest_sessionfinish(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput"):
        return
    from tests.smoke.test_secrets import problems

    directory = Path(os.environ.pop(CAPTURED))
    answers = "\n".join(path.read_text() for path in sorted(directory.glob("*.answers")))
    printed = "\n".join(path.read_text() for path in sorted(directory.glob("*.functions.log")))
    found = problems(answers, printed)
    reporter = session.config.pluginmanager.getplugin("terminalreporter")
    assert reporter is not None
    if found:
        reporter.write_sep("=", "secrets check: the run captured what it must not", red=True)
        for problem in found:
            reporter.write_line(f"FAILED: {problem}", red=True, bold=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if session.exitstatus == pytest.ExitCode.OK:
        shutil.rmtree(directory, ignore_errors=True)
    else:  # kept for whoever looks into the failure: the functions' logs are there
        reporter.write_line(f"what the run captured (answers, the functions' logs): {directory}")


@pytest.fixture(scope="session")
def exchanges(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """What the e2e tests saw of the local API: every answer (status, headers, body) and its log lines."""
    seen: list[str] = []
    yield seen
    (Path(os.environ[CAPTURED]) / f"{_process(request.config)}.answers").write_text("\n".join(seen))


@pytest.fixture(scope="session")
def function_log(request: pytest.FixtureRequest) -> Path:
    """Everything the functions print (their structured logs), for tests that read it."""
    return Path(os.environ[CAPTURED]) / f"{_process(request.config)}.functions.log"


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
