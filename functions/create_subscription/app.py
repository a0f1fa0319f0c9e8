"""POST /subscriptions {"kind", "repo"?, "all"?}: watch your GitHub notifications or a repository's releases."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wegit.accounts.service import current
from wegit.api import SESSION, Response, Router, entry_point, ok
from wegit.notifications import service

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from typing import Annotated

    from aws_lambda_powertools.event_handler.openapi.params import Body

    from wegit.notifications.schemas import Subscription, SubscriptionRequest  # noqa: F401 - Subscription: below
    from wegit.validation import SessionAuthorization

app = Router()
# A model named by a string is resolved with the types above when the OpenAPI document is built.
CREATED = {"description": "created", "content": {"application/json": {"model": "Subscription"}}}
FOUND = {"description": "you had it already", "content": {"application/json": {"model": "Subscription"}}}


@app.post("/subscriptions", security=SESSION, responses={200: FOUND, 201: CREATED})
def create_subscription(
    body: Annotated[SubscriptionRequest, Body()], authorization: SessionAuthorization = None
) -> Response[Any]:
    shown, created = service.subscribe(current(authorization), body.kind, body.repo, body.all)
    return ok(shown, 201 if created else 200)


lambda_handler = entry_point(app)
