"""Run by Python 3.13 as `python3.13 -I -S on_runtime_python.py CONFIG` (isolated, no site-packages): import
every handler of the built artifacts with only what Lambda's python3.13 runtime has on sys.path, and check
that nothing was compiled on the way. Standard library only; prints one JSON report.

CONFIG (JSON): {"paths": [dirs put first on sys.path, in order], "artifacts": [dirs whose code must come from
bytecode: the layer copy, the host wheels, the functions], "functions": {"Name": "dir"}, "imports": [[module,
name or null]: `import module` / `from module import name`, e.g. what the code imports lazily], "invoke":
{"Name": event}}."""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import json
import os
import sys
import traceback
from types import CodeType
from typing import Any

sys.dont_write_bytecode = True
config = json.loads(open(sys.argv[1]).read())  # noqa: SIM115
sys.path[:0] = config["paths"]

compiled: list[str] = []
_source_to_code = importlib.machinery.SourceFileLoader.source_to_code


def _recording_source_to_code(self: Any, data: Any, path: Any, *args: Any, **kwargs: Any) -> CodeType:
    compiled.append(str(path))  # the source was compiled: no usable .pyc beside it
    return _source_to_code(self, data, path, *args, **kwargs)


importlib.machinery.SourceFileLoader.source_to_code = _recording_source_to_code  # type: ignore[method-assign]


class Context:
    function_name = "smoke"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:smoke"
    aws_request_id = "smoke-request"


failures: dict[str, str] = {}
answers: dict[str, int] = {}
for name, directory in config["functions"].items():
    sys.path.insert(0, directory)
    sys.modules.pop("app", None)
    try:
        module = importlib.import_module("app")
        if name in config.get("invoke", {}):
            answers[name] = module.lambda_handler(config["invoke"][name], Context())["statusCode"]
    except BaseException:
        failures[name] = traceback.format_exc(limit=-3)
    finally:
        sys.path.remove(directory)
for module_name, attribute in config.get("imports", []):
    try:
        imported = importlib.import_module(module_name)
        if attribute and not hasattr(imported, attribute):
            importlib.import_module(f"{module_name}.{attribute}")
    except BaseException:
        failures[module_name if not attribute else f"{module_name}.{attribute}"] = traceback.format_exc(limit=-3)

# Every .pyc of the artifacts: this interpreter's magic number, hash-based, and the hash of its source today.
stale: list[str] = []
pyc_count = 0
for root in config["artifacts"]:
    for folder, _, files in os.walk(root):
        for file in files:
            if not file.endswith(".py"):
                continue
            source = os.path.join(folder, file)
            pyc = importlib.util.cache_from_source(source)
            try:
                with open(pyc, "rb") as handle:
                    header = handle.read(16)
                with open(source, "rb") as handle:
                    expected = importlib.util.source_hash(handle.read())
            except OSError:
                stale.append(f"{source}: no {os.path.basename(pyc)}")
                continue
            pyc_count += 1
            if header[:4] != importlib.util.MAGIC_NUMBER or header[4:8] != b"\x01\0\0\0" or header[8:16] != expected:
                stale.append(f"{source}: {os.path.basename(pyc)} is not unchecked-hash bytecode of this source")

artifacts = tuple(os.path.join(root, "") for root in config["artifacts"])
print(
    json.dumps(
        {
            "version": list(sys.version_info[:2]),
            "failures": failures,
            "answers": answers,
            "compiled_in_artifacts": [path for path in compiled if path.startswith(artifacts)],
            "compiled_elsewhere": len([path for path in compiled if not path.startswith(artifacts)]),
            "modules": sorted(name for name in sys.modules if not name.startswith("_")),
            "pyc_count": pyc_count,
            "stale": stale,
        }
    )
)
