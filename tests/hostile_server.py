"""A hostile HTTP server on 127.0.0.1 for the attack tests (issue 14): endless bodies, drips, gzip bombs, lies.

Not a test file and not imported by one another test file depends on: attack tests import it directly.
Every server stops by itself: it sends at most ``max_bytes`` in total (default 4 GiB) and shuts down after
``max_seconds`` (default 120 s), so no test can run away even when the code under test has no bound.

Routes map a path pattern (``fnmatch``, matched against the request path) to a behaviour: an async callable
``(server, request) -> web.StreamResponse``. The behaviours below cover the attacks: :func:`endless`,
:func:`drip`, :func:`static`, :func:`gzip_bomb` and :func:`s3_endless_listing`.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
import socket
import threading
import time
import zlib
from collections.abc import Awaitable, Callable

from aiohttp import web

GIB = 1024**3
Behaviour = Callable[["HostileServer", web.Request], Awaitable[web.StreamResponse]]


class BudgetSpent(Exception):
    """The server's byte or time budget is spent: the handler stops sending."""


class HostileServer:
    """``HostileServer({"/GOES18/*.jpg": endless(...)}).start()``; ``url``; ``stop()``; ``with`` works too."""

    def __init__(self, routes: dict[str, Behaviour], *, max_bytes: int = 4 * GIB, max_seconds: float = 120.0) -> None:
        self.routes = routes
        self.max_bytes = max_bytes
        self.max_seconds = max_seconds
        self.sent = 0
        self.requests: list[str] = []
        self.authorizations: list[str | None] = []  # each request's Authorization header
        self.port = 0
        self._started = 0.0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ---- budget -------------------------------------------------------------------------------------

    def check_budget(self) -> None:
        if self.sent >= self.max_bytes or time.monotonic() - self._started >= self.max_seconds:
            raise BudgetSpent

    async def send(self, resp: web.StreamResponse, data: bytes) -> None:
        self.check_budget()
        self.sent += len(data)
        await resp.write(data)

    # ---- serving ------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request.path_qs)
        self.authorizations.append(request.headers.get("Authorization"))
        for pattern, behaviour in self.routes.items():
            if fnmatch.fnmatchcase(request.path, pattern) or fnmatch.fnmatchcase(request.path_qs, pattern):
                try:
                    return await behaviour(self, request)
                except (BudgetSpent, ConnectionError):
                    raise web.HTTPServiceUnavailable() from None
        raise web.HTTPNotFound()

    def start(self) -> HostileServer:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="hostile-server", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def _run(self, ready: threading.Event) -> None:
        with asyncio.Runner() as runner:
            self._loop = runner.get_loop()
            runner.run(self._serve(ready))

    async def _serve(self, ready: threading.Event) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await runner.setup()
        sock = socket.create_server(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(runner, sock).start()
        self._stop = asyncio.Event()
        self._started = time.monotonic()
        ready.set()
        try:
            await asyncio.wait_for(self._stop.wait(), self.max_seconds)  # stops by itself
        except TimeoutError:
            pass
        finally:
            await runner.cleanup()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        thread.join(10)

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ---- behaviours -------------------------------------------------------------------------------------


def endless(
    prefix: bytes = b"", *, chunk: bytes = b"\0" * 65536, content_type: str = "application/octet-stream"
) -> Behaviour:
    """``prefix``, then ``chunk`` forever (until the budget is spent); no Content-Length."""

    async def behaviour(server: HostileServer, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": content_type})
        await resp.prepare(request)
        await server.send(resp, prefix)
        try:
            while True:
                await server.send(resp, chunk)
        except BudgetSpent:
            return resp

    return behaviour


def drip(body: bytes, *, every: float = 10.0, content_type: str = "image/jpeg") -> Behaviour:
    """One byte of ``body`` every ``every`` seconds (with the right Content-Length: each gap looks fine)."""

    async def behaviour(server: HostileServer, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": content_type, "Content-Length": str(len(body))})
        await resp.prepare(request)
        try:
            for i in range(len(body)):
                await server.send(resp, body[i : i + 1])
                await asyncio.sleep(every)
        except BudgetSpent:
            pass
        return resp

    return behaviour


def static(body: bytes, *, status: int = 200, headers: dict[str, str] | None = None) -> Behaviour:
    """Exactly ``body`` (headers as given: they may lie, e.g. a Content-Length the body does not have)."""

    async def behaviour(server: HostileServer, request: web.Request) -> web.StreamResponse:
        server.check_budget()
        server.sent += len(body)
        return web.Response(body=body, status=status, headers=headers or {})

    return behaviour


def gzip_bomb(*, inflated: int = 4 * GIB, prefix: bytes = b"\xff\xd8\xff\xe0") -> Behaviour:
    """A ``Content-Encoding: gzip`` body that inflates to ``inflated`` bytes (``prefix``, then zeros): a few MB
    on the wire, generated as it is sent."""

    async def behaviour(server: HostileServer, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "image/jpeg", "Content-Encoding": "gzip"})
        resp.enable_compression(None)  # we compress ourselves: aiohttp must not touch the body
        await resp.prepare(request)
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
        zeros = b"\0" * (1024 * 1024)
        head = comp.compress(prefix) + comp.compress(zeros) + comp.flush(zlib.Z_SYNC_FLUSH)
        # With the window all zeros, every further MB of zeros compresses to the same bytes: made once, the
        # server spends no CPU per MB (the gzip trailer never comes: the body is cut at the budget anyway).
        block = comp.compress(zeros) + comp.flush(zlib.Z_SYNC_FLUSH)
        try:
            await server.send(resp, head)
            for _ in range(max(0, inflated // len(zeros) - 1)):
                await server.send(resp, block)
        except BudgetSpent:
            pass
        return resp

    return behaviour


def s3_endless_listing(prefix_key: str = "x/", *, keys_per_page: int = 1000) -> Behaviour:
    """A ListObjectsV2 that is always truncated: page after page of keys, each with a new continuation token."""

    async def behaviour(server: HostileServer, request: web.Request) -> web.StreamResponse:
        token = int(request.query.get("continuation-token", "0") or 0)
        prefix = request.query.get("prefix", prefix_key)
        contents = "".join(
            f"<Contents><Key>{prefix}junk-{token:09d}-{i:05d}.nc</Key><Size>1</Size></Contents>"
            for i in range(keys_per_page)
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"<Name>bucket</Name><Prefix>{prefix}</Prefix><KeyCount>{keys_per_page}</KeyCount>"
            f"<MaxKeys>{keys_per_page}</MaxKeys><IsTruncated>true</IsTruncated>{contents}"
            f"<NextContinuationToken>{token + 1}</NextContinuationToken></ListBucketResult>"
        ).encode()
        server.check_budget()
        server.sent += len(body)
        return web.Response(body=body, content_type="application/xml")

    return behaviour


def rss_mb() -> float:
    """This process's resident set size now, MB (``/proc/self/statm``; 0 where there is no /proc)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


class RssMonitor:
    """Samples the process's RSS every ``every`` seconds while open; ``peak_mb`` is the highest seen.

    Unlike ``ru_maxrss`` (the high-water mark of the whole process, so of every earlier test in the session),
    this measures the test it wraps: ``growth_mb`` is its peak above the RSS it started with."""

    def __init__(self, every: float = 0.01) -> None:
        self.every = every
        self.peak_mb = 0.0
        self.start_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-monitor", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, rss_mb())
            self._stop.wait(self.every)

    @property
    def growth_mb(self) -> float:
        """How far the RSS rose above where it was when the monitor started (what the wrapped code added)."""
        return self.peak_mb - self.start_mb

    def __enter__(self) -> RssMonitor:
        self.start_mb = self.peak_mb = rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, rss_mb())
