"""GET /share/{id}: the page and parameters a share code opens (no session: whoever scanned it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wegit.api import Response, Router, entry_point, ok
from wegit.share import service

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from wegit.share.schemas import Share
    from wegit.validation import ShareId

app = Router()


@app.get("/share/{id}")
def get_share(id: ShareId) -> Response[Share]:
    return ok(service.get(id))


lambda_handler = entry_point(app)
