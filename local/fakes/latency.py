"""A loopback TCP proxy that puts a network between a client and a fake: every answer arrives one round trip
after its request, and a new connection costs extra round trips first (TCP, TLS). It counts connections.

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
        self.connections += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.close()
            return
        handshake_done = time.monotonic() + self.handshake_round_trips * self.round_trip
        await asyncio.gather(
            self._pipe(client_reader, upstream_writer, delay=0.0, not_before=handshake_done),
            self._pipe(upstream_reader, client_writer, delay=self.round_trip, not_before=0.0),
        )

    @staticmethod
    async def _pipe(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float, not_before: float
    ) -> None:
        """Copy reader → writer; each chunk leaves `delay` after it arrived (so a response written in several
        chunks still takes one round trip), and none before `not_before`."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def read() -> None:
            try:
                while chunk := await reader.read(65536):
                    queue.put_nowait((time.monotonic(), chunk))
            except (ConnectionError, OSError):
                pass
            queue.put_nowait((time.monotonic(), b""))

        reading = asyncio.ensure_future(read())
        try:
            while True:
                arrived, chunk = await queue.get()
                wait = max(not_before, arrived + delay) - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not chunk:
                    break
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            reading.cancel()
            writer.close()
