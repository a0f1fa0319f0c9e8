"""GET /developers/{name}/events?page=N: the events a developer received, with Max-Page."""

from __future__ import annotations

from typing import TYPE_CHECKING

import wegit.github.preconnect  # noqa: F401 - first: TCP and TLS to GitHub open while the rest imports

# isort: split

from wegit.api import Response, Router, entry_point, paged_response
from wegit.github import service

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from wegit.github.schemas import Event
    from wegit.validation import Authorization, EventsPage, LoginPath

app = Router()


@app.get("/developers/{name}/events")
def get_events(name: LoginPath, page: EventsPage = 1, authorization: Authorization = None) -> Response[list[Event]]:
    return paged_response(service.developer_events(name, page, authorization))


lambda_handler = entry_point(app)
