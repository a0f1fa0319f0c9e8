"""The AWS services the functions call besides DynamoDB (SSM, KMS; SQS and SNS for notifications; S3 for the
share codes), from a moto server on loopback (a real endpoint in its own process, not an in-process mock),
provisioned from template.yaml: every KMS key it declares (as alias/<LogicalId>), every SSM parameter, queue,
topic and bucket (named after its logical id in lower case), plus the SecureStrings an operator creates by hand
in AWS (the WeChat AppSecret), filled locally with the fakes' or the developer's values.

moto keeps its state in memory: a restarted `make dev` has new keys, so GitHub tokens bound before the restart
can no longer be decrypted and their accounts are asked to bind again (as after losing a key in AWS)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import boto3

from local import processes
from local.dynamodb import free_port
from local.template import ROOT, Template, bucket_name, queue_arn

# Lets botocore in the functions (and here) find each service on the moto server.
SERVICES = ("ssm", "kms", "sqs", "sns", "s3")
CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local", "region_name": "us-east-1"}


PROVISIONED = ("AWS::KMS::Key", "AWS::SSM::Parameter", "AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::S3::Bucket")


def needs_moto(template: Template) -> bool:
    """Whether the template declares anything moto provides (a template of DynamoDB and functions does not)."""
    return any(template.resources_of(kind) for kind in PROVISIONED)


def endpoint_variables(endpoint: str) -> dict[str, str]:
    return {f"AWS_ENDPOINT_URL_{service.upper()}": endpoint for service in SERVICES}


class MotoServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> MotoServer:
        command = [sys.executable, "-m", "local.moto_server", "-H", "127.0.0.1", "-p", str(self.port)]
        ready = self.client("ssm").describe_parameters
        self.process = processes.start(
            command, lambda: ready(MaxResults=1), f"moto server on port {self.port}", timeout, cwd=ROOT
        )
        return self

    def stop(self) -> None:
        processes.stop(self.process)
        self.process = None

    def client(self, service: str) -> Any:
        return client_for(self.endpoint, service)

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def client_for(endpoint: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, **CREDENTIALS)  # type: ignore[call-overload]


def provision(endpoint: str, template: Template, secure_strings: dict[str, str]) -> list[str]:
    """Create what the template declares (once) and put the SecureStrings (each time); returns what was made."""
    made: list[str] = []
    kms = client_for(endpoint, "kms")
    aliases = {alias["AliasName"] for alias in kms.list_aliases()["Aliases"]}
    for logical, props in template.resources_of("AWS::KMS::Key").items():
        alias = template.key_alias(logical)
        if alias not in aliases:
            key = kms.create_key(Description=str(props.get("Description", logical)))["KeyMetadata"]["KeyId"]
            kms.create_alias(AliasName=alias, TargetKeyId=key)
            made.append(alias)
    ssm = client_for(endpoint, "ssm")
    for name, (kind, value) in template.ssm_parameters().items():
        ssm.put_parameter(Name=name, Type=kind, Value=value, Overwrite=True)
        made.append(name)
    for name, value in secure_strings.items():
        ssm.put_parameter(Name=name, Type="SecureString", Value=value, Overwrite=True)
        made.append(name)
    made += provision_queues(endpoint, template)
    sns = client_for(endpoint, "sns")
    for logical in template.resources_of("AWS::SNS::Topic"):
        sns.create_topic(Name=logical)  # idempotent
        made.append(f"topic {logical}")
    made += provision_buckets(endpoint, template)
    return made


def provision_buckets(endpoint: str, template: Template) -> list[str]:
    """Every AWS::S3::Bucket, named after its logical id (lower case), private as the template makes it."""
    s3 = client_for(endpoint, "s3")
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    made = []
    for logical in template.resources_of("AWS::S3::Bucket"):
        name = bucket_name(logical)
        if name not in existing:
            s3.create_bucket(Bucket=name)
            s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True, "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
                },
            )  # fmt: skip
        made.append(f"bucket {name}")
    return made


QUEUE_ATTRIBUTES = ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds")


def provision_queues(endpoint: str, template: Template) -> list[str]:
    """Every AWS::SQS::Queue, named after its logical id, with its timeouts and RedrivePolicy (dead-letter queues
    first, so the policy can name them). moto moves a message received maxReceiveCount times to the DLQ."""
    sqs = client_for(endpoint, "sqs")
    queues = template.resources_of("AWS::SQS::Queue")
    made = []
    for logical, props in sorted(queues.items(), key=lambda item: "RedrivePolicy" in item[1]):
        attributes = {key: str(props[key]) for key in QUEUE_ATTRIBUTES if key in props}
        redrive = props.get("RedrivePolicy")
        if redrive:
            target = redrive["deadLetterTargetArn"]
            dlq = target["Fn::GetAtt"][0] if isinstance(target, dict) else str(target).rsplit(":", 1)[-1]
            policy = {"deadLetterTargetArn": queue_arn(dlq), "maxReceiveCount": int(redrive["maxReceiveCount"])}
            attributes["RedrivePolicy"] = json.dumps(policy)
        sqs.create_queue(QueueName=logical, Attributes=attributes)
        made.append(f"queue {logical}")
    return made
