"""GET /developers?name=LOGIN (a profile) or ?token=TOKEN (log in: the token's own user)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import wegit.github.preconnect  # noqa: F401 - first: TCP and TLS to GitHub open while the rest imports

# isort: split

from wegit.api import Response, Router, entry_point, ok
from wegit.github import service

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from wegit.github.schemas import User
    from wegit.validation import Authorization, LoginQuery, TokenQuery

app = Router()


@app.get("/developers")
def get_developer(
    name: LoginQuery = None, token: TokenQuery = None, authorization: Authorization = None
) -> Response[User]:
    return ok(service.developer(name, token, authorization))


lambda_handler = entry_point(app)
