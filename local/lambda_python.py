"""The built artifacts as Lambda's python3.13 sees them, on this machine: for the runtime smoke test and the bench.

The layer's compiled wheels are for arm64; this machine runs the same pinned versions' wheels for its own
platform (`make` downloads them to .cache/wheelhouse-host), compiled the way the build compiles."""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

from local.template import ROOT

BUILD = ROOT / ".aws-sam" / "build"
ENSURE = ROOT / "local" / "ensure_python313.sh"
HOST_WHEELHOUSE = Path(os.environ.get("HOST_WHEELHOUSE", ROOT / ".cache" / "wheelhouse-host"))
# What Lambda's python3.13 runtime has besides the standard library (jmespath and urllib3 are in the layer).
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "dateutil", "six")


class Unavailable(RuntimeError):
    """Something the tree needs is not on this machine (Python 3.13, a build, a host wheel)."""


def python313() -> str:
    """The path of a Python 3.13 (local/ensure_python313.sh finds or provides it)."""
    found = subprocess.run(["bash", str(ENSURE)], capture_output=True, text=True, check=False)
    if found.returncode:
        raise Unavailable(f"no Python 3.13: {found.stderr.strip()}")
    return found.stdout.strip()


def compile_bytecode(*folders: Path) -> None:
    """Python 3.13 bytecode for every .py under the folders, exactly as `sam build` makes it."""
    subprocess.run(["bash", str(ENSURE), "compile", *map(str, folders)], check=True, capture_output=True)


@dataclass(frozen=True)
class LambdaTree:
    layer: Path  # /opt/python: the built layer, its arm64-only distributions left out
    host: Path  # those distributions' wheels for this machine, compiled like the layer
    runtime: Path  # boto3/botocore and their dependencies, as the Lambda runtime has them

    @property
    def paths(self) -> list[Path]:
        return [self.layer, self.host, self.runtime]


def _compiled_dists(layer: Path) -> dict[str, set[str]]:
    """dist-info name → the top-level names it installs, for every distribution with a compiled extension."""
    dists: dict[str, set[str]] = {}
    for record in layer.glob("*.dist-info/RECORD"):
        paths = [line.split(",", 1)[0] for line in record.read_text().splitlines() if line]
        if any(path.endswith(".so") for path in paths):
            dists[record.parent.name] = {path.split("/", 1)[0] for path in paths}
    return dists


def _read_only(tree: Path) -> None:
    for path in [tree, *tree.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def lambda_tree(root: Path, *, bytecode: bool = True, runtime_bytecode: bool = False) -> LambdaTree:
    """Lay the tree out under `root` (read-only). `bytecode=False` leaves the layer without its .pyc files (the
    cold start the build used to ship); `runtime_bytecode` copies boto3/botocore and compiles them as Lambda
    ships them (else they are links into this virtualenv, for tests that don't time them)."""
    source = BUILD / "CommonLayer" / "python"
    if not (source / "wegit").is_dir():
        raise Unavailable("no .aws-sam/build: run `make build` first")
    compiled = _compiled_dists(source)
    left_out = set().union(*compiled.values())
    tree = LambdaTree(root / "opt" / "python", root / "host", root / "runtime")

    def ignore(folder: str, names: list[str]) -> set[str]:
        return (left_out if folder == str(source) else set()) | ({"__pycache__"} if not bytecode else set())

    shutil.copytree(source, tree.layer, ignore=ignore)
    for dist_info in compiled:
        name, version = dist_info.removesuffix(".dist-info").rsplit("-", 1)
        wheels = sorted(HOST_WHEELHOUSE.glob(f"{name}-{version}-*.whl"))
        if not wheels:
            raise Unavailable(f"no wheel of {name} {version} for this machine in {HOST_WHEELHOUSE} (run make)")
        with zipfile.ZipFile(wheels[0]) as wheel:
            wheel.extractall(tree.host)
    tree.runtime.mkdir()
    for package in RUNTIME_PACKAGES:
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.origin is not None, package
        origin = Path(spec.origin)
        target = origin.parent if origin.name == "__init__.py" else origin
        if runtime_bytecode:
            copy = shutil.copytree if target.is_dir() else shutil.copy2
            copy(target, tree.runtime / target.name)
        else:
            (tree.runtime / target.name).symlink_to(target)
    if bytecode:
        compile_bytecode(tree.host)
    if runtime_bytecode:
        compile_bytecode(tree.runtime)
    _read_only(tree.layer)
    _read_only(tree.host)
    return tree
