"""Replays the published mini-program's calls 4-9 from ../shared/CLIENT_CONTRACT.md and checks that every
field it reads is there with the stated type. The expectations below are checked against the contract's
own table, so a contract change that this test does not follow fails here."""

from __future__ import annotations

import re
from typing import Any

import pytest

from local.template import SHARED

CONTRACT = (SHARED / "CLIENT_CONTRACT.md").read_text()
TOKEN = "ghp_" + "c" * 36
OPTIONAL_STR = (str, type(None))
ANY_ID = (int, str)

USER = {
    "avatar_url": str, "name": OPTIONAL_STR, "login": str, "bio": OPTIONAL_STR, "public_repos": int,
    "followers": int, "following": int, "email": OPTIONAL_STR, "blog": OPTIONAL_STR, "company": OPTIONAL_STR,
    "location": OPTIONAL_STR,
}  # fmt: skip
EVENT = {
    "id": ANY_ID, "created_at": str, "type": str,
    "actor": {"login": str, "display_login": str, "avatar_url": str}, "repo": {"name": str},
}  # fmt: skip
REPOSITORY = {
    "name": str, "description": OPTIONAL_STR, "subscribers_count": int, "stargazers_count": int, "forks": int,
    "owner": {"login": str}, "license": ({"name": str}, None), "open_issues": int, "readme": str,
}  # fmt: skip
SEARCH_ITEM = {
    "id": ANY_ID, "owner": {"login": str}, "name": str, "language": OPTIONAL_STR, "stargazers_count": int,
    "description": OPTIONAL_STR, "updated_at": str,
}  # fmt: skip

# (contract row, path, query, headers, shape, paged)
CALLS = [
    (4, "/developers", {"name": "octocat"}, {}, USER, False),
    (5, "/developers", {"token": TOKEN}, {}, USER, False),
    (6, "/developers/octocat/events", {"page": "1"}, {"Authorization": TOKEN}, [EVENT], True),
    (7, "/repositories", {"owner": "octocat", "name": "Hello-World"}, {}, REPOSITORY, False),
    (8, "/search/repositories", {"name": "tetris", "page": "1"}, {}, [SEARCH_ITEM], True),
    (9, "/health-check", {}, {}, None, False),
]


def contract_row(number: int) -> str:
    found = re.search(rf"^\| {number} \|.*$", CONTRACT, re.MULTILINE)
    assert found, f"call {number} is not in the contract"
    return found.group(0)


def field_names(shape: Any) -> set[str]:
    if isinstance(shape, list):
        return field_names(shape[0])
    if isinstance(shape, tuple):
        return set().union(*(field_names(option) for option in shape if isinstance(option, dict)))
    if isinstance(shape, dict):
        return set(shape) | set().union(*(field_names(value) for value in shape.values()))
    return set()


def check(value: Any, shape: Any, where: str) -> None:
    if isinstance(shape, list):
        assert isinstance(value, list), f"{where}: expected a list"
        assert value, f"{where}: the replay should have items to check"
        for index, item in enumerate(value):
            check(item, shape[0], f"{where}[{index}]")
    elif isinstance(shape, dict):
        assert isinstance(value, dict), f"{where}: expected an object, got {value!r}"
        for name, field_shape in shape.items():
            assert name in value, f"{where}.{name} missing"
            check(value[name], field_shape, f"{where}.{name}")
    elif isinstance(shape, tuple) and any(isinstance(option, dict) for option in shape):
        if value is not None:
            check(value, next(option for option in shape if isinstance(option, dict)), where)
    else:
        assert isinstance(value, shape), f"{where}: {type(value).__name__} is not {shape}"
        assert not isinstance(value, bool) or shape is bool, f"{where}: a bool is not an int"


@pytest.mark.parametrize(
    ("number", "path", "query", "headers", "shape", "paged"), CALLS, ids=[f"call-{c[0]}" for c in CALLS]
)
def test_contract_call(http, number, path, query, headers, shape, paged):
    row = contract_row(number)
    assert f"`GET {path.split('/octocat')[0]}" in row or "{name}" in row
    fields_row = contract_row(4) if "same fields as 4" in row else row
    for name in field_names(shape):
        assert name in fields_row, f"call {number}: field {name} is not in the contract row"
    response = http.get(f"{http.base_url}{path}", params=query, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    if shape is not None:
        check(response.json(), shape, f"call {number}")
    if paged:
        assert response.headers["Max-Page"].isdigit()
