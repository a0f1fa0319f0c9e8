"""GET /me: the caller's account (GitHub login and avatar, whether a token is bound and valid, dates)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wegit.accounts import service
from wegit.api import SESSION, Response, Router, entry_point, ok

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from wegit.accounts.schemas import Me
    from wegit.validation import SessionAuthorization

app = Router()


@app.get("/me", security=SESSION)
def get_me(authorization: SessionAuthorization = None) -> Response[Me]:
    return ok(service.me(service.current(authorization)))


lambda_handler = entry_point(app)
