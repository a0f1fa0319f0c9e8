"""Smoke test of `sam build` output: every handler at its Handler path, the layer where Lambda reads it."""

from __future__ import annotations

import os

import pytest

from local.template import ROOT, load, read
from tests.helpers import top_level_names

BUILD = ROOT / ".aws-sam" / "build"

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def built():
    if not (BUILD / "template.yaml").is_file():
        if os.environ.get("WEGIT_REQUIRE_BUILD") == "1":
            pytest.fail("no .aws-sam/build: `make test` runs `sam build` before pytest")
        pytest.skip("run `sam build` (or `make build`) first")
    return read(BUILD / "template.yaml")


def test_every_handler_is_at_its_handler_path(built):
    for name in load().functions:
        props = built["Resources"][name]["Properties"]
        module, _, attribute = props["Handler"].rpartition(".")
        source = BUILD / props["CodeUri"] / f"{module.replace('.', '/')}.py"
        assert source.is_file(), f"{name}: {source}"
        assert attribute in top_level_names(source), f"{name}: {attribute} not in {source}"
        # functions hold only their own code: no copy of the layer or of another function
        assert not (BUILD / props["CodeUri"] / "wegit").exists()
        assert not any((BUILD / props["CodeUri"]).rglob("*.dist-info"))


def test_layer_package_is_where_lambda_reads_it(built):
    layer = BUILD / "CommonLayer" / "python"
    assert (layer / "wegit" / "__init__.py").is_file()
    assert not (layer / "python").exists(), "layer nested one python/ level too deep"
    # compiled wheels are for Lambda (python3.13 on arm64), not this machine
    compiled = [path.name for path in layer.rglob("*.so")]
    assert compiled
    assert all("aarch64" in name or "abi3" in name for name in compiled), compiled
    assert any("cpython-313-aarch64" in name for name in compiled)
    assert not (layer / "boto3").exists(), "boto3 is provided by the Lambda runtime"


def test_functions_use_the_built_layer(built):
    layers = built["Globals"]["Function"]["Layers"] if "Globals" in built else None
    for name in load().functions:
        function_layers = built["Resources"][name]["Properties"].get("Layers", layers)
        assert function_layers[0] == {"Ref": "CommonLayer"}, name
