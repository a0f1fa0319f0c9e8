"""The bodies the subscription routes take and give (pydantic): validated coming in, typed in the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

REPOSITORY = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$"


class SubscriptionRequest(BaseModel):
    kind: Literal["notifications", "releases"] = Field(
        description="notifications: your GitHub notifications; releases: new releases of `repo`"
    )
    repo: Annotated[str | None, Field(default=None, pattern=REPOSITORY, description="owner/name (releases)")]
    all: bool = Field(default=False, description="notifications: all of them, not only where you take part")


class Subscription(BaseModel):
    id: str
    kind: Literal["notifications", "releases"]
    repo: str | None
    all: bool
    created_at: str
    paused: bool = Field(description="true when it is no longer polled or sent: `paused_reason` says why")
    paused_reason: str | None = Field(
        default=None, description="why it is paused and what to do (bind a token, subscribe again); null if not"
    )
    pending: int = Field(description="items waiting for a message grant (POST /subscriptions/grants)")


class GrantsRequest(BaseModel):
    templateId: Annotated[str, Field(min_length=1, max_length=128, description="the accepted template id")]
    count: Annotated[int, Field(ge=1, le=50, description="how many messages the user accepted")] = 1


class Grants(BaseModel):
    templateId: str
    remaining: int = Field(description="messages of this template the service may still send you")


class Notification(BaseModel):
    """What a list of GitHub notifications shows."""

    id: str
    unread: bool
    reason: str
    updated_at: str
    subject: dict[str, str | None]
    repository: dict[str, object]
