"""The connection opened during init: handed to the session's pool, used by the first request, never in the way."""

from __future__ import annotations

import socket
import time

import pytest

from local.fakes.latency import LatencyProxy
from wegit import preconnect
from wegit.http_session import get_session


@pytest.fixture
def lambda_environment(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "test")
    get_session.cache_clear()
    yield
    get_session.cache_clear()
    preconnect._pending = None


@pytest.fixture
def proxy(github):
    host, port = github.server.host, github.server.port
    with LatencyProxy(host, port, round_trip=0.05) as latency:
        yield latency


def test_the_first_request_uses_the_connection_opened_during_init(lambda_environment, proxy):
    preconnect.start(proxy.url)
    time.sleep(0.2)  # init goes on meanwhile; the handshake (two round trips) is over
    assert preconnect.hand_over() is True
    response = get_session().get(f"{proxy.url}/api/users/octocat")
    assert response.status_code == 200
    assert proxy.connections == 1  # no second connection: the request went over the opened one


def test_nothing_opened_nothing_handed_over_and_the_request_still_works(lambda_environment, github):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}"
    preconnect.start(dead)
    assert preconnect.hand_over() is False
    assert preconnect.hand_over() is False  # once only
    assert get_session().get(f"{github.api_url}/users/octocat").status_code == 200


def test_off_outside_a_lambda_environment(monkeypatch, proxy):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    preconnect.start(proxy.url)
    assert preconnect.hand_over() is False
    assert proxy.connections == 0


def test_after_a_snapstart_restore_clients_are_new_and_the_connection_opens_again(lambda_environment, proxy):
    from wegit import dynamodb

    preconnect.start(proxy.url)
    assert preconnect.hand_over() is True
    session, client = get_session(), dynamodb.client()
    preconnect._before_snapshot()
    preconnect._after_restore()  # what the runtime's register_after_restore hook runs
    assert get_session() is not session
    assert dynamodb.client() is not client
    assert preconnect.hand_over() is True  # opened again, into the new session's pool
    assert proxy.connections == 2


def test_a_function_that_asks_twice_at_once_gets_two_connections(lambda_environment, proxy):
    preconnect.start(proxy.url, connections=2)
    time.sleep(0.2)
    assert preconnect.hand_over() is True
    session = get_session()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: session.get(f"{proxy.url}/api/users/octocat"), range(2)))
    assert [answer.status_code for answer in answers] == [200, 200]
    assert proxy.connections == 2  # both went over the opened ones


def test_the_connection_opens_before_urllib3_is_imported(lambda_environment, proxy):
    import subprocess
    import sys

    from local.template import LAYER_DIR

    probe = (
        "import sys, time; from wegit import preconnect; preconnect.start(sys.argv[1]); "
        "[t.join(5) for t in preconnect._pending[1]]; "
        "print(len(preconnect._pending[2]), 'urllib3' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, proxy.url],
        env={"PYTHONPATH": str(LAYER_DIR), "AWS_LAMBDA_FUNCTION_NAME": "probe", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["1", "False"]  # opened with the standard library alone
