"""NOAA-like network conditions for the emulator's servers: a delay per request and a bandwidth per connection.

Loopback answers in microseconds at gigabytes per second, which hides what a fetch spends waiting on a real
network. :class:`NetworkConditions` adds both back, for the CDN (aiohttp) and the S3 (werkzeug) server alike:
``latency`` seconds before each response starts (one round trip, TLS and queueing included, as one figure), and
``bandwidth`` bytes per second for each response body (a connection serves one request at a time, so this is
the bandwidth per connection). The values can be changed at any time from any thread (a benchmark sweeps them).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass

PACE_BYTES = 64 * 1024
"""A throttled body is sent in pieces of this size, each when the bandwidth allows it."""


@dataclass
class NetworkConditions:
    """``latency``: seconds of delay before each response (0: none); ``bandwidth``: bytes per second of each
    response body, per connection (None: unthrottled); ``piece``: bytes sent at a time when throttled (smaller
    pieces: a smoother stream, as TCP delivers it)."""

    latency: float = 0.0
    bandwidth: float | None = None
    piece: int = PACE_BYTES

    def __post_init__(self) -> None:
        self.set(self.latency, self.bandwidth)

    def set(self, latency: float = 0.0, bandwidth: float | None = None) -> None:
        if latency < 0:
            raise ValueError("the latency must be 0 or more seconds")
        if bandwidth is not None and bandwidth <= 0:
            raise ValueError("the bandwidth must be a positive number of bytes per second")
        self.latency, self.bandwidth = float(latency), None if bandwidth is None else float(bandwidth)

    def describe(self) -> str:
        rate = "unthrottled" if self.bandwidth is None else f"{self.bandwidth / 1e6:g} MB/s per connection"
        return f"{self.latency * 1000:g} ms per request, {rate}"

    # ---- pacing -------------------------------------------------------------------------------------

    def _due(self, started: float, sent: int) -> float:
        """Seconds to wait before more bytes go out, ``sent`` bytes after ``started``."""
        if self.bandwidth is None:
            return 0.0
        return started + sent / self.bandwidth - time.monotonic()

    async def delay(self) -> None:
        if self.latency > 0:
            await asyncio.sleep(self.latency)

    def delay_blocking(self) -> None:
        if self.latency > 0:
            time.sleep(self.latency)

    async def pace_async(self, body: bytes, write: Callable[[bytes], Awaitable[None]]) -> None:
        """Write ``body`` through ``write`` at the bandwidth (at once when unthrottled)."""
        if self.bandwidth is None:
            await write(body)
            return
        started, sent = time.monotonic(), 0
        view = memoryview(body)
        while sent < len(body):
            piece = view[sent : sent + self.piece]
            sent += len(piece)
            wait = self._due(started, sent)  # a piece goes out when the bandwidth has carried it
            if wait > 0:
                await asyncio.sleep(wait)
            await write(bytes(piece))

    def pace_blocking(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """``chunks`` re-cut into pieces sent at the bandwidth (a WSGI body; the thread sleeps between them)."""
        if self.bandwidth is None:
            yield from chunks
            return
        started, sent = time.monotonic(), 0
        for chunk in chunks:
            view = memoryview(chunk)
            for offset in range(0, len(chunk), self.piece):
                piece = bytes(view[offset : offset + self.piece])
                sent += len(piece)
                wait = self._due(started, sent)  # a piece goes out when the bandwidth has carried it
                if wait > 0:
                    time.sleep(wait)
                yield piece
