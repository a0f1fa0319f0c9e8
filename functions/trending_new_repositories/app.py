"""GET /trending-repositories/new?since=&language=: the repositories on a trending list for the first time today
(or on `date`), from the history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wegit.api import Response, Router, cached_page_response, entry_point
from wegit.trending.history import service as history

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from wegit.trending.schemas import NewRepository
    from wegit.validation import HistoryDateOptional, HistoryPage, LanguageQuery, Since

app = Router()


@app.get("/trending-repositories/new")
def new_repositories(
    since: Since = None, language: LanguageQuery = None, date: HistoryDateOptional = None, page: HistoryPage = 1
) -> Response[list[NewRepository]]:
    return cached_page_response(history.new_on(since, language, date, page))


lambda_handler = entry_point(app)
