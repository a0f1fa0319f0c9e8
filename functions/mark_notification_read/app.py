"""PATCH /notifications/threads/{id}: mark one GitHub notification thread read; 204."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wegit.api import SESSION, Response, Router, entry_point, no_content
from wegit.notifications import service

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from wegit.validation import Authorization, ThreadId

app = Router()


@app.patch("/notifications/threads/{id}", security=SESSION)
def mark_notification_read(id: ThreadId, authorization: Authorization = None) -> Response[Any]:
    service.mark_read(authorization, id)
    return no_content()


lambda_handler = entry_point(app)
