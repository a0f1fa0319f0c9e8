"""GET /trending-developers?since=&language=&spoken_language_code=: from the scheduled snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wegit.api import Response, Router, entry_point, trending_response
from wegit.trending import service as trending

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from wegit.trending.schemas import TrendingDeveloper
    from wegit.validation import LanguageQuery, Since, SpokenLanguage

app = Router()


@app.get("/trending-developers")
def trending_developers(
    since: Since = None, language: LanguageQuery = None, spoken_language_code: SpokenLanguage = None
) -> Response[list[TrendingDeveloper]]:
    query = trending.Query.from_params("developers", since, language, spoken_language_code)
    return trending_response(trending.read(query), trending.max_age())


lambda_handler = entry_point(app)
