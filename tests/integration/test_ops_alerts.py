"""Alarm state changes from SNS posted to a Slack webhook (a loopback server) whose URL is an SSM SecureString on
the moto server; the URL never reaches a log line."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import traceback

import pytest

from local.aws import MotoServer
from local.template import ROOT
from tests.integration.test_notifications_pipeline import load_app
from wegit import parameters

EVENT = json.loads((ROOT / "events" / "alert_slack.json").read_text())


@pytest.fixture
def slack(httpserver, moto: MotoServer, monkeypatch):
    url = httpserver.url_for("/services/T000/B000/secretpart")
    moto.client("ssm").put_parameter(Name="/wegit/slack-webhook-test", Type="SecureString", Value=url, Overwrite=True)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", moto.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("SLACK_WEBHOOK_PARAMETER", "/wegit/slack-webhook-test")
    parameters.forget()
    yield httpserver
    parameters.forget()


def handler():
    return load_app("alert_slack").lambda_handler


class Context:
    function_name = "AlertSlackFunction"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:AlertSlackFunction"
    aws_request_id = "local"


def test_an_alarm_is_one_short_slack_message(slack, capsys):
    slack.expect_oneshot_request("/services/T000/B000/secretpart", method="POST").respond_with_data("ok")
    assert handler()(EVENT, Context()) == {"posted": 1}
    ((request, _),) = slack.log
    text = request.get_json()["text"]
    assert text.startswith(
        ":rotating_light: *wegit-api-dev-NotificationsDeadLetterAlarm-1A2B3C4D5E6F* is ALARM (was OK)"
    )
    assert "Runbook: docs/runbook.md, NotificationsDeadLetterAlarm" in text
    assert len(text) < 600
    assert "secretpart" not in capsys.readouterr().out  # the webhook URL is a secret


def test_slack_refusing_is_an_error_so_sns_retries(slack):
    slack.expect_oneshot_request("/services/T000/B000/secretpart", method="POST").respond_with_data("no", status=500)
    with pytest.raises(RuntimeError, match="Slack refused"):
        handler()(EVENT, Context())


def test_no_webhook_configured_logs_instead(monkeypatch, moto):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", moto.endpoint)
    monkeypatch.setenv("SLACK_WEBHOOK_PARAMETER", "/wegit/no-such-parameter")
    parameters.forget()
    assert handler()(EVENT, Context()) == {"posted": 0}


def _refusing_port() -> int:
    """A loopback port nothing listens on: a connection to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _dropping_server() -> tuple[socket.socket, int]:
    """A loopback server that accepts a connection and closes it without an answer."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def drop() -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = server.accept()
                connection.close()

    threading.Thread(target=drop, daemon=True).start()
    return server, int(server.getsockname()[1])


@pytest.mark.parametrize("fault", ["refused", "dropped"])
def test_slack_unreachable_never_shows_the_webhook_url(moto, monkeypatch, capsys, logs, fault):
    server, port = _dropping_server() if fault == "dropped" else (None, _refusing_port())
    planted = f"http://127.0.0.1:{port}/services/T000/B000/plantedsecretpart"
    moto.client("ssm").put_parameter(Name="/wegit/slack-webhook-down", Type="SecureString", Value=planted,
                                     Overwrite=True)  # fmt: skip
    for name, value in {"AWS_ENDPOINT_URL_SSM": moto.endpoint, "AWS_ACCESS_KEY_ID": "local",
                        "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "us-east-1",
                        "SLACK_WEBHOOK_PARAMETER": "/wegit/slack-webhook-down"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    parameters.forget()
    try:
        with pytest.raises(RuntimeError, match="Slack could not be reached") as failure:
            handler()(EVENT, Context())
    finally:
        parameters.forget()
        if server is not None:
            server.close()
    report = "".join(traceback.format_exception(failure.value))  # what Lambda logs for a failed invocation
    printed = capsys.readouterr()
    for where, text in {"exception": report, "stdout": printed.out, "stderr": printed.err,
                        "log": json.dumps(logs())}.items():  # fmt: skip
        assert "plantedsecretpart" not in text, where
        assert "/services/T000" not in text, where
    assert any(line.get("message") == "Slack could not be reached" for line in logs())
