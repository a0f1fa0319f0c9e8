"""GET /repositories/trending?owner=&name=: a repository's trending record and its rank per day, from the history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wegit.api import Response, Router, cached_page_response, entry_point
from wegit.trending.history import service as history

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from wegit.trending.schemas import RepositoryTrending
    from wegit.validation import HistoryPage, Owner, RepoName

app = Router()


@app.get("/repositories/trending")
def repository_trending(owner: Owner, name: RepoName, page: HistoryPage = 1) -> Response[RepositoryTrending]:
    return cached_page_response(history.repository(owner, name, page))


lambda_handler = entry_point(app)
