"""GET /developers/{name}/events?page=N: the events a developer received, with Max-Page."""

from __future__ import annotations

import wegit.github.preconnect  # noqa: F401 - first: TCP and TLS to GitHub open while the rest imports

# isort: split

from aws_lambda_powertools.event_handler import Response

from wegit.api import entry_point, make_resolver, paged_response
from wegit.github import service
from wegit.github.schemas import Event
from wegit.validation import Authorization, EventsPage, LoginPath

app = make_resolver()


@app.get("/developers/<name>/events")
def get_events(name: LoginPath, page: EventsPage = 1, authorization: Authorization = None) -> Response[list[Event]]:
    return paged_response(service.developer_events(name, page, authorization))


lambda_handler = entry_point(app)
