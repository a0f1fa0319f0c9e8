"""Faults a GitHub fake can be switched to, per path: every way api.github.com or github.com has been seen to
fail (status codes, Retry-After, resets, silence, dripping bodies, bodies of the wrong shape or size).

`inject(fake, path_pattern, fault)` makes every request whose path matches answer with the fault (the first
`fault.times` requests only, when set; then the fixtures answer again) until the fake is cleared."""

from __future__ import annotations

import os
import re
import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate

from werkzeug import Request, Response

from local.fakes.github import HTML_TYPE, JSON_TYPE, GitHubFake, github_error

HANG_SECONDS = 30.0  # a silent answer gives up after this, if the client never hangs up
DRIP_INTERVAL = 0.25  # seconds between the bytes of a dripping body: well inside any read timeout
HUGE_BYTES = 10_000_000


@dataclass
class Fault:
    """A way to fail. `answer` makes the response; `times` limits it to the first requests."""

    name: str
    answer: Callable[[Request], Response]
    times: int | None = None
    served: int = 0
    hung_up: list[float] = field(default_factory=list)  # time.monotonic() when a silent answer's client left


def _json(body: str, status: int = 200, **headers: str) -> Callable[[Request], Response]:
    return lambda request: Response(body, status=status, headers={"Content-Type": JSON_TYPE, **headers})


def _status(status: int, message: str, **headers: str) -> Callable[[Request], Response]:
    def answer(request: Request) -> Response:
        response = github_error(status, message, "https://docs.github.com/rest")
        response.headers.update(headers)
        return response

    return answer


def _text(status: int, body: str, **headers: str) -> Callable[[Request], Response]:
    return lambda request: Response(body, status=status, headers={"Content-Type": HTML_TYPE, **headers})


def _reset(request: Request) -> Response:
    """The connection reset (RST) once the request is read, no answer at all."""
    sock: socket.socket = request.environ["werkzeug.socket"]
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    # The server's file objects keep the descriptor open, so closing `sock` would not close it: put a spare
    # socket on the same descriptor instead, which drops the connection's last reference (RST, lingering 0).
    with socket.socket() as spare:
        os.dup2(spare.fileno(), sock.fileno())
    return Response(b"", status=204)  # goes nowhere


def _silence(hung_up: list[float]) -> Callable[[Request], Response]:
    def answer(request: Request) -> Response:
        """Never answer; note when the client hangs up (how tests see that a call was ended)."""
        sock: socket.socket = request.environ["werkzeug.socket"]
        ends = time.monotonic() + HANG_SECONDS
        while time.monotonic() < ends:
            readable, _, _ = select.select([sock], [], [], 0.05)
            if readable:
                try:
                    data = sock.recv(1, socket.MSG_PEEK)
                except OSError:
                    data = b""
                if not data:
                    hung_up.append(time.monotonic())
                    break
                time.sleep(0.05)
        return Response(b"", status=204)

    return answer


def _drip(request: Request) -> Response:
    """Headers at once, then one byte every DRIP_INTERVAL: no single read ever times out."""

    def body() -> Iterator[bytes]:
        yield b'{"login": "'
        ends = time.monotonic() + HANG_SECONDS
        while time.monotonic() < ends:
            time.sleep(DRIP_INTERVAL)
            yield b"a"
        yield b'"}'

    media = _readme_media(request)
    return Response(body(), status=200, headers={"Content-Type": media or JSON_TYPE})


def _huge(request: Request) -> Response:
    """10 MB: a README's text when a README was asked for, else a JSON object."""
    media = _readme_media(request)
    if media:
        return Response(b"# Huge\n" + b"x" * HUGE_BYTES, status=200, headers={"Content-Type": media})
    return Response(b'{"login": "' + b"a" * HUGE_BYTES + b'"}', status=200, headers={"Content-Type": JSON_TYPE})


def _readme_media(request: Request) -> str | None:
    accept = request.headers.get("Accept", "")
    for kind in ("raw", "html"):
        if f"vnd.github.{kind}" in accept:
            return f"application/vnd.github.{kind}; charset=utf-8"
    return None


RATE_LIMIT_WINDOW = 3  # seconds a "403 rate limit spent" lasts: the service token pool waits it out


def catalogue() -> dict[str, Fault]:
    """A fresh Fault of each kind, by name (fresh: a Fault counts what it served)."""
    hung_up: list[float] = []
    http_date = formatdate(time.time() + 120, usegmt=True)
    faults = [
        Fault("500", _status(500, "Server Error")),
        Fault("502", _text(502, "<html><body>Bad Gateway</body></html>")),
        Fault("503 once", _status(503, "Service Unavailable"), times=1),
        Fault("503 three times", _status(503, "Service Unavailable"), times=3),
        Fault("503 retry-after short", _status(503, "Service Unavailable", **{"Retry-After": "1"})),
        Fault("503 retry-after long", _status(503, "Service Unavailable", **{"Retry-After": "3600"})),
        Fault("connection reset", _reset),
        Fault("no answer", _silence(hung_up), hung_up=hung_up),
        Fault("dripping body", _drip),
        Fault("malformed json", _json('{"login": "octocat", ')),
        Fault("json null", _json("null")),
        Fault("json string", _json('"octocat"')),
        Fault("json list of objects", _json('[{"login": "octocat"}]')),
        Fault("json list of numbers", _json("[1, 2, 3]")),
        Fault("json object without fields", _json('{"message": "hello"}')),
        Fault("html page 200", _text(200, "<!doctype html><html><body><h1>Unicorn!</h1></body></html>")),
        Fault("401", _status(401, "Bad credentials")),
        Fault("403", _status(403, "Resource not accessible by integration")),
        Fault(
            "403 rate limit spent",
            _status(
                403,
                "API rate limit exceeded",
                # A short window: the service token pool believes GitHub and would call anonymously till then.
                **{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + RATE_LIMIT_WINDOW)},
            ),
        ),
        Fault("429 retry-after seconds", _status(429, "Too Many Requests", **{"Retry-After": "120"})),
        Fault("429 retry-after date", _status(429, "Too Many Requests", **{"Retry-After": http_date})),
        Fault("404", _status(404, "Not Found")),
        Fault("410", _status(410, "Gone")),
        Fault("422", _status(422, "Validation Failed")),
        Fault("10 MB body", _huge),
    ]
    return {fault.name: fault for fault in faults}


def inject(fake: GitHubFake, path_pattern: str, fault: Fault) -> Fault:
    """Answer requests whose path matches `path_pattern` (a regex) with `fault` until `fake.clear()`."""
    lock = threading.Lock()

    def answer(request: Request) -> Response:
        with lock:
            faulty = fault.times is None or fault.served < fault.times
            fault.served += 1
        if not faulty:
            handler = fake.server.fixture_routes.match(request)
            assert handler is not None  # the fixture routes end with a catch-all
            return handler.respond(request)
        return fault.answer(request)

    fake.server.expect_request(re.compile(path_pattern)).respond_with_handler(answer)
    return fault
