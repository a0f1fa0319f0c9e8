"""PUT /me/github-token {"token"}: check a GitHub token with GitHub and bind it, encrypted, to the account."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wegit.accounts import service
from wegit.api import SESSION, Response, Router, entry_point, ok

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from typing import Annotated

    from aws_lambda_powertools.event_handler.openapi.params import Body

    from wegit.accounts.schemas import GitHubTokenRequest, GitHubUser
    from wegit.validation import SessionAuthorization

app = Router()


@app.put("/me/github-token", security=SESSION)
def put_github_token(
    body: Annotated[GitHubTokenRequest, Body()], authorization: SessionAuthorization = None
) -> Response[GitHubUser]:
    return ok(service.bind_github_token(service.current(authorization), body.token))


lambda_handler = entry_point(app)
