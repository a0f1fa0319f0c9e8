"""POST /share {"type", ...}: a share id for a repository, a developer or a trending page, and its code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wegit.accounts.service import current
from wegit.api import SESSION, Response, Router, entry_point, ok
from wegit.share import service

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from typing import Annotated

    from aws_lambda_powertools.event_handler.openapi.params import Body

    from wegit.share.schemas import Share, ShareRequest  # noqa: F401 - Share: below
    from wegit.validation import SessionAuthorization

app = Router()
# A model named by a string is resolved with the types above when the OpenAPI document is built.
MADE = {"description": "shared; its code was made now", "content": {"application/json": {"model": "Share"}}}
FOUND = {"description": "shared; its code was made before", "content": {"application/json": {"model": "Share"}}}


@app.post("/share", security=SESSION, responses={200: FOUND, 201: MADE})
def create_share(body: Annotated[ShareRequest, Body()], authorization: SessionAuthorization = None) -> Response[Any]:
    shown, made = service.share(current(authorization), body.type, vars(body))
    return ok(shown, 201 if made else 200)


lambda_handler = entry_point(app)
