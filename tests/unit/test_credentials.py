"""The service tokens: from GITHUB_TOKEN locally, from SSM through the Parameters and Secrets Extension
(a real HTTP server on loopback stands in for it) in AWS; never cached when it fails, never logged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from wegit import parameters
from wegit.github import credentials, pool
from wegit.settings import Settings

TOKEN = "github_pat_" + "T" * 40
PARAMETER = "/wegit/github-token"


@pytest.fixture
def in_aws(monkeypatch, httpserver: HTTPServer):
    """A function with the extension layer: GITHUB_TOKEN unset, the parameter name set, nothing cached."""
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(httpserver.port))
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token")
    monkeypatch.setattr(pool, "get_settings", lambda: Settings(github_token_parameter=PARAMETER))
    parameters.forget()
    yield httpserver
    parameters.forget()


def extension_answer(value: str) -> dict[str, Any]:
    return {"Parameter": {"Name": PARAMETER, "Type": "SecureString", "Value": value, "Version": 1}}


def test_local_token_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", f" {TOKEN}\n")
    assert credentials.service_token() == TOKEN


def test_no_token_anywhere_is_anonymous(monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setattr(pool, "get_settings", lambda: Settings(github_token_parameter=""))
    assert credentials.service_token() is None


def test_token_read_through_the_extension_once_per_container(in_aws):
    in_aws.expect_request(
        "/systemsmanager/parameters/get",
        query_string={"name": PARAMETER, "withDecryption": "true"},
        headers={"X-Aws-Parameters-Secrets-Token": "session-token"},
    ).respond_with_json(extension_answer(TOKEN + "\n"))
    assert credentials.service_token() == TOKEN
    assert credentials.service_token() == TOKEN
    assert len(in_aws.log) == 1


def test_failure_is_anonymous_and_not_remembered(in_aws, logs):
    in_aws.expect_ordered_request("/systemsmanager/parameters/get").respond_with_data("boom", status=500)
    in_aws.expect_ordered_request("/systemsmanager/parameters/get").respond_with_json(extension_answer(TOKEN))
    assert credentials.service_token() is None
    assert credentials.service_token() == TOKEN
    assert any(line["message"].startswith("service tokens unavailable") for line in logs())


def test_malformed_secret_never_reaches_a_header_or_a_log(in_aws, logs):
    secret = "ghp_" + "m" * 36 + " with a space"
    in_aws.expect_request("/systemsmanager/parameters/get").respond_with_json(extension_answer(secret))
    assert credentials.service_token() is None
    written = json.dumps(logs())
    assert "service tokens malformed and skipped" in written
    assert "m" * 36 not in written


def test_caller_token_wins_over_the_service_token(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    caller = "ghp_" + "c" * 36
    assert credentials.resolve(f"token {caller}").token == caller
    assert credentials.resolve(None).token == TOKEN


def test_several_tokens_in_one_parameter(in_aws):
    second = "ghp_" + "z" * 36
    in_aws.expect_request("/systemsmanager/parameters/get").respond_with_json(
        extension_answer(f"{TOKEN},\n {second}\nnot a token")
    )
    assert pool.configured_tokens() == [TOKEN, second]


def test_the_pool_hears_every_answer_to_its_tokens(monkeypatch, httpserver: HTTPServer):
    """Through the shared session's hook: the token GitHub says is spent is not chosen again."""
    from wegit.http_session import get_session

    first, second = "ghs_" + "1" * 36, "ghs_" + "2" * 36
    monkeypatch.setenv("GITHUB_TOKEN", f"{first},{second}")
    monkeypatch.setattr(pool, "get_settings", lambda: Settings(github_token_parameter=""))
    reset = str(2_000_000_000)
    httpserver.expect_request("/spent").respond_with_json(
        {"message": "API rate limit exceeded"},
        status=403,
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
    )
    chosen = credentials.service_token()
    assert chosen == first
    with pytest.raises(Exception, match="rate limit"):
        get_session().get(httpserver.url_for("/spent"), headers={"Authorization": f"Bearer {chosen}"})
    assert credentials.service_token() == second
