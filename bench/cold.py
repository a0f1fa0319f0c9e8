"""Cold starts on Python 3.13, the runtime's: a fresh interpreter per sample, the built artifacts laid out as
Lambda has them (local.lambda_python), with and without their bytecode."""

from __future__ import annotations

import json
import statistics
import subprocess
from pathlib import Path
from typing import Any

from local import lambda_python

# Measured inside the fresh interpreter: the import of the handler module (init), then one request.
PROBE = """
import json, sys, time
sys.path[:0] = {paths!r}
started, cpu = time.perf_counter(), time.process_time()
import {module}
init, init_cpu = time.perf_counter() - started, time.process_time() - cpu
request = None
if {event!r} is not None:
    class Context:
        function_name = "bench"
        memory_limit_in_mb = 512
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
        aws_request_id = "bench"
        def get_remaining_time_in_millis(self): return 30_000
    answer = {module}.lambda_handler({event!r}, Context())
    assert answer["statusCode"] == 200, answer
    request = time.perf_counter() - started - init
elif {url!r}:
    assert {module}.get({url!r}, timeout=10).status_code == 200
    request = time.perf_counter() - started - init
print(json.dumps({{"init": init * 1000, "init_cpu": init_cpu * 1000, "request": request and request * 1000}}))
"""

# What each part of an init costs on Python 3.13 from bytecode: CPU time of each step, imported in this order in
# one fresh process, so a step counts only what the steps before it did not load. The first steps are what the
# API functions import now; "replaced" are what they imported before (issue 17), measured for the decision.
COSTS = {
    "import requests (the original's bar)": "import requests",
    "Powertools Logger (kept)": "from aws_lambda_powertools import Logger",
    "wegit edge: wegit.api and the compiled contract (kept)": "import wegit.api, wegit.shapes; wegit.shapes.contract()",
    "wegit.aws with its signer, requests-aws4auth (kept)": "import wegit.aws, requests_aws4auth",
    "Powertools resolver, APIGatewayHttpResolver (replaced)": "import aws_lambda_powertools.event_handler",
    "pydantic with Powertools' validation (replaced)": (
        "import pydantic, aws_lambda_powertools.event_handler.middlewares.openapi_validation"
    ),
    "response models, pydantic classes (replaced)": (
        "import wegit.github.schemas, wegit.trending.schemas, wegit.accounts.schemas, wegit.notifications.schemas"
    ),
    "botocore: a session and a DynamoDB client (replaced on request paths)": (
        "import botocore.session; botocore.session.get_session().create_client('dynamodb', region_name='us-east-1')"
    ),
    "PynamoDB models (replaced on request paths)": "import pynamodb.models",
}
COSTS_PROBE = """
import json, sys, time
sys.path[:0] = {paths!r}
marks = [time.process_time()]
{steps}
print(json.dumps([(after - before) * 1000 for before, after in zip(marks, marks[1:])]))
"""


class ColdRunner:
    def __init__(self, python: str, trees: dict[str, lambda_python.LambdaTree], env: dict[str, str]) -> None:
        self.python = python
        self.trees = trees  # "bytecode" / "source" → tree
        self.env = env

    def sample(
        self,
        tree: str,
        function_dir: Path | None,
        event: dict[str, Any] | None = None,
        url: str = "",
        env: dict[str, str] | None = None,
    ) -> dict[str, float]:
        paths = [str(path) for path in ([function_dir] if function_dir else []) + self.trees[tree].paths]
        module = "app" if function_dir else "requests"
        code = PROBE.format(paths=paths, module=module, event=event, url=url)
        done = subprocess.run(
            [self.python, "-I", "-S", "-B", "-c", code],  # -B: a sample never leaves .pyc files for the next
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"cold sample failed: {done.stderr[-2000:]}")
        return dict(json.loads(done.stdout.splitlines()[-1]))


def costs_sample(runner: ColdRunner) -> dict[str, float]:
    """CPU ms of each of COSTS, imported step by step in a fresh process with the layer as Lambda has it."""
    paths = [str(path) for path in runner.trees["bytecode"].paths]
    steps = "\n".join(f"{code}\nmarks.append(time.process_time())" for code in COSTS.values())
    done = subprocess.run(
        [runner.python, "-I", "-S", "-B", "-c", COSTS_PROBE.format(paths=paths, steps=steps)],
        env=runner.env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"costs probe failed: {done.stderr[-2000:]}")
    return dict(zip(COSTS, json.loads(done.stdout.splitlines()[-1]), strict=True))


def median(samples: list[float]) -> float:
    return round(statistics.median(samples), 1)
