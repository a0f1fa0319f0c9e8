"""DELETE /me/github-token: forget the GitHub token bound to the account; 204."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from wegit.accounts import service
from wegit.api import SESSION, entry_point, make_resolver, no_content
from wegit.validation import SessionAuthorization

app = make_resolver(sessions=True)


@app.delete("/me/github-token", security=SESSION)
def delete_github_token(authorization: SessionAuthorization = None) -> Response[Any]:
    service.unbind_github_token(service.current(authorization))
    return no_content()


lambda_handler = entry_point(app)
