"""template.yaml is the map of the system: check the house rules it must keep."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from local.template import ROOT, load, read
from tests.helpers import top_level_names

TEMPLATE = load()
RAW = read()


def test_globals_carry_the_cross_cutting_settings():
    function = RAW["Globals"]["Function"]
    assert function["Runtime"] == "python3.13"
    assert function["Architectures"] == ["arm64"]
    assert function["Tracing"] == "Active"
    assert function["Layers"][0] == {"Ref": "CommonLayer"}
    variables = function["Environment"]["Variables"]
    for name in ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_METRICS_NAMESPACE"):
        assert name in variables


def test_every_function_is_thin_and_its_handler_exists():
    assert TEMPLATE.functions, "no functions in the template"
    for spec in TEMPLATE.functions.values():
        module, _, attribute = spec.handler.rpartition(".")
        source = spec.code_uri / f"{module}.py"
        assert source.is_file(), f"{spec.name}: {source} missing"
        tree = ast.parse(source.read_text())
        assert attribute in top_level_names(source), f"{spec.name}: {attribute} not defined in {source}"
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}  # fmt: skip
        imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not imported & {"boto3", "pynamodb", "selectolax", "requests"}, f"{spec.name} does layer work"


def test_every_function_resource_says_only_what_is_its_own():
    shared = {"Runtime", "Architectures", "Tracing", "Layers", "MemorySize"}
    for name, resource in RAW["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            assert not shared & set(resource["Properties"]), f"{name} repeats a Globals setting"


@pytest.mark.parametrize("name", sorted(TEMPLATE.tables))
def test_tables_are_on_demand_recoverable_and_encrypted(name):
    props = TEMPLATE.tables[name]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True


def test_http_api_exposes_max_page_to_the_client():
    apis = [r for r in RAW["Resources"].values() if r["Type"] == "AWS::Serverless::HttpApi"]
    assert len(apis) == 1
    assert "Max-Page" in apis[0]["Properties"]["CorsConfiguration"]["ExposeHeaders"]


def test_layer_is_built_by_makefile_for_arm64():
    layer = RAW["Resources"]["CommonLayer"]
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert (ROOT / "layers/common/Makefile").read_text().count("build-CommonLayer:") == 1


def test_every_function_is_built_with_its_bytecode():
    """functions/Makefile adds the Python 3.13 bytecode; SAM's own Python builder would not."""
    for name, resource in RAW["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            build = {key: resource.get("Metadata", {}).get(key) for key in ("BuildMethod", "ContextPath")}
            assert build == {"BuildMethod": "makefile", "ContextPath": "functions"}, name


def test_api_url_is_an_output_and_stage_a_parameter():
    assert "ApiUrl" in RAW["Outputs"]
    assert "Stage" in RAW["Parameters"]


def test_every_function_has_a_sample_event():
    for spec in TEMPLATE.functions.values():
        assert (ROOT / "events" / f"{spec.code_uri.name}.json").is_file(), f"events/{spec.code_uri.name}.json"


def _table_actions(resource: dict[str, Any], table: str) -> set[str]:
    """The DynamoDB actions a function's policies allow on a table (statements, or SAM's DynamoDB policy templates)."""
    templates = {
        "DynamoDBCrudPolicy": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        "DynamoDBReadPolicy": {"dynamodb:GetItem"},
        "DynamoDBWritePolicy": {"dynamodb:PutItem"},
    }
    allowed: set[str] = set()
    for policy in resource["Properties"].get("Policies", []):
        for name, actions in templates.items():
            if isinstance(policy, dict) and policy.get(name, {}).get("TableName") == {"Ref": table}:
                allowed |= actions
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            if statement["Effect"] == "Allow" and {"Fn::GetAtt": [table, "Arn"]} in targets:
                named = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                allowed |= set(named)
    return allowed


@pytest.mark.parametrize("name", sorted(TEMPLATE.functions))
def test_a_function_given_the_github_cache_table_may_read_and_write_it(name):
    """wegit.github.conditional reads (GetItem) and stores (PutItem) public GitHub answers in GITHUB_CACHE_TABLE:
    a function given the table without the permission logs an AccessDenied warning on each GitHub read."""
    if "GITHUB_CACHE_TABLE" not in TEMPLATE.functions[name].environment:
        return
    assert {"dynamodb:GetItem", "dynamodb:PutItem"} <= _table_actions(RAW["Resources"][name], "GitHubCacheTable")


@pytest.mark.parametrize("name", ["CreateSubscriptionFunction", "ProcessNotificationsFunction"])
def test_the_functions_that_read_github_with_the_service_token_use_the_cache(name):
    """A repository checked (POST /subscriptions) and latest releases polled with the service token: public reads."""
    assert "GITHUB_CACHE_TABLE" in TEMPLATE.functions[name].environment


def test_subscribe_messages_name_the_mini_program_version_per_stage():
    """`miniprogram_state` and `lang` of every message: production's by default, the developer version locally."""
    worker = TEMPLATE.functions["ProcessNotificationsFunction"].environment
    assert (worker["WECHAT_MINIPROGRAM_STATE"], worker["WECHAT_LANG"]) == ("formal", "zh_CN")
    local = load(overrides={"Stage": "local"}).functions["ProcessNotificationsFunction"].environment
    assert local["WECHAT_MINIPROGRAM_STATE"] == "developer"
    trial = load(overrides={"WeChatMiniProgramState": "trial"}).functions["ProcessNotificationsFunction"].environment
    assert trial["WECHAT_MINIPROGRAM_STATE"] == "trial"
