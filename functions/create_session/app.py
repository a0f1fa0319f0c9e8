"""POST /sessions {"code"}: log in with a wx.login() code; answers a WeGit session token."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from wegit.accounts import service
from wegit.accounts.schemas import LoginRequest, SessionToken
from wegit.api import entry_point, make_resolver

app = make_resolver(sessions=True)


@app.post("/sessions")
def create_session(body: Annotated[LoginRequest, Body()]) -> SessionToken:
    return SessionToken(**service.login(body.code))


lambda_handler = entry_point(app)
