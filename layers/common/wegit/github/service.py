"""What each GitHub endpoint does, below the HTTP edge: validate what the types can't, call GitHub, project,
and check the result has the contract's shape (else 502)."""

from __future__ import annotations

from typing import Any

from wegit.errors import BadRequest
from wegit.github import client as github
from wegit.github.client import Page
from wegit.github.credentials import Credential, caller, checked_token, resolve, used
from wegit.github.projections import checked, project, projection


def developer(login: str | None, token: str | None, authorization: str | None) -> dict[str, Any]:
    """`?name=`: that user's profile. `?token=` (or the token in the header): the token's own user."""
    if login and token:
        raise BadRequest("give either name or token, not both")
    if login:
        with used(resolve(authorization)) as bearer:
            user = github.get_user(login, token=bearer)
    else:
        own = Credential(checked_token(token, "token parameter")) if token else caller(authorization)
        if own is None:
            raise BadRequest("missing parameter: name (a GitHub login) or token (a GitHub token)")
        if own.token is None:
            raise BadRequest("no GitHub token is bound to this account: bind one with PUT /me/github-token")
        with used(own) as bearer:
            user = github.get_authenticated_user(token=str(bearer))
    return dict(checked("User", project(user, projection("User")), "a user"))


def developer_events(login: str, page: int, authorization: str | None) -> Page:
    with used(resolve(authorization)) as bearer:
        found = github.received_events(login, page, token=bearer)
    return Page(checked("Event", project(found.items, projection("Event")), "events", many=True), found.max_page)


def repository(owner: str, name: str, authorization: str | None, readme_html: bool = False) -> dict[str, Any]:
    if name in (".", ".."):
        raise BadRequest("invalid parameter name: not a repository name")
    with used(resolve(authorization)) as bearer:
        repo, (readme, cut), html = github.get_repository_with_readme(
            owner, name, token=bearer, readme_html=readme_html
        )
    result = project(repo, projection("Repository"))
    result.update(readme=readme, readme_truncated=cut)
    if html is not None:
        from wegit.github.readme_html import sanitize  # nh3 only in the cold start of calls that ask for HTML

        result["readme_html"] = sanitize(html[0], owner, name, str(repo.get("default_branch") or "HEAD"))
        result["readme_truncated"] = cut or html[1]
    return dict(checked("RepositoryWithReadme", result, "a repository"))


def search_repositories(text: str, page: int, authorization: str | None) -> Page:
    if not text.strip():
        raise BadRequest("invalid parameter name: the search text is blank")
    with used(resolve(authorization, resource="search")) as bearer:
        found = github.search_repositories(text, page, token=bearer)
    items = project(found.items, projection("SearchRepository"))
    checked("SearchRepository", items, "search results", many=True)
    return Page(items, found.max_page)
