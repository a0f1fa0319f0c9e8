"""Least privilege and what the logs may hold, as template.yaml declares them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from local.template import read

RAW = read()
RESOURCES: dict[str, Any] = RAW["Resources"]
FUNCTIONS = {name: r for name, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function"}
TOKEN_PARAMETER = ["ssm:GetParameter"]
SNAPSHOTS = ["dynamodb:GetItem", "dynamodb:PutItem"]
SESSION = ["dynamodb:BatchGetItem", "dynamodb:UpdateItem"]
# The trending history: the refresh appends lists and writes records conditionally; the history routes only read
# it (and the stored language menu, to resolve a language).
HISTORY_WRITES = ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
HISTORY_READS = {"TrendingTable": ["dynamodb:GetItem"], "TrendingHistoryTable": ["dynamodb:GetItem", "dynamodb:Query"]}
# A GitHub function: the service tokens, the pool's shared counts, and a caller's session with its bound token.
GITHUB = {
    "parameter": TOKEN_PARAMETER,
    "RateLimitsTable": SESSION,
    "AccountsTable": SESSION,
    "GitHubTokenKey": ["kms:Decrypt"],
    "GitHubCacheTable": ["dynamodb:GetItem", "dynamodb:PutItem"],  # conditional requests, public reads
}
# What each function may do, and on what: nothing more (SAM adds the DLQ's sqs:SendMessage and the logs).
ALLOWED = {
    "HealthCheckFunction": {},
    "DevelopersFunction": GITHUB,
    "DeveloperEventsFunction": GITHUB,
    "RepositoriesFunction": GITHUB,
    "SearchRepositoriesFunction": GITHUB,
    "CreateSessionFunction": {
        "AccountsTable": ["dynamodb:UpdateItem", "dynamodb:PutItem"],
        "parameter": TOKEN_PARAMETER,
    },
    "GetMeFunction": {"AccountsTable": SESSION},
    "DeleteMeFunction": {
        "AccountsTable": [*SESSION, "dynamodb:Query", "dynamodb:BatchWriteItem"],
        "NotificationsTable": [
            "dynamodb:Query",
            "dynamodb:BatchWriteItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        ],
        "SharesTable": ["dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
        str({"Fn::Sub": "${ShareCodesBucket.Arn}/codes/*"}): ["s3:DeleteObject"],
    },
    "CreateSubscriptionFunction": {
        "AccountsTable": [*SESSION, "dynamodb:ConditionCheckItem"],  # written only while the account is open
        "NotificationsTable": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
        "GitHubTokenKey": ["kms:Decrypt"],
        "parameter": TOKEN_PARAMETER,
        "RateLimitsTable": SESSION,
        "GitHubCacheTable": ["dynamodb:GetItem", "dynamodb:PutItem"],
    },
    "ListSubscriptionsFunction": {"AccountsTable": SESSION, "NotificationsTable": ["dynamodb:Query"]},
    "DeleteSubscriptionFunction": {
        "AccountsTable": SESSION,
        "NotificationsTable": ["dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"],
    },
    "CreateGrantsFunction": {
        "AccountsTable": [*SESSION, "dynamodb:ConditionCheckItem"],
        "NotificationsTable": ["dynamodb:UpdateItem", "dynamodb:GetItem"],
    },
    "ListNotificationsFunction": {"AccountsTable": SESSION, "GitHubTokenKey": ["kms:Decrypt"]},
    "MarkNotificationReadFunction": {"AccountsTable": SESSION, "GitHubTokenKey": ["kms:Decrypt"]},
    "PutGitHubTokenFunction": {  # subscriptions the old token paused resumed
        "AccountsTable": SESSION,
        "NotificationsTable": ["dynamodb:Query", "dynamodb:UpdateItem"],
        "GitHubTokenKey": ["kms:Encrypt"],
    },
    "DeleteGitHubTokenFunction": {"AccountsTable": SESSION},
    "TrendingRepositoriesFunction": {"TrendingTable": SNAPSHOTS},
    "TrendingDevelopersFunction": {"TrendingTable": SNAPSHOTS},
    "TrendingLanguagesFunction": {"TrendingTable": ["dynamodb:GetItem"]},
    "RefreshTrendingFunction": {"TrendingTable": SNAPSHOTS, "TrendingHistoryTable": HISTORY_WRITES},
    "TrendingHistoryFunction": HISTORY_READS,
    "TrendingNewRepositoriesFunction": HISTORY_READS,
    "RepositoryTrendingFunction": HISTORY_READS,
    "DispatchNotificationsFunction": {  # reads only: the worker claims each item
        str({"Fn::Sub": "${NotificationsTable.Arn}/index/due"}): ["dynamodb:Query"],
        "NotificationsQueue": ["sqs:SendMessage"],
    },
    "ProcessNotificationsFunction": {
        "NotificationsTable": [  # a delivery claimed in a transaction with a check on its subscription
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:ConditionCheckItem",
        ],
        str({"Fn::Sub": "${NotificationsTable.Arn}/index/byRepo"}): ["dynamodb:Query"],
        "AccountsTable": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
        "GitHubTokenKey": ["kms:Decrypt"],
        "parameter": ["ssm:GetParameter", "ssm:GetParameter"],
        "RateLimitsTable": SESSION,
        "NotificationsQueue": ["sqs:SendMessage"],
        "GitHubCacheTable": ["dynamodb:GetItem", "dynamodb:PutItem"],
    },
    "AlertSlackFunction": {"parameter": TOKEN_PARAMETER},
    "CreateShareFunction": {
        "AccountsTable": SESSION,
        "SharesTable": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
        str({"Fn::Sub": "${ShareCodesBucket.Arn}/codes/*"}): ["s3:PutObject"],
        "NotificationsTable": ["dynamodb:GetItem", "dynamodb:UpdateItem"],  # the shared WeChat access token
        "parameter": ["ssm:GetParameter"],  # the WeChat AppSecret
        "TrendingTable": ["dynamodb:GetItem"],  # the language menu
    },
    "GetShareFunction": {"SharesTable": ["dynamodb:GetItem"]},
    "GetShareImageFunction": {str({"Fn::Sub": "${ShareCodesBucket.Arn}/codes/*"}): ["s3:GetObject"]},
    "ResolveUrlFunction": {"TrendingTable": ["dynamodb:GetItem"]},
}
# Tables that hold nothing but a cache of public data or counters; every other table holds user data.
CACHES = {"TrendingTable", "RateLimitsTable", "GitHubCacheTable"}


def _target(resource: Any) -> str:
    """The resource a statement names: a table's logical id, "parameter", or the raw value."""
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        return str(resource["Fn::GetAtt"][0] if isinstance(resource["Fn::GetAtt"], list) else resource["Fn::GetAtt"])
    if isinstance(resource, dict) and "Fn::Sub" in resource and ":parameter/" in str(resource["Fn::Sub"]):
        return "parameter"
    return str(resource)


def _objects_under_a_prefix(resource: Any) -> bool:
    """The objects under one key prefix of one of the template's buckets (`${Bucket.Arn}/prefix/*`): objects
    cannot be named one by one, so this is the narrowest an S3 object grant gets."""
    text = resource.get("Fn::Sub") if isinstance(resource, dict) else None
    found = re.fullmatch(r"\$\{(\w+)\.Arn\}/[a-z0-9-]+/\*", text) if isinstance(text, str) else None
    return bool(found) and RESOURCES.get(found.group(1), {}).get("Type") == "AWS::S3::Bucket"  # type: ignore[union-attr]


def _grants(function: dict[str, Any]) -> dict[str, list[str]]:
    grants: dict[str, list[str]] = {}
    for policy in function["Properties"].get("Policies", []):
        assert isinstance(policy, dict) and set(policy) == {"Statement"}, (
            f"a policy template or managed policy: {policy}"
        )
        for statement in policy["Statement"]:
            assert statement["Effect"] == "Allow"
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for resource in resources:
                assert "*" not in str(resource) or _objects_under_a_prefix(resource), f"wildcard resource {resource}"
                grants.setdefault(_target(resource), []).extend(actions)
    return grants


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_function_may_do_only_what_it_does(name):
    grants = _grants(FUNCTIONS[name])
    assert not any("*" in action for actions in grants.values() for action in actions), grants
    if name in ALLOWED:
        assert grants == ALLOWED[name]


def test_the_service_token_parameter_is_named_exactly():
    statement = FUNCTIONS["DevelopersFunction"]["Properties"]["Policies"][0]["Statement"][0]
    assert statement["Resource"]["Fn::Sub"].endswith(":parameter/${GitHubTokenParameter}")


def test_tables_with_user_data_are_kept_and_recoverable():
    for name, table in RESOURCES.items():
        if table["Type"] != "AWS::DynamoDB::Table" or name in CACHES:
            continue
        assert table.get("DeletionPolicy") == "Retain", f"{name}: stack deletion would delete users' data"
        assert table.get("UpdateReplacePolicy") == "Retain", f"{name}: a replacement would delete users' data"
        assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


# API Gateway access log variables that can never hold a token: no query string, no header, no body.
SAFE_VARIABLES = {
    "requestId", "requestTimeEpoch", "identity.sourceIp", "httpMethod", "routeKey", "path", "status",
    "responseLength", "responseLatency", "integrationLatency", "integrationStatus", "error.messageString",
    "integrationErrorMessage",
}  # fmt: skip


def test_access_logs_never_record_a_query_string_or_a_header():
    api = next(r for r in RESOURCES.values() if r["Type"] == "AWS::Serverless::HttpApi")
    settings = api["Properties"]["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["HttpApiAccessLogs", "Arn"]}
    log_format = settings["Format"]
    variables = set(re.findall(r"\$context\.([A-Za-z.]+)", log_format))
    assert variables and variables <= SAFE_VARIABLES, variables - SAFE_VARIABLES
    assert "$request" not in log_format and "$stageVariables" not in log_format
    assert "querystring" not in log_format.lower()


def _dead_letter_queue(function: dict[str, Any]) -> str | None:
    """The queue a scheduled function's failed runs land in, or the one its SQS source redrives to."""
    properties = function["Properties"]
    if "DeadLetterQueue" in properties:
        return str(properties["DeadLetterQueue"]["TargetArn"]["Fn::GetAtt"][0])
    on_failure = properties.get("EventInvokeConfig", {}).get("DestinationConfig", {}).get("OnFailure", {})
    if "Destination" in on_failure:
        return str(on_failure["Destination"]["Fn::GetAtt"][0])
    for event in properties.get("Events", {}).values():
        if event["Type"] == "SQS":
            source = RESOURCES[event["Properties"]["Queue"]["Fn::GetAtt"][0]]
            redrive = source["Properties"].get("RedrivePolicy", {}).get("deadLetterTargetArn", {})
            return str(redrive["Fn::GetAtt"][0]) if "Fn::GetAtt" in redrive else None
    return None


def test_scheduled_and_queued_functions_dead_letter_to_an_alarmed_queue():
    for name, function in FUNCTIONS.items():
        events = function["Properties"].get("Events", {}).values()
        if not any(event["Type"] in ("Schedule", "ScheduleV2", "SQS") for event in events):
            continue
        queue = _dead_letter_queue(function)
        assert queue, f"{name}: failed runs go nowhere (DeadLetterQueue, an on-failure destination, a redrive)"
        alarmed = [a for a in RESOURCES.values() if a["Type"] == "AWS::CloudWatch::Alarm"
                   and {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}
                   in a["Properties"].get("Dimensions", [])]  # fmt: skip
        assert alarmed, f"{name}: no alarm on its dead-letter queue {queue}"
