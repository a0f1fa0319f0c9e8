"""DELETE /me/github-token: forget the GitHub token bound to the account; 204."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wegit.accounts import service
from wegit.api import SESSION, Response, Router, entry_point, no_content

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from wegit.validation import SessionAuthorization

app = Router()


@app.delete("/me/github-token", security=SESSION)
def delete_github_token(authorization: SessionAuthorization = None) -> Response[Any]:
    service.unbind_github_token(service.current(authorization))
    return no_content()


lambda_handler = entry_point(app)
