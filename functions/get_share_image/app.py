"""GET /share/{id}/image: a share's mini-program code, the image as stored (never a WeChat call)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wegit.api import Response, Router, binary, entry_point
from wegit.share import service

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from wegit.validation import ShareId

app = Router()
IMAGE = {
    "description": "the mini-program code (PNG)",
    "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
}
# An id's code never changes while the share exists: caches may keep it a day.
CACHE = {"Cache-Control": "public, max-age=86400"}


@app.get("/share/{id}/image", responses={200: IMAGE})
def get_share_image(id: ShareId) -> Response[Any]:
    content, content_type = service.image(id)
    return binary(content, content_type, CACHE)


lambda_handler = entry_point(app)
