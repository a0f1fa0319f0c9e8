"""GET /me: the caller's account (GitHub login and avatar, whether a token is bound and valid, dates)."""

from __future__ import annotations

from wegit.accounts import service
from wegit.accounts.schemas import Me
from wegit.api import SESSION, entry_point, make_resolver
from wegit.validation import SessionAuthorization

app = make_resolver(sessions=True)


@app.get("/me", security=SESSION)
def get_me(authorization: SessionAuthorization = None) -> Me:
    return Me(**service.me(service.current(authorization)))


lambda_handler = entry_point(app)
