"""What each GitHub endpoint does, below the HTTP edge: validate what the types can't, call GitHub, project,
and check the result has the contract's shape (else 502)."""

from __future__ import annotations

from pydantic import TypeAdapter

from wegit.errors import BadRequest
from wegit.github import client as github
from wegit.github import projections
from wegit.github.client import Page
from wegit.github.credentials import Credential, caller, checked_token, resolve, used
from wegit.github.schemas import Event, RepositoryWithReadme, SearchRepository, User, checked

_USER = TypeAdapter(User)
_EVENTS = TypeAdapter(list[Event])
_REPOSITORY = TypeAdapter(RepositoryWithReadme)
_SEARCH = TypeAdapter(list[SearchRepository])


def developer(login: str | None, token: str | None, authorization: str | None) -> User:
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
    return checked(_USER, projections.project(user, projections.USER), "a user")


def developer_events(login: str, page: int, authorization: str | None) -> Page:
    with used(resolve(authorization)) as bearer:
        found = github.received_events(login, page, token=bearer)
    return Page(checked(_EVENTS, projections.project(found.items, projections.EVENT), "events"), found.max_page)


def repository(owner: str, name: str, authorization: str | None, readme_html: bool = False) -> RepositoryWithReadme:
    if name in (".", ".."):
        raise BadRequest("invalid parameter name: not a repository name")
    with used(resolve(authorization)) as bearer:
        repo, (readme, cut), html = github.get_repository_with_readme(
            owner, name, token=bearer, readme_html=readme_html
        )
    result = projections.project(repo, projections.REPOSITORY)
    result.update(readme=readme, readme_truncated=cut)
    if html is not None:
        from wegit.github.readme_html import sanitize  # nh3 only in the cold start of calls that ask for HTML

        result["readme_html"] = sanitize(html[0], owner, name, str(repo.get("default_branch") or "HEAD"))
        result["readme_truncated"] = cut or html[1]
    return checked(_REPOSITORY, result, "a repository")


def search_repositories(text: str, page: int, authorization: str | None) -> Page:
    if not text.strip():
        raise BadRequest("invalid parameter name: the search text is blank")
    with used(resolve(authorization, resource="search")) as bearer:
        found = github.search_repositories(text, page, token=bearer)
    items = checked(_SEARCH, projections.project(found.items, projections.SEARCH_REPOSITORY), "search results")
    return Page(items, found.max_page)
