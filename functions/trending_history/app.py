"""GET /trending-repositories/history?date=&since=&language=: a past day's trending list, from the history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wegit.api import Response, Router, cached_page_response, entry_point
from wegit.trending.history import service as history

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from wegit.trending.schemas import HistoryRepository
    from wegit.validation import HistoryDate, HistoryPage, LanguageQuery, Since

app = Router()


@app.get("/trending-repositories/history")
def trending_history(
    date: HistoryDate, since: Since = None, language: LanguageQuery = None, page: HistoryPage = 1
) -> Response[list[HistoryRepository]]:
    return cached_page_response(history.day_list(date, since, language, page))


lambda_handler = entry_point(app)
