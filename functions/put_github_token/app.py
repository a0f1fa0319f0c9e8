"""PUT /me/github-token {"token"}: check a GitHub token with GitHub and bind it, encrypted, to the account."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from wegit.accounts import service
from wegit.accounts.schemas import GitHubTokenRequest, GitHubUser
from wegit.api import SESSION, entry_point, make_resolver
from wegit.validation import SessionAuthorization

app = make_resolver(sessions=True)


@app.put("/me/github-token", security=SESSION)
def put_github_token(
    body: Annotated[GitHubTokenRequest, Body()], authorization: SessionAuthorization = None
) -> GitHubUser:
    return GitHubUser(**service.bind_github_token(service.current(authorization), body.token))


lambda_handler = entry_point(app)
