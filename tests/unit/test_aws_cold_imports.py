"""The request path's AWS users load no AWS SDK: what a fresh interpreter holds after importing them, and after
one call through wegit.aws (the signer and requests only)."""

from __future__ import annotations

import json
import subprocess
import sys

from local.template import LAYER_DIR

USERS = ("wegit.accounts.service", "wegit.trending.store", "wegit.github.conditional", "wegit.github.pool",
         "wegit.parameters", "wegit.accounts.crypto", "wegit.notifications.service",
         "wegit.notifications.store")  # fmt: skip
PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
imported = sorted(sys.modules)
from wegit import dynamodb
try:
    dynamodb.client().get_item(TableName="t", Key={})
except Exception as exc:
    error = type(exc).__name__
print(json.dumps({"imported": imported, "called": sorted(sys.modules), "error": error}))
"""


def sdk(modules: list[str]) -> list[str]:
    """The AWS SDK's modules; Powertools imports the bare `botocore` package (its __init__ only, ~1 ms) for its
    user agent, which loads none of botocore's clients, sessions or parsers."""
    return [m for m in modules if m.split(".")[0] in {"boto3", "pynamodb", "s3transfer"} or m.startswith("botocore.")]


def test_the_request_path_loads_no_aws_sdk():
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(LAYER_DIR), "AWS_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
           "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:9", "HTTP_CONNECT_TIMEOUT": "0.1"}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", PROBE, *USERS], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.splitlines()[-1])
    assert set(USERS) <= set(report["imported"])
    assert not sdk(report["imported"])
    assert "requests_aws4auth" not in report["imported"]  # the signer comes with the first call
    assert report["error"] == "AwsError"  # nobody on port 9: the call was made, typed, and still no SDK
    assert "requests_aws4auth" in report["called"]
    assert not sdk(report["called"])
