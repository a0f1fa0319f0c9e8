"""POST /subscriptions/grants {"templateId", "count"}: record one-time subscribe messages the user accepted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wegit.accounts.service import current
from wegit.api import SESSION, Response, Router, entry_point, ok
from wegit.notifications import service

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from typing import Annotated

    from aws_lambda_powertools.event_handler.openapi.params import Body

    from wegit.notifications.schemas import Grants, GrantsRequest
    from wegit.validation import SessionAuthorization

app = Router()


@app.post("/subscriptions/grants", security=SESSION)
def create_grants(
    body: Annotated[GrantsRequest, Body()], authorization: SessionAuthorization = None
) -> Response[Grants]:
    return ok(service.record_grants(current(authorization), body.templateId, body.count))


lambda_handler = entry_point(app)
