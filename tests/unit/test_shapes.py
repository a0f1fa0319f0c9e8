"""The run time's checks (wegit.shapes on wegit/contract.json) say what pydantic says of the same models: every
keyword of the compiled contract is one wegit.shapes checks, and real GitHub answers, each with one field
broken in every way, get the same verdict from both."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from local.template import ROOT
from wegit import shapes
from wegit.github import projections, schemas

EXAMPLES = ROOT / "tests" / "shared" / "fixtures" / "github-api" / "openapi-examples"
EVENTS = EXAMPLES / "activity_list-received-events-for-user__200__default.json"
# A real answer of each shape, as the service projects it before the check.
SAMPLES = {
    "User": lambda: {**json.loads((EXAMPLES / "repos_get__200__default-response.json").read_text())["owner"],
                     "name": "x", "company": None, "blog": "", "location": None, "email": None, "bio": None,
                     "public_repos": 2, "followers": 20, "following": 0},
    "Event": lambda: json.loads(EVENTS.read_text())[0],
    "Repository": lambda: json.loads((EXAMPLES / "repos_get__200__default-response.json").read_text()),
    "RepositoryWithReadme": lambda: {
        **json.loads((EXAMPLES / "repos_get__200__default-response.json").read_text()), "readme": "# hi"
    },
    "SearchRepository": lambda: json.loads((EXAMPLES / "search_repos__200__default.json").read_text())["items"][0],
}  # fmt: skip
BREAKS: tuple[Any, ...] = (None, "5", 5, 5.5, True, [], {}, "")


def keywords(schema: Any) -> Iterator[str]:
    if isinstance(schema, list):
        for item in schema:
            yield from keywords(item)
    elif isinstance(schema, dict):
        for key, value in schema.items():
            yield key
            if key == "properties":
                for field in value.values():
                    yield from keywords(field)
            elif key not in ("enum", "const", "default", "examples", "required"):
                yield from keywords(value)


def test_every_keyword_of_the_contract_is_one_the_run_time_checks():
    used = set(keywords(list(shapes.contract()["routes"].values()))) | set(
        keywords(list(shapes.contract()["shapes"].values()))
    )
    used -= {"parameters", "body", "python", "schema", "name", "in"}  # the route entries' own fields
    assert used <= shapes.KEYWORDS | shapes.ANNOTATIONS, used - shapes.KEYWORDS - shapes.ANNOTATIONS


def places(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from places(item, (*path, key))


def broken(value: dict[str, Any], path: tuple[Any, ...], replacement: Any) -> dict[str, Any]:
    result = copy.deepcopy(value)
    target = result
    for key in path[:-1]:
        target = target[key]
    if replacement is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = replacement
    return result


def verdicts(name: str, value: Any) -> tuple[bool, bool]:
    try:
        TypeAdapter(getattr(schemas, name)).validate_python(value)
        theirs = True
    except ValidationError:
        theirs = False
    try:
        shapes.check(value, projections.shape(name))
        ours = True
    except shapes.Problem:
        ours = False
    return theirs, ours


@pytest.mark.parametrize("name", SAMPLES)
def test_github_shapes_get_pydantics_verdict_on_every_broken_field(name):
    sample = projections.project(SAMPLES[name](), projections.projection(name))
    assert verdicts(name, sample) == (True, True)
    compared = 0
    for path in list(places(sample)):
        for replacement in (*BREAKS, KeyError):
            value = broken(sample, path, replacement)
            theirs, ours = verdicts(name, value)
            assert theirs == ours, (path, replacement, theirs)
            compared += 1
    assert compared > 50


def test_a_problem_names_its_place_and_the_closest_option():
    schema = projections.shape("User")
    with pytest.raises(shapes.Problem) as found:
        shapes.check({"login": "x", "avatar_url": "a", "followers": "5"}, schema)
    assert found.value.where in {"name", "company", "blog", "location", "email", "bio", "public_repos", "followers"}
    nullable = {"anyOf": [{"type": "string", "pattern": "^a+$"}, {"type": "null"}]}
    with pytest.raises(shapes.Problem, match="does not match"):
        shapes.check("b", nullable)  # the string option's problem, not "should be a string or null"
