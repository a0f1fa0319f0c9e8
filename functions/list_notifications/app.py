"""GET /notifications?all=&participating=&page=: your GitHub notifications, with Max-Page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wegit.api import SESSION, Response, Router, entry_point, paged_response
from wegit.notifications import service

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from wegit.validation import AllNotifications, Authorization, EventsPage, Participating

app = Router()


@app.get("/notifications", security=SESSION)
def list_notifications(
    all: AllNotifications = False,
    participating: Participating = False,
    page: EventsPage = 1,
    authorization: Authorization = None,
) -> Response[Any]:
    return paged_response(service.notifications(authorization, page, all, participating))


lambda_handler = entry_point(app)
