"""GET /subscriptions: your subscriptions."""

from __future__ import annotations

from wegit.accounts.service import current
from wegit.api import SESSION, entry_point, make_resolver
from wegit.notifications import service
from wegit.notifications.schemas import Subscription
from wegit.validation import SessionAuthorization

app = make_resolver(sessions=True)


@app.get("/subscriptions", security=SESSION)
def list_subscriptions(authorization: SessionAuthorization = None) -> list[Subscription]:
    return [Subscription(**shown) for shown in service.subscriptions(current(authorization))]


lambda_handler = entry_point(app)
