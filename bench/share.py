"""Share codes in `make bench`: tests/bench/test_share_bench.py run in its own process (DynamoDB Local, moto's S3,
the WeChat fake) — a share made once calls WeChat once; shared again and served, it never does."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.notifications import CALLER_ENV
from local.template import ROOT


def run() -> dict[str, Any]:
    print("share codes: one made, then shared and served again and again")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "share.json"
        command = [sys.executable, "-m", "pytest", "tests/bench/test_share_bench.py", "-q", "-s", "-p", "no:xdist"]
        done = subprocess.run(command, cwd=ROOT, env={**CALLER_ENV, "BENCH_SHARE_JSON": str(out)}, check=False)
        figures = json.loads(out.read_text()) if out.is_file() else {}
    return {"passed": done.returncode == 0, **figures}


def targets(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    calls = result.get("wechat_calls_after_the_first")
    met = result["passed"] and calls == 0
    return {"share codes: a code served a second time makes no WeChat call": {"met": met, "value": calls, "target": 0}}


def markdown(result: dict[str, Any]) -> str:
    if not result.get("passed"):
        return "\n| share codes | the benchmark failed |\n|---|---|\n"
    return (
        "\n| share codes | first share ms | shared again p50 ms | image served p50 ms "
        "| WeChat calls after the first |\n"
        "|---|---:|---:|---:|---:|\n"
        f"| {result['repeats']} repeats | {result['first_ms']} | {result['again_p50_ms']} | {result['image_p50_ms']} | "
        f"{result['wechat_calls_after_the_first']} |\n"
    )
