"""The notifications pipeline through the local stack, as a person tries it offline: subscribe and record a
grant through the API, fire the dispatcher's schedule with `python -m local schedule`, and the stack's queue
poller delivers the SQS batch to the worker process, which sends the message the WeChat fake records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from local.aws import client_for
from local.fakes.wechat import openid_for
from local.template import ROOT, queue_url
from tests.e2e.test_accounts import USER_TOKEN, call, login


def wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_subscribe_grant_fire_the_schedule_and_see_the_message(http, github, wechat, stack, dynamodb, moto):
    session = login(http, "pipeline-demo")
    assert call(http, "PUT", "/me/github-token", session, json={"token": USER_TOKEN}).status_code == 200
    assert call(http, "POST", "/subscriptions", session, json={"kind": "notifications"}).status_code in (200, 201)
    grant = {"templateId": "tmpl-github-notification", "count": 1}
    assert call(http, "POST", "/subscriptions/grants", session, json=grant).status_code in (200, 201)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 2))  # after the subscription
    github.notifications[USER_TOKEN] = [
        {
            "id": "1",
            "updated_at": now,
            "reason": "mention",
            "subject": {"title": "Please review", "type": "PullRequest"},
            "repository": {"full_name": "octocat/hello-world"},
        }
    ]
    stack.start_queues(visibility_timeout=2)
    try:
        command = [sys.executable, "-m", "local", "schedule", "DispatchNotificationsFunction"]
        env = {**os.environ, "DYNAMODB_ENDPOINT": dynamodb.endpoint, "AWS_LOCAL_ENDPOINT": moto.endpoint}
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["enqueued"] >= 1
        openid = openid_for("pipeline-demo")
        assert wait_for(lambda: any(m["touser"] == openid for m in wechat.sent)), done.stderr
        (message,) = [m for m in wechat.sent if m["touser"] == openid]
        assert message["data"]["thing1"]["value"] == "octocat/hello-world"
        assert message["data"]["thing2"]["value"] == "Please review"
        assert message["data"]["phrase3"]["value"] == "拉取请求"
    finally:
        stack.stop_queues()


def test_a_message_that_keeps_failing_goes_to_the_dead_letter_queue(stack, moto):
    """Lambda's redrive, locally: the worker fails on it, it comes back after the visibility timeout, and after
    maxReceiveCount (5) receives moto moves it to the dead-letter queue."""
    sqs = client_for(moto.endpoint, "sqs")
    sqs.send_message(QueueUrl=queue_url("NotificationsQueue"), MessageBody=json.dumps({"not": "a due item"}))
    stack.start_queues(visibility_timeout=1)
    try:
        dlq = queue_url("NotificationsDeadLetterQueue")

        def dead_letters() -> list[dict[str, str]]:
            answer = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0)
            return [m for m in answer.get("Messages", []) if "not" in json.loads(m["Body"])]

        assert wait_for(lambda: bool(dead_letters()), timeout=60)
    finally:
        stack.stop_queues()
    for message in dead_letters():
        sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
