"""The local stack's function environments: what Lambda would set, and nothing from elsewhere."""

from __future__ import annotations

import os

from local.runtime import function_environment
from local.template import LAYER_DIR, load


def test_each_function_gets_globals_its_own_and_no_developer_variables(monkeypatch):
    monkeypatch.setenv("DEVELOPERS_OWN_SECRET", "do-not-leak")
    template = load(overrides={"Stage": "local"})
    environments = {name: function_environment(spec, {"X": "1"}) for name, spec in template.functions.items()}
    for name, env in environments.items():
        spec = template.functions[name]
        assert "DEVELOPERS_OWN_SECRET" not in env
        assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
        assert env["STAGE"] == "local"
        assert env["POWERTOOLS_SERVICE_NAME"] == "wegit-api"
        assert env["X"] == "1"
        assert env["PYTHONPATH"].split(os.pathsep) == [str(spec.code_uri), str(LAYER_DIR)]
        for key, value in spec.environment.items():
            assert env[key] == value


def test_table_references_resolve_to_local_table_names():
    template = load(overrides={"Stage": "local"})
    names = set(template.table_names().values())
    referenced = {value for spec in template.functions.values() for key, value in spec.environment.items()
                  if key.endswith("_TABLE")}  # fmt: skip
    assert referenced <= names
