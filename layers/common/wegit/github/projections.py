"""The fields of each GitHub resource the API returns, and the check that GitHub's data has their shape.

GitHub's objects run to kilobytes each; the mini-program pays for every byte on mobile data, so a response
carries the contract's fields plus the few a GitHub client needs, and nothing else: the fields of its model in
wegit.github.schemas, read from the shapes compiled from those models (wegit/contract.json), so neither the
models nor pydantic load at run time."""

from __future__ import annotations

from functools import cache
from typing import Any

from wegit import shapes
from wegit.errors import UpstreamBadResponse

# A projection lists field names; a nested projection is a (name, projection) pair.
Projection = tuple[Any, ...]


def _object(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The object schema in `schema` (itself, or the object option of a nullable one), if any."""
    for option in schema.get("anyOf", [schema]):
        if option.get("type") == "object" and "properties" in option:
            return dict(option)
    return None


def projection_of(schema: dict[str, Any]) -> Projection:
    """The fields of an object schema, nested objects as (name, their projection)."""
    fields: list[Any] = []
    for name, field in schema["properties"].items():
        nested = _object(field)
        fields.append((name, projection_of(nested)) if nested else name)
    return tuple(fields)


@cache
def shape(name: str) -> dict[str, Any]:
    """The compiled schema of the model `name` of wegit.github.schemas."""
    return dict(shapes.contract()["shapes"][name])


@cache
def projection(name: str) -> Projection:
    return projection_of(shape(name))


def project(value: Any, projection: Projection) -> Any:
    """Keep only the projected fields of a GitHub object (None stays None; lists are projected item by item)."""
    if value is None:
        return None
    if isinstance(value, list):
        return [project(item, projection) for item in value]
    if not isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    for field in projection:
        if isinstance(field, tuple):
            name, nested = field
            if name in value:
                result[name] = project(value[name], nested)
        elif field in value:
            result[field] = value[field]
    return result


def checked(name: str, value: Any, what: str, many: bool = False) -> Any:
    """`value` (a list of them when `many`) if it has the shape of the model `name`; GitHub data of another
    shape is an UpstreamBadResponse (502), never a half answer or a 500."""
    schema = {"type": "array", "items": shape(name)} if many else shape(name)
    try:
        shapes.check(value, schema)
    except shapes.Problem as problem:
        raise UpstreamBadResponse(
            f"GitHub sent {what} of an unexpected shape ({problem.where or 'the answer'}: {problem.kind})"
        ) from None
    return value


NOTIFICATION: Projection = (
    "id", "unread", "reason", "updated_at", "last_read_at",
    ("subject", ("title", "type", "url", "latest_comment_url")),
    ("repository", ("id", "name", "full_name", "html_url", ("owner", ("login", "avatar_url")))),
)  # fmt: skip
