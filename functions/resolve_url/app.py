"""GET /resolve?url=: the mini-program page and parameters of a github.com URL (a repository, a user, trending)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wegit.api import Response, Router, entry_point, ok
from wegit.share import service

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from wegit.share.schemas import Target
    from wegit.validation import GitHubUrl

app = Router()


@app.get("/resolve")
def resolve_url(url: GitHubUrl) -> Response[Target]:
    return ok(service.resolve(url))


lambda_handler = entry_point(app)
