"""The HTTP edge in the layer: typed errors mapped to statuses once, validation to 400, the unexpected to 500."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from local.template import ROOT
from wegit import errors
from wegit.api import Router, entry_point
from wegit.github.client import max_page
from wegit.github.credentials import token_from_header

EVENT = json.loads((ROOT / "events" / "health_check.json").read_text())
CONTEXT = SimpleNamespace(
    function_name="test",
    memory_limit_in_mb=128,
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:test",
    aws_request_id="req-42",
)


EVENTS = json.loads((ROOT / "events" / "developer_events.json").read_text())


def call(raise_this: Exception | None = None) -> dict[str, Any]:
    app = Router()

    @app.get("/health-check")
    def route() -> dict[str, int]:
        if raise_this is not None:
            raise raise_this
        return {"n": 1}

    return entry_point(app)(EVENT, CONTEXT)


def events(query: dict[str, str] | None, headers: dict[str, str] | None = None) -> tuple[dict[str, Any], list[Any]]:
    """GET /developers/{name}/events through the edge with `query`: the answer and the arguments it passed."""
    app = Router()
    seen: list[Any] = []

    @app.get("/developers/{name}/events")
    def route(**arguments: Any) -> dict[str, Any]:
        seen.append(arguments)
        return arguments

    event = {**EVENTS, "queryStringParameters": query, "headers": headers or {}}
    return entry_point(app)(event, CONTEXT), seen


def test_each_typed_error_has_its_status_and_a_json_message():
    for error, status in [
        (errors.BadRequest("x"), 400),
        (errors.BadCredentials(), 401),
        (errors.Forbidden(), 403),
        (errors.NotFound(), 404),
        (errors.UpstreamUnavailable(), 502),
        (errors.UpstreamBadResponse(), 502),
        (errors.UnknownPageShape(), 502),
        (errors.UpstreamTimeout(), 504),
    ]:
        response = call(error)
        assert response["statusCode"] == status
        assert json.loads(response["body"]) == {
            "message": error.message,
            **({"code": error.code} if error.code else {}),
        }


def test_a_401_says_which_credential_and_challenges_for_it():
    for error, code, realm in [
        (errors.BadCredentials("GitHub rejected the credentials"), "github_token_invalid", "GitHub token"),
        (errors.BadCredentials("malformed", "github_token_malformed"), "github_token_malformed", "GitHub token"),
        (errors.BadCredentials("the session expired", "session_expired"), "session_expired", "WeGit session"),
        (errors.BadCredentials("log in", "session_required"), "session_required", "WeGit session"),
    ]:
        response = call(error)
        assert response["statusCode"] == 401
        assert json.loads(response["body"]) == {"message": error.message, "code": code}
        challenge = response["headers"]["WWW-Authenticate"]
        assert challenge.startswith(f'Bearer realm="{realm}"')
        assert ('error="invalid_token"' in challenge) is (code != "session_required")
    assert "WWW-Authenticate" not in call(errors.Forbidden())["headers"]


def test_rate_limited_carries_retry_after():
    response = call(errors.RateLimited(retry_after=37))
    assert response["statusCode"] == 429
    assert response["headers"]["Retry-After"] == "37"


def test_unexpected_error_is_500_with_the_request_id_and_logged_with_its_stack(logs):
    response = call(RuntimeError("secret internals"))
    assert response["statusCode"] == 500
    body = json.loads(response["body"])
    assert body == {"message": "internal error, request id req-42"}
    logged = [line for line in logs() if line["message"] == "unexpected error"]
    assert "RuntimeError: secret internals" in logged[0]["exception"]
    assert logged[0]["function_request_id"] == "req-42"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"page": "0"}, "invalid parameter page: at least 1"),
        ({"page": "11"}, "invalid parameter page: at most 10"),
        ({"page": "two"}, "invalid parameter page: should be a whole number"),
    ],
)
def test_validation_error_is_400_naming_the_parameter(query, message):
    response, seen = events(query)
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["message"] == message
    assert seen == []  # the handler never ran


def test_parameters_reach_the_handler_typed_with_their_defaults():
    response, seen = events({"page": " 3 "}, {"Authorization": "token x"})
    assert response["statusCode"] == 200
    assert seen == [{"name": "octocat", "page": 3, "authorization": "token x"}]
    assert events(None)[1] == [{"name": "octocat"}]  # the default is the handler's own


def test_a_path_parameter_of_the_wrong_form_is_400_in_plain_words():
    bad = {**EVENTS, "pathParameters": {"name": "-bad-"}, "queryStringParameters": None}
    app = Router()
    app.get("/developers/{name}/events")(lambda **arguments: arguments)
    response = entry_point(app)(bad, CONTEXT)
    assert json.loads(response["body"])["message"] == "invalid parameter name: not a valid GitHub login"


def test_a_route_is_found_by_its_path_when_the_route_key_is_the_default():
    app = Router()
    app.get("/developers/{name}/events")(lambda **arguments: arguments)
    event = {**EVENTS, "routeKey": "$default", "pathParameters": None, "rawPath": "/developers/someone/events"}
    assert json.loads(entry_point(app)(event, CONTEXT)["body"]) == {"name": "someone", "page": 1}
    elsewhere = {**event, "rawPath": "/developers/someone/events/more"}
    assert entry_point(app)(elsewhere, CONTEXT)["statusCode"] == 404


def test_token_forms():
    token = "ghp_" + "a" * 36
    assert token_from_header(token) == token
    assert token_from_header(f"token {token}") == token
    assert token_from_header(f"Bearer {token}") == token
    assert token_from_header(None) is None
    assert token_from_header("  ") is None


def test_max_page_per_contract():
    link = '<https://x/y?page=2>; rel="next", <https://x/y?page=9>; rel="last"'
    assert max_page(link) == 9
    assert max_page('<https://x/y?page=3>; rel="prev", <https://x/y?page=1>; rel="first"') == 4
    assert max_page("") == 0
    assert max_page(None) == 0


def test_answers_over_1_kb_are_gzipped_for_clients_that_accept_it():
    import base64
    import gzip

    from wegit.api import accepts_gzip, gzipped

    big = {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(["x" * 40] * 40)}
    event = {"headers": {"accept-encoding": "gzip, deflate, br"}}
    answer = gzipped(event, dict(big))
    assert answer["isBase64Encoded"] is True
    assert answer["headers"]["Content-Encoding"] == "gzip"
    assert gzip.decompress(base64.b64decode(answer["body"])).decode() == big["body"]
    assert len(answer["body"]) < len(big["body"]) / 4
    # not asked, refused, or small: as it was (a cache still learns the answer varies)
    for headers in ({}, {"accept-encoding": "br"}, {"accept-encoding": "gzip;q=0"}):
        plain = gzipped({"headers": headers}, dict(big, headers={}))
        assert plain["body"] == big["body"]
        assert "Content-Encoding" not in plain["headers"]
        assert plain["headers"]["Vary"] == "Accept-Encoding"
    small = {"statusCode": 200, "headers": {}, "body": '{"status": "ok"}'}
    assert gzipped(event, dict(small)) == small
    assert accepts_gzip("*;q=0.5") and accepts_gzip("GZIP;q=1") and not accepts_gzip("gzip;q=zero")


def aws_error(code: str, status: int) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")  # type: ignore[typeddict-item]


def test_an_aws_call_that_failed_for_now_is_503_with_retry_after_not_500():
    from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
    from pynamodb.exceptions import GetError

    timeout = ReadTimeoutError(endpoint_url="http://127.0.0.1:1")
    wrapped = GetError("Failed to get item", cause=timeout)  # PynamoDB keeps botocore's error as its cause
    for failure in (
        timeout,
        EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
        aws_error("ThrottlingException", 400),
        aws_error("Whatever", 503),
        wrapped,
    ):
        response = call(failure)
        assert response["statusCode"] == 503, failure
        assert response["headers"]["Retry-After"] == "1"
        assert "try again" in json.loads(response["body"])["message"]
    # a request AWS refused is our bug: still a 500 that names the request id
    assert call(aws_error("ValidationException", 400))["statusCode"] == 500
    assert "req-42" in json.loads(call(RuntimeError("boom"))["body"])["message"]
