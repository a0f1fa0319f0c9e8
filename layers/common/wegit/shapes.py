"""Checks JSON data against the schemas compiled ahead of time into wegit/contract.json (`make openapi`), with
no schema library loaded at run time.

The schemas come from the pydantic models and the routes' declared parameters, through the OpenAPI document;
this module checks the few JSON Schema keywords that document uses (KEYWORDS), and tests/unit/test_shapes.py
fails if it ever uses another, so nothing declared goes unchecked. Types are strict, as the models declare
them (`strict=True`): GitHub's "5" is not an integer, and `true` is not 1.

Measured on Python 3.13 from bytecode (`make bench`, docs/performance.md): pydantic with Powertools'
validation costs ~150 ms of a cold start, fastjsonschema's import 16 ms; this module under 1 ms."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

CONTRACT = Path(__file__).with_name("contract.json")

# Every keyword a compiled schema may hold; the annotations (title, description, default, examples, format) are
# read for defaults or not at all.
KEYWORDS = frozenset(
    {
        "type",
        "anyOf",
        "enum",
        "const",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "items",
        "properties",
        "required",
        "additionalProperties",
    }
)
ANNOTATIONS = frozenset({"title", "description", "default", "examples", "format"})

_TYPES: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}
_NAMES = {"string": "a string", "integer": "an integer", "number": "a number", "boolean": "a boolean",
          "null": "null", "array": "a list", "object": "an object"}  # fmt: skip


@cache
def contract() -> dict[str, Any]:
    """The compiled contract: {"routes": {"GET /path": {...}}, "shapes": {"Name": schema}} (read once)."""
    return dict(json.loads(CONTRACT.read_text()))


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


class Problem(ValueError):
    """Where a value breaks its schema (`where`, dotted) and how (`kind`: a short phrase)."""

    def __init__(self, where: str, kind: str) -> None:
        super().__init__(f"{where or 'value'}: {kind}")
        self.where = where
        self.kind = kind


def check(value: Any, schema: dict[str, Any], where: str = "") -> None:
    """Raise Problem at the first place `value` breaks `schema`."""
    if "anyOf" in schema:
        closest: Problem | None = None  # the problem of the option of the value's own type says the most
        for option in schema["anyOf"]:
            try:
                check(value, option, where)
            except Problem as problem:
                if "type" not in option or _TYPES[option["type"]](value):
                    closest = closest or problem
                continue
            return
        kinds = " or ".join(_NAMES.get(option.get("type", ""), "another shape") for option in schema["anyOf"])
        raise closest or Problem(where, f"should be {kinds}")
    kind = schema.get("type")
    if kind is not None and not _TYPES[kind](value):
        raise Problem(where, f"should be {_NAMES[kind]}")
    if "const" in schema and value != schema["const"]:
        raise Problem(where, f"should be {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        raise Problem(where, "should be " + " or ".join(repr(option) for option in schema["enum"]))
    if isinstance(value, str):
        _check_text(value, schema, where)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        _check_number(value, schema, where)
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            check(item, schema["items"], f"{where}.{index}" if where else str(index))
    elif isinstance(value, dict):
        _check_object(value, schema, where)


def _check_number(value: float, schema: dict[str, Any], where: str) -> None:
    if "minimum" in schema and value < schema["minimum"]:
        raise Problem(where, f"at least {schema['minimum']:g}")
    if "maximum" in schema and value > schema["maximum"]:
        raise Problem(where, f"at most {schema['maximum']:g}")


def _check_text(value: str, schema: dict[str, Any], where: str) -> None:
    if "minLength" in schema and len(value) < schema["minLength"]:
        raise Problem(where, "required" if not value else f"at least {schema['minLength']} characters")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        raise Problem(where, f"at most {schema['maxLength']} characters")
    if "pattern" in schema and not _pattern(schema["pattern"]).search(value):
        raise Problem(where, "blank (spaces only)" if not value.strip() else "does not match the allowed form")


def _check_object(value: dict[str, Any], schema: dict[str, Any], where: str) -> None:
    for name in schema.get("required", ()):
        if name not in value:
            raise Problem(f"{where}.{name}" if where else name, "required")
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        place = f"{where}.{name}" if where else name
        if name in properties:
            check(item, properties[name], place)
        elif extra is False:
            raise Problem(place, "not a field this accepts")
        elif isinstance(extra, dict):
            check(item, extra, place)


def with_defaults(value: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """An object checked against `schema`, with the defaults of the fields it lacks (null where the document
    leaves a null default out)."""
    check(value, schema)
    defaults = {name: spec.get("default") for name, spec in schema.get("properties", {}).items()}
    return {**defaults, **value}
