"""POST /subscriptions/grants {"templateId", "count"}: record one-time subscribe messages the user accepted."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from wegit.accounts.service import current
from wegit.api import SESSION, entry_point, make_resolver
from wegit.notifications import service
from wegit.notifications.schemas import Grants, GrantsRequest
from wegit.validation import SessionAuthorization

app = make_resolver(sessions=True)


@app.post("/subscriptions/grants", security=SESSION)
def create_grants(body: Annotated[GrantsRequest, Body()], authorization: SessionAuthorization = None) -> Grants:
    return Grants(**service.record_grants(current(authorization), body.templateId, body.count))


lambda_handler = entry_point(app)
