"""GET /subscriptions: your subscriptions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wegit.accounts.service import current
from wegit.api import SESSION, Response, Router, entry_point, ok
from wegit.notifications import service

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from wegit.notifications.schemas import Subscription
    from wegit.validation import SessionAuthorization

app = Router()


@app.get("/subscriptions", security=SESSION)
def list_subscriptions(authorization: SessionAuthorization = None) -> Response[list[Subscription]]:
    return ok(service.subscriptions(current(authorization)))


lambda_handler = entry_point(app)
