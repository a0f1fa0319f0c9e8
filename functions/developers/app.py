"""GET /developers?name=LOGIN (a profile) or ?token=TOKEN (log in: the token's own user)."""

from __future__ import annotations

import wegit.github.preconnect  # noqa: F401 - first: TCP and TLS to GitHub open while the rest imports

# isort: split

from wegit.api import entry_point, make_resolver
from wegit.github import service
from wegit.github.schemas import User
from wegit.validation import Authorization, LoginQuery, TokenQuery

app = make_resolver()


@app.get("/developers")
def get_developer(name: LoginQuery = None, token: TokenQuery = None, authorization: Authorization = None) -> User:
    return service.developer(name, token, authorization)


lambda_handler = entry_point(app)
