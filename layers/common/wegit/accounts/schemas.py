"""The bodies the account routes take and give (pydantic): validated on the way in, typed in the OpenAPI document."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

# wx.login() codes are short printable strings; anything else is refused before WeChat is asked.
LOGIN_CODE = r"^[\x21-\x7e]+$"


class LoginRequest(BaseModel):
    code: Annotated[str, Field(min_length=1, max_length=128, pattern=LOGIN_CODE, description="the wx.login() code")]


class SessionToken(BaseModel):
    token: str = Field(description="WeGit session token (wgs_...): send it as `Authorization: Bearer <token>`")
    expiresAt: str = Field(description="when the session ends unless used (UTC, ISO 8601); use extends it")


class GitHubTokenRequest(BaseModel):
    token: Annotated[str, Field(min_length=1, max_length=255, description="a GitHub token to bind")]


class GitHubUser(BaseModel):
    login: str
    avatar_url: str | None


class Me(BaseModel):
    login: str | None = Field(description="GitHub login of the bound token; null without one")
    avatar_url: str | None
    token_bound: bool
    token_valid: bool = Field(description="false when GitHub rejected the bound token (bind a new one)")
    created_at: str
    last_seen_at: str
