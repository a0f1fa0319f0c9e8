"""The bodies the share routes take and give (pydantic): validated coming in, typed in the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

LOGIN = r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$"
REPO = r"^([A-Za-z0-9_-][A-Za-z0-9._-]*|\.[A-Za-z0-9_-][A-Za-z0-9._-]*|\.\.[A-Za-z0-9._-]+)$"


class ShareRequest(BaseModel):
    type: Literal["repository", "developer", "trending"] = Field(
        description="repository: `owner` and `name`; developer: `login`; trending: `since`, `language`, `kind`"
    )
    owner: Annotated[str | None, Field(default=None, pattern=LOGIN, max_length=39, description="owner login")]
    name: Annotated[str | None, Field(default=None, pattern=REPO, max_length=100, description="repository name")]
    login: Annotated[str | None, Field(default=None, pattern=LOGIN, max_length=39, description="GitHub login")]
    since: Literal["daily", "weekly", "monthly"] | None = Field(default=None, description="trending: daily by default")
    language: Annotated[
        str | None, Field(default=None, max_length=64, description="trending: language name or slug; none for all")
    ]
    kind: Literal["repositories", "developers"] | None = Field(
        default=None, description="trending: repositories (default) or developers"
    )


class Target(BaseModel):
    """A page of the mini-program: what it shows and how to open it."""

    type: Literal["repository", "developer", "trending"]
    page: str = Field(description="the mini-program page, e.g. pages/repository/index")
    params: dict[str, str] = Field(
        description="its query parameters: owner and name; name (a login); kind, since and language"
    )
    path: str = Field(description="page and parameters as one path for wx.navigateTo")


class Share(Target):
    id: str = Field(description="the share's id: the same for the same target")
    scene: str = Field(description="the `scene` of its mini-program code (the id)")
    image: str = Field(description="where its mini-program code is served (GET, an image)")
    created_at: str
