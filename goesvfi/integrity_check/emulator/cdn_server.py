"""A STAR-CDN-shaped HTTP server on 127.0.0.1 (aiohttp), with fault injection for tests.

Serves ``/{GOESnn}/ABI/{CONUS|FD}/{band}/`` as an Apache-style HTML index (every frame at every listed size,
plus the ``latest.jpg``, ``thumbnail.jpg`` and ``{W}x{H}.jpg`` aliases) and the JPG frames themselves.
Retention like the real CDN: only frames in [now - retention_days, now] are listed and served.

The server runs its own event loop in a thread, so sync code (a CLI run with ``asyncio.run``) and async tests
can both talk to it. Faults (:class:`Fault`) can be added and cleared at any time from any thread.
"""

from __future__ import annotations

import asyncio
import fnmatch
import html
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum

from aiohttp import web

from goesvfi.integrity_check.emulator.cdn_frames import FrameCache
from goesvfi.integrity_check.emulator.faults import fault_due
from goesvfi.integrity_check.emulator.names import (
    CDN_SECTOR_SIZES,
    cdn_folder,
    cdn_name,
    has_cdn,
    read_cdn_name,
    sat_number,
)
from goesvfi.integrity_check.emulator.names import utc as to_utc
from goesvfi.integrity_check.emulator.network import NetworkConditions
from goesvfi.integrity_check.time_index import SatellitePattern, Sector


class FaultKind(Enum):
    STATUS = "status"  # answer with ``status`` (503, 429, ...) and ``retry_after``
    DROP = "drop"  # send the headers and half the body, then close the connection
    TRUNCATE = "truncate"  # declare a Content-Length larger than the body, send the body, close
    STALL = "stall"  # sleep ``delay`` seconds before answering (then answer normally)
    CORRUPT = "corrupt"  # a complete, well-framed response whose JPEG is cut in half (does not decode)
    GARBLED = "garbled"  # a complete response: JPEG start and end markers intact, all between zeroed (no decode)


@dataclass
class Fault:
    """A fault for requests whose path matches ``path`` (fnmatch pattern).

    It applies to every ``every``-th matching request, at most ``times`` times (None: no limit).
    """

    kind: FaultKind
    path: str = "*"
    status: int = 503
    retry_after: str | None = None
    delay: float = 0.0
    times: int | None = None
    every: int = 1
    seen: int = field(default=0, init=False)
    applied: int = field(default=0, init=False)

    def _fires(self, path: str) -> bool:
        if not fnmatch.fnmatchcase(path, self.path):
            return False
        return fault_due(self)


@dataclass(frozen=True)
class CdnArchive:
    """The frames one band folder holds (before retention), and the sizes it lists for each."""

    satellite: SatellitePattern
    sector: Sector
    band: int
    frames: frozenset[datetime]
    sizes: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        if not has_cdn(self.sector):
            raise ValueError(f"the CDN serves no {self.sector.display_name} images")
        if not self.sizes:  # every size but 10848x10848, which the CDN has for some products only
            object.__setattr__(self, "sizes", CDN_SECTOR_SIZES[self.sector])
        object.__setattr__(self, "frames", frozenset(to_utc(t) for t in self.frames))

    @property
    def folder(self) -> str:
        return cdn_folder(self.satellite, self.sector, self.band)


class CdnServer:
    """Serve :class:`CdnArchive` folders; ``start()``/``stop()`` (sync) or ``async with``."""

    def __init__(
        self,
        archives: Iterable[CdnArchive],
        *,
        now: datetime | Callable[[], datetime] | None = None,
        retention_days: float = 7.0,
        host: str = "127.0.0.1",
        port: int = 0,
        banner: bool = True,
        cache_bytes: int = 256 * 1024 * 1024,
        network: NetworkConditions | None = None,
    ) -> None:
        self.network = network or NetworkConditions()  # latency and bandwidth (changeable while serving)
        self.archives = {a.folder: a for a in archives}
        if callable(now):
            self._now: Callable[[], datetime] = now
        else:
            fixed = to_utc(now) if now is not None else None
            self._now = (lambda: fixed) if fixed is not None else (lambda: datetime.now(UTC))
        self.retention = timedelta(days=retention_days)
        self.host, self.port = host, port
        self.frames = FrameCache(cache_bytes, banner=banner)
        self.requests: Counter[str] = Counter()
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._stop: asyncio.Event | None = None

    # ---- what is served -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._thread is None:
            raise RuntimeError("the CDN emulator is not running: call start() first")
        return f"http://{self.host}:{self.port}"

    def now(self) -> datetime:
        return to_utc(self._now())

    def visible(self, archive: CdnArchive) -> list[datetime]:
        """The frames listed now: within the retention window, not in the future."""
        now = self.now()
        return sorted(t for t in archive.frames if now - self.retention <= t <= now)

    def prerender(self, size: tuple[int, int]) -> int:
        """Render every visible frame at ``size`` now (e.g. before a benchmark); return how many."""
        count = 0
        for archive in self.archives.values():
            if size in archive.sizes:
                for t in self.visible(archive):
                    self.frames.get((archive.satellite, archive.sector, archive.band, t, size))
                    count += 1
        return count

    # ---- faults and request log ---------------------------------------------------------------------

    def inject(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def request_count(self, pattern: str = "*") -> int:
        with self._lock:
            return sum(n for path, n in self.requests.items() if fnmatch.fnmatchcase(path, pattern))

    def _fault_for(self, path: str) -> Fault | None:
        with self._lock:
            self.requests[path] += 1
            for fault in self._faults:
                if fault._fires(path):
                    return fault
        return None

    # ---- HTTP ---------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        fault = self._fault_for(path)
        await self.network.delay()
        if fault is not None and fault.kind is FaultKind.STALL:
            await asyncio.sleep(fault.delay)
            fault = None
        if fault is not None and fault.kind is FaultKind.STATUS:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return web.Response(status=fault.status, text=f"Error {fault.status}\n", headers=headers)
        folder, _, name = path.rpartition("/")
        archive = self.archives.get(folder + "/")
        if archive is None:
            if path + "/" in self.archives:
                raise web.HTTPMovedPermanently(path + "/")
            raise web.HTTPNotFound()
        if not name:
            return await self._send(request, self._index_html(archive).encode(), "text/html")
        frame = self._resolve(archive, name)
        if frame is None:
            raise web.HTTPNotFound()
        body = await asyncio.to_thread(self.frames.get, (archive.satellite, archive.sector, archive.band, *frame))
        if fault is None:
            return await self._send(request, body, "image/jpeg")
        if fault.kind is FaultKind.CORRUPT:
            return web.Response(body=body[: len(body) // 2], content_type="image/jpeg")
        if fault.kind is FaultKind.GARBLED:
            return web.Response(body=body[:3] + bytes(len(body) - 5) + body[-2:], content_type="image/jpeg")
        resp = web.StreamResponse(status=200)
        resp.content_type = "image/jpeg"
        resp.content_length = len(body) + (max(1, len(body) // 4) if fault.kind is FaultKind.TRUNCATE else 0)
        await resp.prepare(request)
        await resp.write(body if fault.kind is FaultKind.TRUNCATE else body[: len(body) // 2])
        if request.transport is not None:
            request.transport.close()
        return resp

    async def _send(self, request: web.Request, body: bytes, content_type: str) -> web.StreamResponse:
        """A complete 200 response, its body paced at the network's bandwidth."""
        if self.network.bandwidth is None:
            return web.Response(body=body, content_type=content_type)
        resp = web.StreamResponse(status=200)
        resp.content_type = content_type
        resp.content_length = len(body)
        await resp.prepare(request)
        await self.network.pace_async(body, resp.write)
        await resp.write_eof()
        return resp

    def _resolve(self, archive: CdnArchive, name: str) -> tuple[datetime, tuple[int, int]] | None:
        visible = self.visible(archive)
        parsed = read_cdn_name(name)
        if parsed is not None:
            number, sector, band, when, frame_size = parsed
            ok = (
                (number, sector, band) == (sat_number(archive.satellite), archive.sector, archive.band)
                and frame_size in archive.sizes
                and when in set(visible)
            )
            return (when, frame_size) if ok else None
        if not visible:
            return None
        aliases = {"latest.jpg": archive.sizes[-1], "thumbnail.jpg": archive.sizes[0]}
        aliases.update({f"{w}x{h}.jpg": (w, h) for w, h in archive.sizes})
        size = aliases.get(name)
        return (visible[-1], size) if size else None

    def _index_html(self, archive: CdnArchive) -> str:
        title = html.escape(f"Index of {archive.folder.rstrip('/')}")
        lines = ['<a href="../">../</a>']
        visible = self.visible(archive)
        for t in visible:
            stamp = (t + timedelta(minutes=7)).strftime("%d-%b-%Y %H:%M")
            for size in archive.sizes:
                name = cdn_name(archive.satellite, archive.sector, archive.band, t, size)
                lines.append(f'<a href="{name}">{name}</a>{" " * 4}{stamp}{" " * 6}-')
        if visible:
            stamp = (visible[-1] + timedelta(minutes=7)).strftime("%d-%b-%Y %H:%M")
            aliases = ["latest.jpg", "thumbnail.jpg", *(f"{w}x{h}.jpg" for w, h in archive.sizes)]
            lines += [f'<a href="{a}">{a}</a>{" " * 4}{stamp}{" " * 6}-' for a in aliases]
        body = "\n".join(lines)
        return (
            f"<html>\n<head><title>{title}</title></head>\n<body>\n<h1>{title}</h1><hr><pre>{body}\n"
            "</pre><hr></body>\n</html>\n"
        )

    # ---- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> CdnServer:
        if self._thread is not None:
            return self
        ready = threading.Event()
        errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(ready, errors), name="cdn-emulator", daemon=True)
        self._thread.start()
        ready.wait()
        if errors:
            self._thread.join()
            self._thread = None
            raise errors[0]
        return self

    def _run(self, ready: threading.Event, errors: list[BaseException]) -> None:
        # asyncio.Runner cancels what is still pending (stalled handlers) before it closes the loop.
        with asyncio.Runner() as runner:
            self._loop = runner.get_loop()
            try:
                runner.run(self._serve(ready))
            except BaseException as exc:  # reported to start()
                errors.append(exc)
            finally:
                ready.set()

    async def _serve(self, ready: threading.Event) -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self._runner.setup()
        sock = socket.create_server((self.host, self.port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self._stop = asyncio.Event()
        ready.set()
        try:
            await self._stop.wait()
        finally:
            await self._runner.cleanup()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        thread.join()

    async def __aenter__(self) -> CdnServer:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    def __enter__(self) -> CdnServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
