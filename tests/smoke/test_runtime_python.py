"""The built artifacts on the runtime's Python: every handler imported by Python 3.13 from the `sam build` output
with only what Lambda provides beside it, every module from its hash-based 3.13 bytecode, nothing compiled."""

from __future__ import annotations

import ast
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from local import lambda_python
from local.template import LAYER_DIR, ROOT, load
from tests.smoke.test_artifacts import BUILD, built  # noqa: F401 - the fixture

pytestmark = pytest.mark.build

HARNESS = Path(__file__).with_name("on_runtime_python.py")
# Dev-only packages botocore and urllib3 pick up when present; Lambda has neither.
DEV_ONLY = ("awscrt", "OpenSSL")


def _required(reason: str) -> None:
    if os.environ.get("WEGIT_REQUIRE_BUILD") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def python313() -> str:
    try:
        return lambda_python.python313()
    except lambda_python.Unavailable as exc:
        _required(str(exc))
        raise


@pytest.fixture(scope="module")
def lambda_paths(built, python313, tmp_path_factory) -> list[Path]:  # noqa: F811
    """[layer, host wheels, runtime] as Lambda's python3.13 sees them (local.lambda_python)."""
    try:
        return lambda_python.lambda_tree(tmp_path_factory.mktemp("lambda")).paths
    except lambda_python.Unavailable as exc:
        _required(str(exc))
        raise


def _imports(paths: list[Path]) -> list[tuple[str, str | None]]:
    """Every absolute import in these files, lazy ones inside functions included; TYPE_CHECKING ones and those
    guarded by `except ImportError` not."""
    found: set[tuple[str, str | None]] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            return
        if isinstance(node, ast.Try) and any(  # optional: e.g. the SnapStart hooks only Lambda's runtime has
            isinstance(handler.type, ast.Name) and handler.type.id in ("ImportError", "ModuleNotFoundError")
            for handler in node.handlers
        ):
            return
        if isinstance(node, ast.Import):
            found.update((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level and node.module != "__future__":
            found.update((node.module, alias.name) for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    for path in paths:
        visit(ast.parse(path.read_text()))
    return sorted(found, key=lambda pair: (pair[0], pair[1] or ""))


def _run(python313: str, paths: list[Path], config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps({"paths": [str(path) for path in paths], **config}))
    env = {"PATH": "/usr/bin:/bin", "AWS_REGION": "us-east-1", "POWERTOOLS_SERVICE_NAME": "smoke",
           "POWERTOOLS_METRICS_NAMESPACE": "Smoke", "TRENDING_TABLE": "t"}  # fmt: skip
    done = subprocess.run(
        [python313, "-I", "-S", str(HARNESS), str(config_file)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout))


def test_every_handler_imports_on_python_313_from_bytecode_only(python313, lambda_paths, tmp_path):
    layer, host, _ = lambda_paths
    functions = {name: BUILD / name for name in load().functions}
    sources = [*(LAYER_DIR / "wegit").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]
    event = json.loads((ROOT / "events" / "health_check.json").read_text())
    report = _run(
        python313,
        lambda_paths,
        {
            "artifacts": [str(path) for path in (layer, host, *functions.values())],
            "functions": {name: str(path) for name, path in functions.items()},
            "imports": _imports(sources),
            "invoke": {"HealthCheckFunction": event},
        },
        tmp_path,
    )
    assert report["version"] == [3, 13]
    assert report["failures"] == {}
    assert report["answers"] == {"HealthCheckFunction": 200}
    assert report["compiled_in_artifacts"] == [], "imported from source: bytecode missing or unusable"
    assert report["stale"] == []
    assert report["pyc_count"] > 500
    assert not set(DEV_ONLY) & {name.split(".")[0] for name in report["modules"]}


def test_the_check_fails_on_a_dev_only_import_and_on_missing_bytecode(python313, lambda_paths, tmp_path):
    """The same check against two bad functions: one needs a dev-only package, one has no bytecode."""
    dev_only, uncompiled = tmp_path / "dev_only", tmp_path / "uncompiled"
    for folder, code in ((dev_only, "import awscrt\n"), (uncompiled, "VALUE = 1\n")):
        folder.mkdir()
        (folder / "app.py").write_text(code)
    lambda_python.compile_bytecode(dev_only)
    report = _run(
        python313,
        lambda_paths,
        {
            "artifacts": [str(dev_only), str(uncompiled)],
            "functions": {"DevOnly": str(dev_only), "Uncompiled": str(uncompiled)},
            "imports": [["OpenSSL", None]],
        },
        tmp_path,
    )
    assert "No module named 'awscrt'" in report["failures"]["DevOnly"]
    assert "No module named 'OpenSSL'" in report["failures"]["OpenSSL"]
    assert report["compiled_in_artifacts"] == [str(uncompiled / "app.py")]
    assert report["stale"] == [f"{uncompiled / 'app.py'}: no app.cpython-313.pyc"]
