"""The GitHub-backed answers as the client contract types them. One model per resource is the OpenAPI
schema of its 200 (Swagger UI shows what a client gets), the fields the projection keeps, and the check that
GitHub's data has that shape before it is used: a wrong shape is a 502, never a half answer or a 500.
Build time only: `make openapi` compiles them into wegit/contract.json, which wegit.github.projections reads.

Fields the contract names are required; the few more a GitHub client needs may be absent (null)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Shape(BaseModel):
    # strict: GitHub's "5" is not our 5; the types are the contract's, as sent.
    model_config = ConfigDict(strict=True, extra="ignore")


class Owner(Shape):
    login: str
    id: int | None = None
    avatar_url: str | None = None
    html_url: str | None = None
    type: str | None = None


class User(Shape):
    login: str
    id: int | None = None
    avatar_url: str
    html_url: str | None = None
    type: str | None = None
    name: str | None
    company: str | None
    blog: str | None
    location: str | None
    email: str | None
    bio: str | None
    public_repos: int
    public_gists: int | None = None
    followers: int
    following: int
    created_at: str | None = None


# Events and search results are lists of 30, read on mobile data: the contract's fields and nothing more
# (`make bench`: ~4 % of GitHub's bytes, ~1 % gzipped).
class EventActor(Shape):
    login: str
    display_login: str | None = None
    avatar_url: str


class EventRepo(Shape):
    name: str


class Event(Shape):
    id: str
    type: str | None
    created_at: str
    actor: EventActor
    repo: EventRepo


class License(Shape):
    key: str | None = None
    name: str
    spdx_id: str | None = None


class Repository(Shape):
    id: int | None = None
    name: str
    full_name: str | None = None
    html_url: str | None = None
    description: str | None
    homepage: str | None = None
    language: str | None = None
    topics: list[str] | None = None
    default_branch: str | None = None
    fork: bool | None = None
    archived: bool | None = None
    created_at: str | None = None
    updated_at: str | None = None
    pushed_at: str | None = None
    size: int | None = None
    stargazers_count: int
    subscribers_count: int
    forks: int
    forks_count: int | None = None
    open_issues: int
    open_issues_count: int | None = None
    owner: Owner
    license: License | None


class RepositoryWithReadme(Repository):
    readme: str  # markdown; "" when the repository has none
    readme_truncated: bool = False  # the README was longer than the API sends and was cut
    readme_html: str | None = None  # only with readme_html=true: sanitized HTML for rich-text


class SearchOwner(Shape):
    login: str


class SearchRepository(Shape):
    id: int
    name: str
    description: str | None
    language: str | None
    stargazers_count: int
    updated_at: str
    owner: SearchOwner
