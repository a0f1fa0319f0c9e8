"""Every sample event in events/ is invoked as `sam local invoke -e` would: each through the local stack's
warm workers (the same Runtime `python -m local invoke` uses), and one through the command itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from local.template import ROOT, load

FUNCTIONS = {spec.code_uri.name: name for name, spec in load().functions.items()}
EVENTS = sorted((ROOT / "events").glob("*.json"))


def test_every_event_names_a_function():
    assert EVENTS
    for event in EVENTS:
        assert event.stem in FUNCTIONS, f"{event.name} matches no function folder"


def check(event_file, result):
    if not (isinstance(result, dict) and "statusCode" in result):
        return
    # An API function: the response API Gateway would get. The samples of routes that need a session carry a
    # placeholder session (replace it with one from POST /sessions): the function must refuse it, saying why.
    sample = json.loads(event_file.read_text())
    if sample["headers"].get("authorization", "").startswith("Bearer wgs_"):
        assert result["statusCode"] == 401, result
        assert "session" in json.loads(result["body"])["message"]
    elif sample["rawPath"].startswith("/share/"):
        # The samples of a share name one no one has made on a fresh stack (POST /share makes it): a 404 saying so.
        assert result["statusCode"] == 404, result
        assert "no share" in json.loads(result["body"])["message"]
    else:
        assert result["statusCode"] == 200, result
        json.loads(result["body"])


@pytest.mark.parametrize("event", EVENTS, ids=lambda path: path.stem)
def test_event_invokes(event, stack, github, wechat):
    assert stack.runtime is not None
    check(event, stack.runtime.invoke(FUNCTIONS[event.stem], json.loads(event.read_text())))


def test_python_m_local_invoke_with_an_event_file(dynamodb, github_server, moto):
    event = ROOT / "events" / "create_session.json"
    command = [sys.executable, "-m", "local", "invoke", FUNCTIONS[event.stem], "-e", str(event.relative_to(ROOT))]
    env = {key: value for key, value in os.environ.items() if key != "GITHUB_TOKEN"}
    env.update(DYNAMODB_ENDPOINT=dynamodb.endpoint, AWS_LOCAL_ENDPOINT=moto.endpoint, OFFLINE="1")
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    check(event, json.loads(done.stdout))
