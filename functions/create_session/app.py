"""POST /sessions {"code"}: log in with a wx.login() code; answers a WeGit session token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wegit.accounts import service
from wegit.api import Response, Router, entry_point, ok

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from typing import Annotated

    from aws_lambda_powertools.event_handler.openapi.params import Body

    from wegit.accounts.schemas import LoginRequest, SessionToken

app = Router()


@app.post("/sessions")
def create_session(body: Annotated[LoginRequest, Body()]) -> Response[SessionToken]:
    return ok(service.login(body.code))


lambda_handler = entry_point(app)
