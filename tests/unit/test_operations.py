"""What running the stack in production needs, read from the template and the workflows: log groups that
expire, a dashboard that shows every function, route and alarm, an optional custom domain that lints clean,
and a pipeline that deploys with a role, never a key."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from local.template import ROOT, read

RAW = read()
RESOURCES: dict[str, Any] = RAW["Resources"]
FUNCTION_TYPES = {"AWS::Serverless::Function", "AWS::Lambda::Function"}
FUNCTIONS = sorted(name for name, resource in RESOURCES.items() if resource["Type"] in FUNCTION_TYPES)
LOG_GROUPS = {name: r for name, r in RESOURCES.items() if r["Type"] == "AWS::Logs::LogGroup"}
ALARM_TYPES = {"AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"}
ALARMS = sorted(name for name, resource in RESOURCES.items() if resource["Type"] in ALARM_TYPES)
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
OIDC_ROLE = ROOT / "deploy" / "github-oidc-role.yaml"
PSEUDO = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::StackName": "wegit-api-dev",
          "AWS::URLSuffix": "amazonaws.com", "AWS::Partition": "aws"}  # fmt: skip


def physical(name: str) -> str:
    """What a reference renders to: parameters their default, resources a recognisable fake value."""
    if name in PSEUDO:
        return PSEUDO[name]
    if name in RAW["Parameters"]:
        return str(RAW["Parameters"][name].get("Default", ""))
    logical, _, attribute = name.partition(".")
    assert logical in RESOURCES, f"the dashboard refers to {name!r}, which is not in the template"
    return f"phys-{logical}" + (f"-{attribute}" if attribute else "")


def render(value: Any) -> str:
    """Fn::Join / Fn::Sub / Ref, as CloudFormation would evaluate them (enough for the dashboard body)."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, items = value["Fn::Join"]
        return str(separator).join(render(item) for item in items)
    if "Fn::Sub" in value:
        text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
        return re.sub(r"\$\{(?!!)([^}]+)\}", lambda m: physical(m.group(1)), text).replace("${!", "${")
    if "Ref" in value:
        return physical(value["Ref"])
    raise AssertionError(f"unsupported intrinsic in the dashboard body: {value!r}")


DASHBOARDS = [r for r in RESOURCES.values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
BODY: dict[str, Any] = json.loads(render(DASHBOARDS[0]["Properties"]["DashboardBody"])) if DASHBOARDS else {}
WIDGETS: list[dict[str, Any]] = BODY.get("widgets", [])


def metric_lines(metric_name: str) -> list[list[Any]]:
    return [line for w in WIDGETS for line in w["properties"].get("metrics", []) if metric_name in line[:2]]


# -- log groups ---------------------------------------------------------------------------------------------


def log_group_of(function: str) -> str | None:
    """The declared log group a function writes to: its LoggingConfig's, or one named /aws/lambda/<function>."""
    logging_config = RESOURCES[function]["Properties"].get("LoggingConfig", {})
    if isinstance(logging_config.get("LogGroup"), dict) and logging_config["LogGroup"].get("Ref") in LOG_GROUPS:
        return str(logging_config["LogGroup"]["Ref"])
    for name, group in LOG_GROUPS.items():
        if group["Properties"].get("LogGroupName") in ({"Fn::Sub": f"/aws/lambda/${{{function}}}"},):
            return name
    return None


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_has_a_declared_log_group(function):
    assert log_group_of(function), (
        f"{function}: declare an AWS::Logs::LogGroup for it (see the others: `LoggingConfig: LogGroup: !Ref ...`)"
    )


def test_every_log_group_expires_and_goes_with_the_stack():
    assert RAW["Parameters"]["LogRetentionDays"]["Default"] == 30
    assert "HttpApiAccessLogs" in LOG_GROUPS
    for name, group in LOG_GROUPS.items():
        assert group["Properties"].get("RetentionInDays") == {"Ref": "LogRetentionDays"}, f"{name} keeps logs forever"
        assert group.get("DeletionPolicy", "Delete") == "Delete", f"{name} would outlive the stack"


# -- dashboard ----------------------------------------------------------------------------------------------


def test_the_dashboard_body_is_valid_json_of_widgets():
    assert len(DASHBOARDS) == 1
    assert WIDGETS
    for widget in WIDGETS:
        assert widget["type"] in ("metric", "log", "alarm", "text"), widget
        if widget["type"] in ("metric", "log"):
            assert widget["properties"]["region"] == PSEUDO["AWS::Region"]


def test_every_alarm_appears_on_the_dashboard():
    shown = {arn for w in WIDGETS if w["type"] == "alarm" for arn in w["properties"]["alarms"]}
    assert ALARMS, "the template declares no alarm"
    missing = [alarm for alarm in ALARMS if f"phys-{alarm}-Arn" not in shown]
    assert not missing, f'add "${{<name>.Arn}}" of {missing} to the dashboard\'s alarm widget'


def test_every_alarm_has_a_runbook_entry():
    headings = [line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("### ")]
    missing = [alarm for alarm in ALARMS if not any(h.startswith(f"### {alarm}") for h in headings)]
    assert not missing, f"README, Runbook: add a `### <name>: what it means` entry with what to do for {missing}"


def test_every_function_appears_on_the_dashboard():
    on_duration = {line[3] for line in metric_lines("Duration") if line[0] == "AWS/Lambda"}
    on_throttles = {line[3] for line in metric_lines("Throttles") if len(line) > 3}
    queries = " ".join(w["properties"]["query"] for w in WIDGETS if w["type"] == "log")
    for function in FUNCTIONS:
        assert f"phys-{function}" in on_duration, f"{function}: add its Duration to the dashboard"
        assert f"phys-{function}" in on_throttles, f"{function}: add its Throttles to the dashboard"
        assert f"SOURCE 'phys-{log_group_of(function)}'" in queries, f"{function}: add its log group to the cold starts"


def test_per_route_widgets_cover_every_route_of_the_api():
    # SEARCH over the Route dimension of this API: a route added later shows up without editing the dashboard.
    lines = [line for widget in WIDGETS for line in widget["properties"].get("metrics", [])]
    expressions = " ".join(str(item.get("expression")) for line in lines for item in line if isinstance(item, dict))
    for metric in ("Count", "4xx", "5xx", "Latency"):
        assert f'ApiId="phys-HttpApi" MetricName="{metric}"' in expressions
    assert RESOURCES["HttpApi"]["Properties"]["DefaultRouteSettings"]["DetailedMetricsEnabled"] is True


def test_custom_metrics_on_the_dashboard_are_the_ones_the_code_emits():
    namespace = render(RAW["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"])
    service = RAW["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    custom = [line for w in WIDGETS for line in w["properties"].get("metrics", [])
              if line and isinstance(line[0], str) and not line[0].startswith("AWS/")]  # fmt: skip
    assert custom
    code = "\n".join(path.read_text() for path in (ROOT / "layers" / "common" / "wegit").rglob("*.py"))
    for line in custom:
        assert line[0] == namespace, line
        assert line[line.index("service") + 1] == service, line
        assert f'"{line[1]}"' in code, f"no code emits the metric {line[1]}"
    names = {line[1] for line in custom}
    assert {"GitHubRateLimitRemaining", "TrendingPagesRefreshed", "TrendingPagesFailed"} <= names


# -- custom domain ------------------------------------------------------------------------------------------


def test_custom_domain_is_optional_regional_tls12_and_mapped_to_the_stage():
    domain = RESOURCES["ApiDomainName"]
    assert RAW["Parameters"]["DomainName"]["Default"] == ""
    assert domain["Condition"] == "HasCustomDomain"
    (configuration,) = domain["Properties"]["DomainNameConfigurations"]
    assert configuration["SecurityPolicy"] == "TLS_1_2"
    assert configuration["EndpointType"] == "REGIONAL"
    mapping = RESOURCES["ApiBasePathMapping"]["Properties"]
    assert mapping["ApiId"] == {"Ref": "HttpApi"}
    assert mapping["Stage"] == {"Ref": "HttpApi.Stage"}
    assert RESOURCES["ApiDnsRecord"]["Condition"] == "HasDnsRecord"
    assert "MiniProgramBaseUrl" in RAW["Outputs"]


def with_defaults(doc: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    rendered: dict[str, Any] = json.loads(json.dumps(doc))
    for name, value in values.items():
        rendered["Parameters"][name]["Default"] = value
    return rendered


def test_cfn_lint_is_clean_with_the_domain_on_and_on_the_oidc_role_template():
    # `make test` lints template.yaml as written (domain off) with `sam validate --lint`; this lints it with a
    # domain, base path and hosted zone, so every conditional resource is checked with real-looking values.
    from cfnlint.api import lint, lint_file  # type: ignore[import-untyped]  # in process: half the command's time

    domain_on = with_defaults(RAW, {
        "DomainName": "api.example.com",
        "CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100",
        "HostedZoneId": "Z0123456789ABCDEFGHIJ",
        "BasePath": "v1",
    })  # fmt: skip
    assert [str(match) for match in lint(yaml.safe_dump(domain_on, sort_keys=False))] == []
    assert [str(match) for match in lint_file(OIDC_ROLE)] == []


# -- CI/CD --------------------------------------------------------------------------------------------------

# A key itself (AKIA.../ASIA...), or a place for one: aws-access-key-id, AWS_SECRET_ACCESS_KEY, aws-session-token.
AWS_KEY = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|aws.?(?:secret.?)?access.?key|aws.?session.?token", re.I)


def load_workflow(path: Path) -> dict[str, Any]:
    doc: dict[Any, Any] = yaml.safe_load(path.read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as true
    return doc


def job_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    """A job's steps, with the steps of the local composite actions (`uses: ./...`) in their place."""
    expanded = []
    for step in job.get("steps", []):
        expanded.append(step)
        uses = str(step.get("uses", ""))
        if uses.startswith("./"):
            action = yaml.safe_load((ROOT / uses / "action.yml").read_text())
            expanded += [{**inner, "env": {**action.get("env", {}), **inner.get("env", {})}}
                         for inner in action["runs"]["steps"]]  # fmt: skip
    return expanded


def steps(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(job_name, step) for job_name, job in doc["jobs"].items() for step in job_steps(job)]


def test_workflows_exist_and_test_every_pull_request():
    assert WORKFLOWS
    docs = [load_workflow(path) for path in WORKFLOWS]
    on_pr = [doc for doc in docs if "pull_request" in doc["on"]]
    assert any("make test" in str(step.get("run", "")) for doc in on_pr for _, step in steps(doc))


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_workflow_step_holds_an_aws_key(path):
    doc = load_workflow(path)
    everywhere = [("workflow", {"env": doc.get("env", {})})]
    everywhere += [(name, {"env": job.get("env", {})}) for name, job in doc["jobs"].items()]
    for where, step in everywhere + steps(doc):
        for field in ("env", "with", "run"):
            text = yaml.safe_dump(step.get(field, "")) if field != "run" else str(step.get("run", ""))
            assert not AWS_KEY.search(text), f"{path.name} {where}: an AWS key in `{field}` (use the OIDC role)"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_aws_credentials_come_from_the_oidc_role(path):
    doc = load_workflow(path)
    used = False
    for job_name, job in doc["jobs"].items():
        for step in job_steps(job):
            if str(step.get("uses", "")).startswith("aws-actions/configure-aws-credentials"):
                used = True
                assert "role-to-assume" in step["with"], f"{job_name}: assume a role (OIDC), no keys"
                permissions = job.get("permissions", doc.get("permissions", {}))
                assert permissions.get("id-token") == "write", f"{job_name}: OIDC needs `id-token: write`"
                assert job.get("environment"), f"{job_name}: deploy through a GitHub environment"
    assert used or "deploy" not in json.dumps(doc["jobs"]), f"{path.name}: deploys without the OIDC role"


def test_prod_deploys_after_dev_through_an_environment_with_approval():
    docs = [load_workflow(path) for path in WORKFLOWS]
    jobs = {name: job for doc in docs for name, job in doc["jobs"].items()}
    by_environment = {}
    for name, job in jobs.items():
        environment = job.get("environment")
        by_environment[str(environment["name"] if isinstance(environment, dict) else environment)] = name
    assert {"dev", "prod"} <= set(by_environment)
    assert by_environment["dev"] in jobs[by_environment["prod"]]["needs"]


def test_the_oidc_role_trusts_only_this_repository_and_its_environments():
    doc = read(OIDC_ROLE)
    roles = [r for r in doc["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    federated = [r for r in roles if "Federated" in json.dumps(r["Properties"]["AssumeRolePolicyDocument"])]
    assert len(federated) == 1
    (statement,) = federated[0]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert "sts:AssumeRoleWithWebIdentity" in statement["Action"]
    conditions = json.dumps(statement["Condition"])
    assert "token.actions.githubusercontent.com:aud" in conditions
    assert "sts.amazonaws.com" in conditions
    assert "token.actions.githubusercontent.com:sub" in conditions
    assert ":environment:" in conditions, "only jobs running in a deployment environment may assume it"
    assert '"*"' not in conditions.replace("environment:*", ""), "the subject must name the repository"
