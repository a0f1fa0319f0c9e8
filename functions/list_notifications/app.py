"""GET /notifications?all=&participating=&page=: your GitHub notifications, with Max-Page."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from wegit.api import SESSION, entry_point, make_resolver, paged_response
from wegit.notifications import service
from wegit.validation import Authorization, EventsPage

app = make_resolver(sessions=True)


@app.get("/notifications", security=SESSION)
def list_notifications(
    all: Annotated[bool, Query(description="read ones too, not only unread")] = False,
    participating: Annotated[bool, Query(description="only where you are involved")] = False,
    page: EventsPage = 1,
    authorization: Authorization = None,
) -> Response[Any]:
    return paged_response(service.notifications(authorization, page, all, participating))


lambda_handler = entry_point(app)
