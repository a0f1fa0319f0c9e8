"""The fields of each GitHub resource the API returns: the fields of its model in wegit.github.schemas.

GitHub's objects run to kilobytes each; the mini-program pays for every byte on mobile data, so a
response carries the contract's fields plus the few a GitHub client needs, and nothing else."""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel

from wegit.github import schemas

# A projection lists field names; a nested projection is a (name, projection) pair.
Projection = tuple[Any, ...]


def projection_of(model: type[BaseModel]) -> Projection:
    """The fields of `model`, nested models as (name, their projection)."""
    fields: list[Any] = []
    for name, info in model.model_fields.items():
        candidates = get_args(info.annotation) or (info.annotation,)
        nested = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        fields.append((name, projection_of(nested)) if nested else name)
    return tuple(fields)


OWNER = projection_of(schemas.Owner)
USER = projection_of(schemas.User)
EVENT = projection_of(schemas.Event)
REPOSITORY = projection_of(schemas.Repository)
SEARCH_REPOSITORY = projection_of(schemas.SearchRepository)


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


NOTIFICATION: Projection = (
    "id", "unread", "reason", "updated_at", "last_read_at",
    ("subject", ("title", "type", "url", "latest_comment_url")),
    ("repository", ("id", "name", "full_name", "html_url", ("owner", ("login", "avatar_url")))),
)  # fmt: skip
