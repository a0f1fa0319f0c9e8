"""The fields of each GitHub resource the API returns: one declared projection per resource.

GitHub's objects run to kilobytes each; the mini-program pays for every byte on mobile data, so a
response carries the contract's fields plus the few a GitHub client needs, and nothing else."""

from __future__ import annotations

from typing import Any

# A projection lists field names; a nested projection is a (name, projection) pair.
Projection = tuple[Any, ...]

OWNER: Projection = ("login", "id", "avatar_url", "html_url", "type")

USER: Projection = (
    "login", "id", "avatar_url", "html_url", "type", "name", "company", "blog", "location", "email", "bio",
    "public_repos", "public_gists", "followers", "following", "created_at",
)  # fmt: skip

EVENT: Projection = (
    "id", "type", "created_at", "public",
    ("actor", ("id", "login", "display_login", "avatar_url")),
    ("repo", ("id", "name")),
    ("org", ("login", "avatar_url")),
)  # fmt: skip

REPOSITORY: Projection = (
    "id", "name", "full_name", "html_url", "description", "homepage", "language", "topics", "default_branch",
    "fork", "archived", "created_at", "updated_at", "pushed_at", "size",
    "stargazers_count", "subscribers_count", "forks", "forks_count", "open_issues", "open_issues_count",
    ("owner", OWNER),
    ("license", ("key", "name", "spdx_id")),
)  # fmt: skip

SEARCH_REPOSITORY: Projection = (
    "id", "name", "full_name", "html_url", "description", "language", "stargazers_count", "forks_count",
    "updated_at", "topics",
    ("owner", OWNER),
)  # fmt: skip


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
