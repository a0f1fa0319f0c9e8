"""The loopback HTTP server the fakes share: fixed routes that a test's scripted answers come before."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from types import TracebackType
from typing import Self

from pytest_httpserver import METHOD_ALL, HTTPServer, RequestHandler
from pytest_httpserver.httpserver import RequestHandlerList
from werkzeug import Request, Response

# werkzeug's access log would print every query string, and WeChat's carry the AppSecret and login codes.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


class _Handlers(RequestHandlerList):
    """Permanent handlers a test adds, then the fixture routes (their catch-all would shadow the former)."""

    def __init__(self, fixture_routes: RequestHandlerList) -> None:
        super().__init__()
        self.fixture_routes = fixture_routes

    def match(self, request: Request) -> RequestHandler | None:
        return super().match(request) or self.fixture_routes.match(request)


class FixtureHTTPServer(HTTPServer):
    """HTTPServer whose fixture routes survive `clear()` and come after every handler a test registers."""

    def __init__(self, port: int = 0) -> None:
        # Threaded so a test handler that sleeps to simulate a slow GitHub does not stall the next request.
        super().__init__(host="127.0.0.1", port=port, threaded=True)
        self.fixture_routes = RequestHandlerList()
        self.handlers = _Handlers(self.fixture_routes)

    def clear_all_handlers(self) -> None:
        super().clear_all_handlers()
        self.handlers = _Handlers(self.fixture_routes)

    def route(self, pattern: str, handler: Callable[[Request], Response]) -> None:
        request_handler = RequestHandler(self.create_matcher(re.compile(pattern), method=METHOD_ALL))
        request_handler.respond_with_handler(handler)
        self.fixture_routes.append(request_handler)


class LoopbackFake:
    """The lifecycle of a fake served by `self.server` on a loopback port (a free one unless given)."""

    server: FixtureHTTPServer

    def start(self, port: int = 0) -> Self:
        self.server.port = port
        self.server.start()
        return self

    def stop(self) -> None:
        if self.server.is_running():
            self.server.stop()

    def __enter__(self) -> Self:
        return self if self.server.is_running() else self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
