"""Alarm state changes from SNS posted to a Slack webhook (a loopback server) whose URL is an SSM SecureString on
the moto server; the URL never reaches a log line."""

from __future__ import annotations

import json

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
    assert "Runbook: README, Runbook, NotificationsDeadLetterAlarm" in text
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
