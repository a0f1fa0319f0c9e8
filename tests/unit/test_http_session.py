"""The shared session against a real HTTP server on loopback: status mapping, retries, timeouts, redaction."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from pytest_httpserver import HTTPServer
from urllib3.connection import HTTPConnection
from werkzeug import Request, Response

from wegit import deadline, errors
from wegit.http_session import (
    build_session,
    get_session,
    redact_url,
    require_requests_session,
    retry_after_seconds,
)
from wegit.observability import metrics
from wegit.settings import Settings

SETTINGS = Settings(connect_timeout=1.0, read_timeout=0.5, user_agent="WeGit-API/test")


@pytest.fixture
def session() -> requests.Session:
    return build_session(SETTINGS)


@pytest.mark.parametrize(
    ("status", "headers", "error", "expected_status"),
    [
        (401, {}, errors.BadCredentials, 401),
        (403, {}, errors.Forbidden, 403),
        (
            403,
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 120)},
            errors.RateLimited,
            429,
        ),
        (429, {"Retry-After": "30"}, errors.RateLimited, 429),
        (404, {}, errors.NotFound, 404),
        (410, {}, errors.NotFound, 404),
        (422, {}, errors.BadRequest, 400),
        (500, {}, errors.UpstreamUnavailable, 502),
    ],
)
def test_error_statuses_become_typed_errors(httpserver: HTTPServer, session, status, headers, error, expected_status):
    httpserver.expect_request("/thing").respond_with_json({"message": "upstream words"}, status=status, headers=headers)
    with pytest.raises(error) as raised:
        session.get(httpserver.url_for("/thing"))
    assert raised.value.status == expected_status
    assert "upstream words" not in raised.value.message  # never echo upstream text


def test_rate_limit_retry_after_comes_from_reset_header(httpserver: HTTPServer, session):
    reset = int(time.time()) + 90
    httpserver.expect_request("/limited").respond_with_json(
        {}, status=403, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
    )
    with pytest.raises(errors.RateLimited) as raised:
        session.get(httpserver.url_for("/limited"))
    assert 85 <= raised.value.retry_after <= 90


def test_success_passes_through(httpserver: HTTPServer, session):
    httpserver.expect_request("/ok").respond_with_json({"a": 1})
    assert session.get(httpserver.url_for("/ok")).json() == {"a": 1}


def test_502_then_success_is_retried(httpserver: HTTPServer, session):
    httpserver.expect_ordered_request("/flaky").respond_with_data("bad gateway", status=502)
    httpserver.expect_ordered_request("/flaky").respond_with_json({"ok": True})
    assert session.get(httpserver.url_for("/flaky")).json() == {"ok": True}
    assert len(httpserver.log) == 2


def test_5xx_retried_at_most_twice_then_502(httpserver: HTTPServer, session):
    httpserver.expect_request("/down").respond_with_data("unavailable", status=503)
    with pytest.raises(errors.UpstreamUnavailable):
        session.get(httpserver.url_for("/down"))
    assert len(httpserver.log) == 3  # the call and two retries


def test_500_is_not_retried(httpserver: HTTPServer, session):
    httpserver.expect_request("/broken").respond_with_data("boom", status=500)
    with pytest.raises(errors.UpstreamUnavailable):
        session.get(httpserver.url_for("/broken"))
    assert len(httpserver.log) == 1


def test_post_is_not_retried(httpserver: HTTPServer, session):
    httpserver.expect_request("/write", method="POST").respond_with_data("unavailable", status=503)
    with pytest.raises(errors.UpstreamUnavailable):
        session.post(httpserver.url_for("/write"), json={})
    assert len(httpserver.log) == 1


def test_429_is_not_retried_even_with_a_short_retry_after(httpserver: HTTPServer, session):
    httpserver.expect_request("/limited").respond_with_json({}, status=429, headers={"Retry-After": "1"})
    with pytest.raises(errors.RateLimited):
        session.get(httpserver.url_for("/limited"))
    assert len(httpserver.log) == 1


def test_retry_after_is_honoured(httpserver: HTTPServer, session):
    httpserver.expect_ordered_request("/busy").respond_with_data("", status=503, headers={"Retry-After": "1"})
    httpserver.expect_ordered_request("/busy").respond_with_json({"ok": True})
    started = time.monotonic()
    assert session.get(httpserver.url_for("/busy")).json() == {"ok": True}
    assert time.monotonic() - started >= 0.9


def test_long_retry_after_is_not_waited_for(httpserver: HTTPServer, session):
    httpserver.expect_request("/later").respond_with_data("", status=503, headers={"Retry-After": "3600"})
    with pytest.raises(errors.UpstreamBusy) as raised:  # 503 with Retry-After: the caller gets both
        session.get(httpserver.url_for("/later"))
    assert raised.value.retry_after == 3600
    assert len(httpserver.log) == 1


def test_read_timeout_is_504_and_not_retried(httpserver: HTTPServer, session):
    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    with pytest.raises(errors.UpstreamTimeout) as raised:
        session.get(httpserver.url_for("/slow"))
    assert raised.value.status == 504
    assert len(httpserver.log) <= 1


def test_connection_refused_is_502_after_retries(session):
    from local.dynamodb import free_port

    with pytest.raises(errors.UpstreamUnavailable) as raised:
        session.get(f"http://127.0.0.1:{free_port()}/nothing-listens")
    assert raised.value.status == 502


def test_one_structured_line_per_call_with_rate_limit_headers(httpserver: HTTPServer, session, logs):
    httpserver.expect_request("/users/octocat").respond_with_json(
        {}, headers={"X-RateLimit-Remaining": "4999", "X-RateLimit-Limit": "5000", "X-RateLimit-Resource": "core"}
    )
    session.get(httpserver.url_for("/users/octocat"))
    lines = [line for line in logs() if line["message"] == "upstream call"]
    assert len(lines) == 1
    line = lines[0]
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert line["url"].endswith("/users/octocat")
    assert line["rate_remaining"] == "4999"
    assert line["rate_limit"] == "5000"
    assert isinstance(line["elapsed_ms"], float)


def test_secrets_never_reach_the_log(httpserver: HTTPServer, session, logs):
    secret = "ghp_" + "s3cr3t" * 6
    httpserver.expect_request("/login").respond_with_json({}, status=401)
    with pytest.raises(errors.BadCredentials) as raised:
        session.get(
            httpserver.url_for("/login"),
            params={"token": secret, "access_token": secret, "page": "2"},
            headers={"Authorization": f"token {secret}"},
        )
    output = json.dumps(logs())
    assert secret not in output
    assert secret not in raised.value.message
    assert "token=***" in output
    assert "access_token=***" in output
    assert "page=2" in output
    # the server did get the real credentials: redaction is for logs only
    assert httpserver.log[0][0].headers["Authorization"] == f"token {secret}"


def test_redact_url():
    assert (
        redact_url("https://u:p@x/a?token=1&b=2&access_token=3#f") == "https://***@x/a?token=***&b=2&access_token=***#f"
    )


def test_user_agent_names_the_service(httpserver: HTTPServer, session):
    httpserver.expect_request("/ua").respond_with_json({})
    session.get(httpserver.url_for("/ua"))
    assert httpserver.log[0][0].headers["User-Agent"] == "WeGit-API/test"


def test_retry_after_seconds_parses_both_forms():
    assert retry_after_seconds({"Retry-After": "42"}) == 42
    assert retry_after_seconds({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, now=1445412470) == 10
    assert retry_after_seconds({"X-RateLimit-Reset": "1000"}, now=900) == 100
    assert retry_after_seconds({}) == 60


def test_decorator_hands_the_shared_session_and_respects_an_explicit_one():
    @require_requests_session
    def fetch(*, requests_session: requests.Session) -> requests.Session:
        return requests_session

    assert fetch() is get_session()
    assert fetch() is fetch()  # one session per execution environment
    own = requests.Session()
    assert fetch(requests_session=own) is own


def test_keep_alive_reuses_the_connection(session):
    # werkzeug's test server speaks HTTP/1.0 and closes every connection, so count client ports on an HTTP/1.1 one.
    ports: list[int] = []

    class KeepAlive(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            ports.append(self.client_address[1])
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for _ in range(3):
            session.get(f"http://127.0.0.1:{server.server_address[1]}/")
    finally:
        server.shutdown()
        server.server_close()
    assert len(ports) == 3
    assert len(set(ports)) == 1


@pytest.mark.parametrize(("authorization", "credential"), [({"Authorization": "token x"}, "token"), ({}, "anonymous")])
def test_rate_limit_left_is_a_metric(httpserver: HTTPServer, session, capsys, monkeypatch, authorization, credential):
    monkeypatch.setattr(metrics, "namespace", "WeGit/test")
    headers = {"X-RateLimit-Remaining": "4321", "X-RateLimit-Resource": "search"}
    httpserver.expect_request("/search/repositories").respond_with_json({}, headers=headers)
    httpserver.expect_request("/plain").respond_with_json({})  # no rate-limit headers: no metric
    session.get(httpserver.url_for("/search/repositories"), headers=authorization)
    session.get(httpserver.url_for("/plain"))
    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert len(blobs) == 1
    (directive,) = blobs[0]["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "WeGit/test"
    assert directive["Metrics"] == [{"Name": "GitHubRateLimitRemaining", "Unit": "Count"}]
    assert blobs[0]["GitHubRateLimitRemaining"] in (4321, [4321.0])
    assert (blobs[0]["resource"], blobs[0]["credential"]) == ("search", credential)


def test_a_call_still_connecting_when_its_invocation_ends_ends_with_it(monkeypatch):
    """The end of an invocation can come while one of its calls is connecting (no socket to shut yet): the
    call must end as soon as it has connected, not wait out its read timeout for an answer nobody reads."""
    listener = socket.create_server(("127.0.0.1", 0))  # accepts (the kernel's backlog) and never answers
    session = build_session(Settings(connect_timeout=1.0, read_timeout=5.0, total_timeout=8.0))
    context = type("Context", (), {"get_remaining_time_in_millis": lambda self: 30_000})()
    connect = HTTPConnection._new_conn

    def connect_as_the_invocation_ends(self: HTTPConnection) -> socket.socket:
        sock = connect(self)
        assert ending is not None
        ending.end()  # the answer was sent while this call connected
        return sock

    monkeypatch.setattr(HTTPConnection, "_new_conn", connect_as_the_invocation_ends)
    with listener, deadline.invocation(context) as ending:
        started = time.monotonic()
        with pytest.raises((errors.UpstreamUnavailable, errors.UpstreamTimeout)):
            session.get(f"http://127.0.0.1:{listener.getsockname()[1]}/slow")
        assert time.monotonic() - started < 2.5, "the call waited for its read timeout (5 s)"
