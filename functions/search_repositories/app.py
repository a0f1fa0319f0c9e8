"""GET /search/repositories?name=TEXT&page=N: repository search, with Max-Page."""

from __future__ import annotations

import wegit.github.preconnect  # noqa: F401 - first: TCP and TLS to GitHub open while the rest imports

# isort: split

from aws_lambda_powertools.event_handler import Response

from wegit.api import entry_point, make_resolver, paged_response
from wegit.github import service
from wegit.github.schemas import SearchRepository
from wegit.validation import Authorization, SearchPage, SearchText

app = make_resolver()


@app.get("/search/repositories")
def search(
    name: SearchText, page: SearchPage = 1, authorization: Authorization = None
) -> Response[list[SearchRepository]]:
    return paged_response(service.search_repositories(name, page, authorization))


lambda_handler = entry_point(app)
