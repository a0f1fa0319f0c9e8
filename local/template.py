"""Reads template.yaml, the single source of truth, into what the local stack needs:
functions (code, handler, environment, routes, schedules) and DynamoDB table definitions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
LAYER_DIR = ROOT / "layers" / "common"
# The client contract and the recorded GitHub data: live in the shared/ folder beside the repository (as CI
# lays it out), copied into tests/shared so a clone anywhere runs the same tests.
SHARED = ROOT.parent / "shared" if (ROOT.parent / "shared" / "fixtures").is_dir() else ROOT / "tests" / "shared"


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that turns CloudFormation short tags (!Ref, !Sub, !GetAtt ...) into their long form."""


def _cfn_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _cfn_tag)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    pattern: re.Pattern[str]

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class FunctionSpec:
    name: str
    code_uri: Path
    handler: str
    timeout: int
    memory: int
    environment: dict[str, str]
    routes: list[Route] = field(default_factory=list)
    schedules: list[str] = field(default_factory=list)
    queues: list[QueueSource] = field(default_factory=list)  # SQS event sources


@dataclass(frozen=True)
class QueueSource:
    """An SQS event source: the queue's logical id (its local name) and how many messages one event holds."""

    queue: str
    batch_size: int = 10
    report_failures: bool = False


@dataclass(frozen=True)
class Cors:
    """The HttpApi's CorsConfiguration, as API Gateway applies it."""

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False


@dataclass
class Template:
    parameters: dict[str, str]
    functions: dict[str, FunctionSpec]
    tables: dict[str, dict[str, Any]]
    cors: Cors | None = None
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    ssm: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (type, value), resolved

    def table_names(self) -> dict[str, str]:
        """Local physical name of every table: its logical id (a deployed stack gets generated names)."""
        return {logical: logical for logical in self.tables}

    def resources_of(self, kind: str) -> dict[str, dict[str, Any]]:
        """Properties of every resource of one type, by logical id."""
        return {name: r.get("Properties", {}) for name, r in self.resources.items() if r["Type"] == kind}

    @staticmethod
    def key_alias(logical: str) -> str:
        """What `!Ref` of a KMS key gives locally: an alias the local stack creates (key ids are random)."""
        return f"alias/{logical}"

    def ssm_parameters(self) -> dict[str, tuple[str, str]]:
        return self.ssm


def _route(method: str, path: str) -> Route:
    regex = ""
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{") and part.endswith("+}"):
            regex += f"(?P<{part[1:-2]}>.+)"
        elif part.startswith("{"):
            regex += f"(?P<{part[1:-1]}>[^/]+)"
        else:
            regex += re.escape(part)
    return Route(method.upper(), path, re.compile(f"^{regex}$"))


NO_VALUE = "AWS::NoValue"
ACCOUNT = "123456789012"


def queue_url(name: str) -> str:
    """What `!Ref` of a queue gives locally; moto finds a queue by the URL's last segment, whatever its host."""
    return f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{name}"


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"


def bucket_name(logical: str) -> str:
    """What `!Ref` of a bucket gives locally: its logical id in lower case (bucket names allow no capitals)."""
    return logical.lower()


def topic_arn(name: str) -> str:
    return f"arn:aws:sns:us-east-1:{ACCOUNT}:{name}"


def _condition(value: Any, refs: dict[str, str], conditions: dict[str, Any]) -> bool:
    """The few condition functions the template uses: Equals, Not, And, Or, Condition."""
    if isinstance(value, dict) and "Condition" in value:
        return _condition(conditions[value["Condition"]], refs, conditions)
    if isinstance(value, dict) and "Fn::Equals" in value:
        left, right = (_resolve(side, refs, conditions) for side in value["Fn::Equals"])
        return left == right
    if isinstance(value, dict) and "Fn::Not" in value:
        return not _condition(value["Fn::Not"][0], refs, conditions)
    if isinstance(value, dict) and "Fn::And" in value:
        return all(_condition(item, refs, conditions) for item in value["Fn::And"])
    if isinstance(value, dict) and "Fn::Or" in value:
        return any(_condition(item, refs, conditions) for item in value["Fn::Or"])
    raise ValueError(f"unsupported condition {value!r}")


def _join(arguments: list[Any], refs: dict[str, str], conditions: dict[str, Any]) -> str:
    delimiter, items = arguments
    if isinstance(items, dict):  # a Ref of a CommaDelimitedList: its value is the comma-joined list
        return _resolve(items, refs, conditions).replace(",", delimiter)
    return str(delimiter).join(_resolve(item, refs, conditions) for item in items)


def _resolve(value: Any, refs: dict[str, str], conditions: dict[str, Any]) -> str:
    if isinstance(value, dict) and "Fn::If" in value:
        name, when_true, when_false = value["Fn::If"]
        chosen = when_true if _condition(conditions[name], refs, conditions) else when_false
        return _resolve(chosen, refs, conditions)
    if isinstance(value, dict) and "Ref" in value:
        return refs.get(value["Ref"], str(value["Ref"]))
    if isinstance(value, dict) and "Fn::Sub" in value:
        text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
        return re.sub(r"\$\{([^}]+)\}", lambda m: refs.get(m.group(1), m.group(1)), text)
    if isinstance(value, dict) and "Fn::Join" in value:
        return _join(value["Fn::Join"], refs, conditions)
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        logical, attribute = value["Fn::GetAtt"]
        return refs.get(f"{logical}.{attribute}", f"arn:aws:local:::{logical}/{attribute}")
    return str(value)


def _environment(variables: dict[str, Any], refs: dict[str, str], conditions: dict[str, Any]) -> dict[str, str]:
    resolved = {key: _resolve(value, refs, conditions) for key, value in variables.items()}
    return {key: value for key, value in resolved.items() if value != NO_VALUE}


def read(path: Path = TEMPLATE) -> dict[str, Any]:
    """The template as written, short tags in their long form."""
    doc: dict[str, Any] = yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
    return doc


def _cors(resources: dict[str, Any], refs: dict[str, str], conditions: dict[str, Any]) -> Cors | None:
    """The first HttpApi's CorsConfiguration (`true` = allow any origin, as SAM expands it)."""
    for resource in resources.values():
        if resource["Type"] != "AWS::Serverless::HttpApi":
            continue
        config = resource.get("Properties", {}).get("CorsConfiguration")
        if config is True:
            return Cors(allow_origins=("*",), allow_methods=("*",), allow_headers=("*",))
        if not config:
            return None

        def values(key: str, config: dict[str, Any] = config) -> tuple[str, ...]:
            return tuple(_resolve(item, refs, conditions) for item in config.get(key, []))

        max_age = config.get("MaxAge")
        return Cors(
            allow_origins=values("AllowOrigins"),
            allow_methods=values("AllowMethods"),
            allow_headers=values("AllowHeaders"),
            expose_headers=values("ExposeHeaders"),
            max_age=int(_resolve(max_age, refs, conditions)) if max_age is not None else None,
            allow_credentials=_resolve(config.get("AllowCredentials", False), refs, conditions).lower() == "true",
        )
    return None


def load(path: Path = TEMPLATE, overrides: dict[str, str] | None = None) -> Template:
    """The template with its parameters' defaults, then `overrides` (an unknown name is an error)."""
    doc = read(path)
    resources: dict[str, Any] = doc.get("Resources", {})
    parameters = {name: str(spec.get("Default", "")) for name, spec in doc.get("Parameters", {}).items()}
    unknown = sorted(set(overrides or {}) - set(parameters))
    if unknown:
        raise KeyError(f"no parameter {', '.join(unknown)} in {path.name}; known: {', '.join(sorted(parameters))}")
    parameters.update(overrides or {})
    tables = {n: r["Properties"] for n, r in resources.items() if r["Type"] == "AWS::DynamoDB::Table"}
    keys = {n: Template.key_alias(n) for n, r in resources.items() if r["Type"] == "AWS::KMS::Key"}
    # Queues and topics are named after their logical id on the local moto server.
    for name in (n for n, r in resources.items() if r["Type"] == "AWS::SQS::Queue"):
        keys.update({name: queue_url(name), f"{name}.QueueName": name, f"{name}.Arn": queue_arn(name)})
    for name in (n for n, r in resources.items() if r["Type"] == "AWS::SNS::Topic"):
        keys.update({name: topic_arn(name), f"{name}.TopicName": name})
    for name in (n for n, r in resources.items() if r["Type"] == "AWS::S3::Bucket"):
        keys.update({name: bucket_name(name), f"{name}.Arn": f"arn:aws:s3:::{bucket_name(name)}"})
    refs = {
        **parameters,
        **{name: name for name in tables},
        **keys,
        "AWS::Partition": "aws",
        "AWS::Region": "us-east-1",
        "AWS::AccountId": "123456789012",
        "AWS::StackName": "wegit-local",
        "AWS::URLSuffix": "amazonaws.com",
        NO_VALUE: NO_VALUE,
    }
    conditions: dict[str, Any] = doc.get("Conditions", {})
    ssm: dict[str, tuple[str, str]] = {}
    for name, resource in resources.items():
        if resource["Type"] == "AWS::SSM::Parameter":
            props = resource["Properties"]
            physical = _resolve(props.get("Name", name), refs, conditions)
            refs[name] = physical
            ssm[physical] = (str(props.get("Type", "String")), _resolve(props["Value"], refs, conditions))
    globals_fn = doc.get("Globals", {}).get("Function", {})
    global_env = globals_fn.get("Environment", {}).get("Variables", {})
    functions: dict[str, FunctionSpec] = {}
    for name, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        variables = {**global_env, **props.get("Environment", {}).get("Variables", {})}
        spec = FunctionSpec(
            name=name,
            code_uri=(path.parent / props.get("CodeUri", globals_fn.get("CodeUri", "."))).resolve(),
            handler=props.get("Handler", globals_fn.get("Handler", "app.lambda_handler")),
            timeout=int(props.get("Timeout", globals_fn.get("Timeout", 3))),
            memory=int(props.get("MemorySize", globals_fn.get("MemorySize", 128))),
            environment=_environment(variables, refs, conditions),
        )
        for event in props.get("Events", {}).values():
            if event["Type"] == "HttpApi":
                spec.routes.append(_route(event["Properties"]["Method"], event["Properties"]["Path"]))
            elif event["Type"] == "Schedule":
                spec.schedules.append(_resolve(event["Properties"]["Schedule"], refs, conditions))
            elif event["Type"] == "SQS":
                queue = event["Properties"]["Queue"]
                logical = queue["Fn::GetAtt"][0] if isinstance(queue, dict) and "Fn::GetAtt" in queue else str(queue)
                spec.queues.append(
                    QueueSource(
                        logical,
                        int(event["Properties"].get("BatchSize", 10)),
                        "ReportBatchItemFailures" in event["Properties"].get("FunctionResponseTypes", []),
                    )
                )
        functions[name] = spec
    return Template(parameters, functions, tables, _cors(resources, refs, conditions), resources=resources, ssm=ssm)
