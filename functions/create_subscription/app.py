"""POST /subscriptions {"kind", "repo"?, "all"?}: watch your GitHub notifications or a repository's releases."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from wegit.accounts.service import current
from wegit.api import SESSION, entry_point, make_resolver
from wegit.notifications import service
from wegit.notifications.schemas import Subscription, SubscriptionRequest
from wegit.validation import SessionAuthorization

app = make_resolver(sessions=True)
CREATED: OpenAPIResponse = {"description": "created", "content": {"application/json": {"model": Subscription}}}
FOUND: OpenAPIResponse = {"description": "you had it already", "content": {"application/json": {"model": Subscription}}}


@app.post("/subscriptions", security=SESSION, responses={200: FOUND, 201: CREATED})
def create_subscription(
    body: Annotated[SubscriptionRequest, Body()], authorization: SessionAuthorization = None
) -> Response[Any]:
    shown, created = service.subscribe(current(authorization), body.kind, body.repo, body.all)
    return Response(201 if created else 200, content_types.APPLICATION_JSON, Subscription(**shown).model_dump())


lambda_handler = entry_point(app)
