"""GET /trending-languages[?all=true]: the popular language names, or every language with its slug."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from wegit.api import entry_point, make_resolver
from wegit.trending import service as trending
from wegit.trending.schemas import Language

app = make_resolver()


@app.get("/trending-languages")
def trending_languages(
    all: Annotated[bool, Query(description="every language github.com offers, with its slug")] = False,
) -> list[str] | list[Language]:
    return trending.languages(everything=all)


lambda_handler = entry_point(app)
