"""GET /trending-languages[?all=true]: the popular language names, or every language with its slug."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wegit.api import Response, Router, entry_point, ok
from wegit.trending import service as trending

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from wegit.trending.schemas import Language
    from wegit.validation import AllLanguages

app = Router()


@app.get("/trending-languages")
def trending_languages(all: AllLanguages = False) -> Response[list[str] | list[Language]]:
    return ok(trending.languages(everything=all))


lambda_handler = entry_point(app)
