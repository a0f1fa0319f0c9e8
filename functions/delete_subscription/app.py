"""DELETE /subscriptions/{id}: stop a subscription; 204."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wegit.accounts.service import current
from wegit.api import SESSION, Response, Router, entry_point, no_content
from wegit.notifications import service

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from wegit.validation import SessionAuthorization, SubscriptionId

app = Router()


@app.delete("/subscriptions/{id}", security=SESSION)
def delete_subscription(id: SubscriptionId, authorization: SessionAuthorization = None) -> Response[Any]:
    service.unsubscribe(current(authorization), id)
    return no_content()


lambda_handler = entry_point(app)
