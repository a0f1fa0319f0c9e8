"""PATCH /notifications/threads/{id}: mark one GitHub notification thread read; 204."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from wegit.api import SESSION, entry_point, make_resolver, no_content
from wegit.notifications import service
from wegit.validation import Authorization

app = make_resolver(sessions=True)


@app.patch("/notifications/threads/<id>", security=SESSION)
def mark_notification_read(
    id: Annotated[str, Path(pattern=r"^[0-9]{1,20}$", description="a notification thread id")],
    authorization: Authorization = None,
) -> Response[Any]:
    service.mark_read(authorization, id)
    return no_content()


lambda_handler = entry_point(app)
