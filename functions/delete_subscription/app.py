"""DELETE /subscriptions/{id}: stop a subscription; 204."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from wegit.accounts.service import current
from wegit.api import SESSION, entry_point, make_resolver, no_content
from wegit.notifications import service
from wegit.validation import SessionAuthorization

app = make_resolver(sessions=True)


@app.delete("/subscriptions/<id>", security=SESSION)
def delete_subscription(
    id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="a subscription id from GET /subscriptions")],
    authorization: SessionAuthorization = None,
) -> Response[Any]:
    service.unsubscribe(current(authorization), id)
    return no_content()


lambda_handler = entry_point(app)
