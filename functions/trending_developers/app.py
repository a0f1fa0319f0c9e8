"""GET /trending-developers?since=&language=&spoken_language_code=: from the scheduled snapshot."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from wegit.api import entry_point, make_resolver, trending_response
from wegit.trending import service as trending
from wegit.trending.schemas import TrendingDeveloper
from wegit.validation import Language, Since, SpokenLanguage

app = make_resolver()


@app.get("/trending-developers")
def trending_developers(
    since: Since = None, language: Language = None, spoken_language_code: SpokenLanguage = None
) -> Response[list[TrendingDeveloper]]:
    query = trending.Query.from_params("developers", since, language, spoken_language_code)
    return trending_response(trending.read(query), trending.max_age())


lambda_handler = entry_point(app)
