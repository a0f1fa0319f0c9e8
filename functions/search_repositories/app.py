"""GET /search/repositories?name=TEXT&page=N: repository search, with Max-Page."""

from __future__ import annotations

from typing import TYPE_CHECKING

import wegit.github.preconnect  # noqa: F401 - first: TCP and TLS to GitHub open while the rest imports

# isort: split

from wegit.api import Response, Router, entry_point, paged_response
from wegit.github import service

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from wegit.github.schemas import SearchRepository
    from wegit.validation import Authorization, SearchPage, SearchText

app = Router()


@app.get("/search/repositories")
def search(
    name: SearchText, page: SearchPage = 1, authorization: Authorization = None
) -> Response[list[SearchRepository]]:
    return paged_response(service.search_repositories(name, page, authorization))


lambda_handler = entry_point(app)
