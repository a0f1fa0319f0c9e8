"""What each GitHub endpoint does, below the HTTP edge: validate what the types can't, call GitHub, project."""

from __future__ import annotations

from typing import Any

from wegit.errors import BadRequest
from wegit.github import client as github
from wegit.github import projections
from wegit.github.client import Page
from wegit.github.credentials import checked_token, resolve_token, token_from_header


def developer(login: str | None, token: str | None, authorization: str | None) -> dict[str, Any]:
    """`?name=`: that user's profile. `?token=` (or the token in the header): the token's own user."""
    if login and token:
        raise BadRequest("give either name or token, not both")
    if login:
        user = github.get_user(login, token=resolve_token(authorization))
    else:
        own_token = checked_token(token, "token parameter") if token else token_from_header(authorization)
        if not own_token:
            raise BadRequest("missing parameter: name (a GitHub login) or token (a GitHub token)")
        user = github.get_authenticated_user(token=own_token)
    return dict(projections.project(user, projections.USER))


def developer_events(login: str, page: int, authorization: str | None) -> Page:
    found = github.received_events(login, page, token=resolve_token(authorization))
    return Page(projections.project(found.items, projections.EVENT), found.max_page)


def repository(owner: str, name: str, authorization: str | None, readme_html: bool = False) -> dict[str, Any]:
    if name in (".", ".."):
        raise BadRequest("invalid parameter name: not a repository name")
    repo, readme, html = github.get_repository_with_readme(
        owner, name, token=resolve_token(authorization), readme_html=readme_html
    )
    result: dict[str, Any] = projections.project(repo, projections.REPOSITORY)
    result["readme"] = readme
    if html is not None:
        from wegit.github.readme_html import sanitize  # nh3 only in the cold start of calls that ask for HTML

        result["readme_html"] = sanitize(html, owner, name, str(repo.get("default_branch") or "HEAD"))
    return result


def search_repositories(text: str, page: int, authorization: str | None) -> Page:
    if not text.strip():
        raise BadRequest("invalid parameter name: the search text is blank")
    found = github.search_repositories(text, page, token=resolve_token(authorization))
    return Page(projections.project(found.items, projections.SEARCH_REPOSITORY), found.max_page)
