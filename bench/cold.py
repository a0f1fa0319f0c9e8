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

# What a function's init spends on Powertools' validation: CPU time of each stage of the import, in order.
STAGES = {
    "resolver": "import aws_lambda_powertools.event_handler",  # the event handler, Logger, Metrics (no pydantic)
    "validation": "import pydantic, aws_lambda_powertools.event_handler.middlewares.openapi_validation",
    "models": "{models}",  # the function's response models (pydantic classes built at import)
    "rest": "import app",
}
STAGES_PROBE = """
import json, sys, time
sys.path[:0] = {paths!r}
marks = [time.process_time()]
{stages}
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


def stages_sample(runner: ColdRunner, function_dir: Path, models: str) -> dict[str, float]:
    """CPU ms of each of STAGES when `function_dir`'s handler is imported stage by stage in a fresh process."""
    paths = [str(function_dir), *map(str, runner.trees["bytecode"].paths)]
    lines = [f"{code.format(models=models or 'pass')}\nmarks.append(time.process_time())" for code in STAGES.values()]
    done = subprocess.run(
        [runner.python, "-I", "-S", "-B", "-c", STAGES_PROBE.format(paths=paths, stages="\n".join(lines))],
        env=runner.env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"staged import failed: {done.stderr[-2000:]}")
    return dict(zip(STAGES, json.loads(done.stdout.splitlines()[-1]), strict=True))


def median(samples: list[float]) -> float:
    return round(statistics.median(samples), 1)
