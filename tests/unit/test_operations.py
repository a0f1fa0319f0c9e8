"""What running the stack in production needs, read from the template and the workflows: log groups that
expire, a dashboard that shows every function, route and alarm, an optional custom domain that lints clean,
and a pipeline that deploys with a role, never a key."""

from __future__ import annotations

import json
import re
import subprocess
import sys
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
GLOBAL_ENV: dict[str, Any] = RAW["Globals"]["Function"]["Environment"]["Variables"]
LAYER_CODE = "\n".join(path.read_text() for path in (ROOT / "layers" / "common" / "wegit").rglob("*.py"))
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
LOCAL_ACTIONS = sorted((ROOT / ".github" / "actions").glob("*/action.yml"))
OIDC_ROLE = ROOT / "deploy" / "github-oidc-role.yaml"
PSEUDO = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "wegit-api-dev",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::Partition": "aws",
}


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


METRIC_LINES: list[list[Any]] = [line for widget in WIDGETS for line in widget["properties"].get("metrics", [])]


def metric_lines(metric_name: str) -> list[list[Any]]:
    return [line for line in METRIC_LINES if metric_name in line[:2]]


# -- log groups ---------------------------------------------------------------------------------------------


def log_group_of(function: str) -> str | None:
    """The declared log group a function writes to: its LoggingConfig's, or one named /aws/lambda/<function>."""
    logging_config = RESOURCES[function]["Properties"].get("LoggingConfig", {})
    if isinstance(logging_config.get("LogGroup"), dict) and logging_config["LogGroup"].get("Ref") in LOG_GROUPS:
        return str(logging_config["LogGroup"]["Ref"])
    for name, group in LOG_GROUPS.items():
        if group["Properties"].get("LogGroupName") == {"Fn::Sub": f"/aws/lambda/${{{function}}}"}:
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
    items = [item for line in METRIC_LINES for item in line if isinstance(item, dict)]
    expressions = " ".join(str(item.get("expression")) for item in items)
    for metric in ("Count", "4xx", "5xx", "Latency"):
        assert f'ApiId="phys-HttpApi" MetricName="{metric}"' in expressions
    assert RESOURCES["HttpApi"]["Properties"]["DefaultRouteSettings"]["DetailedMetricsEnabled"] is True


def test_custom_metrics_on_the_dashboard_are_the_ones_the_code_emits():
    namespace, service = render(GLOBAL_ENV["POWERTOOLS_METRICS_NAMESPACE"]), GLOBAL_ENV["POWERTOOLS_SERVICE_NAME"]
    custom = [line for line in METRIC_LINES if isinstance(line[0], str) and not line[0].startswith("AWS/")]
    for line in custom:
        assert line[0] == namespace, line
        assert line[line.index("service") + 1] == service, line
        assert f'"{line[1]}"' in LAYER_CODE, f"no code emits the metric {line[1]}"
    names = {line[1] for line in custom}
    assert {"GitHubRateLimitRemaining", "TrendingPagesRefreshed", "TrendingPagesFailed"} <= names


def test_alarms_on_custom_metrics_watch_what_the_code_emits():
    namespace, service = GLOBAL_ENV["POWERTOOLS_METRICS_NAMESPACE"], GLOBAL_ENV["POWERTOOLS_SERVICE_NAME"]
    for name in ALARMS:
        props = RESOURCES[name]["Properties"]
        queries = [query["MetricStat"]["Metric"] for query in props.get("Metrics", []) if "MetricStat" in query]
        metrics = [props, *queries]  # a plain alarm, or the metrics of a metric-math alarm
        for metric in metrics:
            if str(metric.get("Namespace", "AWS/")).startswith("AWS/"):
                continue
            assert metric["Namespace"] == namespace, name
            assert {"Name": "service", "Value": service} in metric.get("Dimensions", []), name
            assert f'"{metric["MetricName"]}"' in LAYER_CODE, f"{name}: no code emits {metric['MetricName']}"


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


DOMAIN_ON = {
    "DomainName": "api.example.com",
    "CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100",
    "HostedZoneId": "Z0123456789ABCDEFGHIJ",
    "BasePath": "v1",
}


def domain_part(doc: dict[str, Any]) -> dict[str, Any]:
    """What the domain turns on: its conditional resources, the API they map, the outputs naming the domain,
    with the parameters set. `sam validate --lint` in `make test` lints the whole template with it off."""
    part: dict[str, Any] = json.loads(json.dumps({k: v for k, v in doc.items() if k not in ("Resources", "Outputs")}))
    conditional = {"HasCustomDomain", "HasDnsRecord"}
    part["Resources"] = {
        n: r for n, r in doc["Resources"].items() if r.get("Condition") in conditional or n == "HttpApi"
    }
    part["Outputs"] = {n: o for n, o in doc["Outputs"].items() if "DomainName" in json.dumps(o)}
    for name, value in DOMAIN_ON.items():
        part["Parameters"][name]["Default"] = value
    return part


def test_cfn_lint_is_clean_with_the_domain_on_and_on_the_oidc_role_template():
    from cfnlint.api import ManualArgs, lint, lint_file  # type: ignore[import-untyped]  # in process: 3x faster

    part = domain_part(RAW)
    assert {"ApiDomainName", "ApiBasePathMapping", "ApiDnsRecord"} <= set(part["Resources"])
    unused = ManualArgs(ignore_checks=["W2001", "W8001"])  # parameters and conditions of the parts left out
    assert [str(match) for match in lint(yaml.safe_dump(part, sort_keys=False), config=unused)] == []
    assert [str(match) for match in lint_file(OIDC_ROLE)] == []


# -- CI/CD --------------------------------------------------------------------------------------------------

# A key itself (AKIA.../ASIA...), or a place for one: aws-access-key-id, AWS_SECRET_ACCESS_KEY, aws-session-token.
AWS_KEY = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|aws.?(?:secret.?)?access.?key|aws.?session.?token", re.I)


CONFIGURE_CREDENTIALS = "aws-actions/configure-aws-credentials"


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
            expanded += action["runs"]["steps"]
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
def test_deploy_jobs_assume_the_oidc_role_in_an_environment(path):
    doc = load_workflow(path)
    for job_name, job in doc["jobs"].items():
        run = job_steps(job)
        deploys = any("sam deploy" in str(step.get("run", "")) for step in run)
        credentials = [step for step in run if str(step.get("uses", "")).startswith(CONFIGURE_CREDENTIALS)]
        if not deploys and not credentials:
            continue
        assert credentials, f"{job_name}: deploys without AWS credentials from the OIDC role"
        assert all("role-to-assume" in step["with"] for step in credentials), f"{job_name}: assume a role, no keys"
        permissions = job.get("permissions", doc.get("permissions", {}))
        assert permissions.get("id-token") == "write", f"{job_name}: OIDC needs `id-token: write`"
        assert job.get("environment"), f"{job_name}: deploy through a GitHub environment (prod's has reviewers)"


@pytest.mark.parametrize(
    "action", sorted((ROOT / ".github" / "actions").glob("*/action.yml")), ids=lambda p: p.parent.name
)
def test_local_action_scripts_pass_shellcheck(action):
    # actionlint runs shellcheck on the workflows' `run:` scripts, not on those of the actions they use.
    steps_ = yaml.safe_load(action.read_text())["runs"]["steps"]
    for step in (step for step in steps_ if "run" in step):
        script = "#!/usr/bin/env bash\n" + re.sub(r"\$\{\{[^}]*\}\}", "x", step["run"])
        shellcheck = Path(sys.executable).with_name("shellcheck")
        result = subprocess.run([shellcheck, "-"], input=script, capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"{step.get('name')}: {result.stdout}"


def test_prod_deploys_after_dev_each_in_its_environment():
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
    assert set(statement["Condition"]) == {"StringEquals"}, "exact subjects only, no StringLike wildcards"
    equals = statement["Condition"]["StringEquals"]
    assert equals["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    subjects = json.dumps(equals["token.actions.githubusercontent.com:sub"])
    assert "${Prefix}:environment:dev" in subjects, "only the dev and prod environments' jobs may assume it"
    assert "${Prefix}:environment:prod" in subjects
    assert "repo:${GitHubOwner}/${GitHubRepository}" in subjects
