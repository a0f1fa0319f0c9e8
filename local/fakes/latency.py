"""A loopback HTTP/1.1 proxy that puts a network between a client and a fake: every answer arrives one round trip
after its request, a new connection costs extra round trips first (TCP, TLS), and connections are kept alive
as GitHub keeps them (the fakes' server closes each one after its answer). It counts client connections.

For `make bench` (a simulated upstream round trip) and for tests that need to see how many connections a
client opened."""

from __future__ import annotations

import asyncio
import threading
import time
from types import TracebackType


class LatencyProxy:
    def __init__(
        self, target_host: str, target_port: int, round_trip: float = 0.05, handshake_round_trips: int = 2
    ) -> None:
        self.target = (target_host, target_port)
        self.round_trip = round_trip
        self.handshake_round_trips = handshake_round_trips
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="latency-proxy", daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LatencyProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        async def shut() -> None:
            if self._server is not None:
                self._server.close()
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._loop.stop()

        asyncio.run_coroutine_threadsafe(shut(), self._loop)
        self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> LatencyProxy:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        """One client connection: requests one after another, each forwarded on a connection of its own to the
        fake (which closes after every answer), each answer back one round trip after its request arrived."""
        self.connections += 1
        handshake_done = time.monotonic() + self.handshake_round_trips * self.round_trip
        try:
            while True:
                head = await client_reader.readuntil(b"\r\n\r\n")
                arrived = time.monotonic()
                length = _content_length(head)
                body = await client_reader.readexactly(length) if length else b""
                upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
                upstream_writer.write(head + body)
                await upstream_writer.drain()
                answer = await upstream_reader.read()  # the fake closes the connection after its answer
                upstream_writer.close()
                wait = max(arrived, handshake_done) + self.round_trip - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                client_writer.write(_kept_alive(answer))
                await client_writer.drain()
        except (asyncio.IncompleteReadError, asyncio.CancelledError, ConnectionError, OSError):
            pass  # the client went away, or the proxy is stopping
        finally:
            client_writer.close()


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


def _kept_alive(answer: bytes) -> bytes:
    """The answer with `Connection: keep-alive` and a Content-Length, as GitHub sends it."""
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if line.split(b":")[0].strip().lower() != b"connection"]
    if not any(line.split(b":")[0].strip().lower() in (b"content-length", b"transfer-encoding") for line in lines[1:]):
        lines.append(b"Content-Length: " + str(len(body)).encode())
    lines.append(b"Connection: keep-alive")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body
