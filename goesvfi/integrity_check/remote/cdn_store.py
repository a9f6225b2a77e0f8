"""NOAA STAR CDN store (aiohttp): recent colourised JPG frames.

``find`` reads each band folder's HTML index once per call (what exists, without probing 404s) and keeps
the files of the configured size; the index's aliases (``latest.jpg``, ``thumbnail.jpg``, ``{W}x{H}.jpg``)
carry no time and are ignored. A CDN file's 11-digit time is the scan start minute: it covers the slot equal
to that minute. ``download`` streams to the caller's path with byte progress and checks what arrived is a
whole JPEG without decoding it: the length the server announced, the JPEG start marker at the start and the
end marker at the end (a cut-off body or an HTML error page fails here). The frame is decoded once, when it is
converted to PNG (:func:`..render.cdn_jpeg.jpeg_to_png`).
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import aiohttp

from goesvfi.integrity_check.remote.base import (
    ByteProgress,
    RemoteCorruptError,
    RemoteError,
    RemoteItem,
    RemoteLimitError,
    RemoteNotFoundError,
    RemoteUnavailableError,
)
from goesvfi.integrity_check.remote.http_body import Received, client_session, pay, rate_limits, receive
from goesvfi.integrity_check.remote.rate import shared_bandwidth
from goesvfi.integrity_check.results import Source
from goesvfi.integrity_check.settings import FetchSettings, redact_url, strip_credentials, url_credentials
from goesvfi.integrity_check.time_index import (
    CDN_INDEX_RE,
    CDN_SIZES,
    SatellitePattern,
    Sector,
    cdn_dir_url,
    check_cdn_size,
    parse_cdn,
    to_utc,
)
from goesvfi.integrity_check.time_index.limits import MAX_INDEX_BYTES, max_jpeg_bytes

log = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
JPEG_SOI = b"\xff\xd8\xff"  # start of image, then the first marker
JPEG_EOI = b"\xff\xd9"  # end of image: STAR CDN JPGs end with it (no trailing bytes)
SessionFactory = Callable[[], aiohttp.ClientSession]
T = TypeVar("T")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _check_any_sector_size(size: tuple[int, int] | None) -> tuple[int, int] | None:
    if size is None:
        return None
    size = (int(size[0]), int(size[1]))
    if not any(size in sizes for sizes in CDN_SIZES.values()):
        known = "; ".join(
            f"{sector.display_name}: " + ", ".join(f"{w}x{h}" for w, h in sizes) for sector, sizes in CDN_SIZES.items()
        )
        raise ValueError(f"{size[0]}x{size[1]} is not an image size the STAR CDN serves ({known})")
    return size


class CDNStore:
    """The STAR CDN as a :class:`~.base.RemoteStore`. Constructing it does no I/O.

    ``settings.cdn_size`` None means each sector's default (CONUS 2500x1500, FD 1808x1808). A size that fits
    no sector is refused here; with ``sector`` given, a size of another sector is refused here too (otherwise
    when ``find`` is asked for that sector, before any request).
    """

    source = Source.CDN

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        sector: Sector | None = None,
        session_factory: SessionFactory | None = None,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        self.settings = settings or FetchSettings()
        # Credentials in the URL (http://user:secret@host) are sent as an Authorization header and appear in
        # nothing shown or stored: locations, messages and logs use the URL without them.
        self._auth = url_credentials(self.settings.cdn_url)
        self.base_url = strip_credentials(self.settings.cdn_url).rstrip("/")
        self.size = _check_any_sector_size(self.settings.cdn_size)
        if sector is not None:
            check_cdn_size(sector, self.size)
        self._session_factory = session_factory
        self._session: aiohttp.ClientSession | None = None
        self._chunk_size = chunk_size
        self.host = urlsplit(self.base_url).netloc or redact_url(self.base_url)

    # ---- session ------------------------------------------------------------------------------------

    @property
    def session_open(self) -> bool:
        return self._session is not None and not self._session.closed

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            if self._session_factory is not None:
                self._session = self._session_factory()
            else:
                auth = {"Authorization": _basic_auth(*self._auth)} if self._auth else None
                self._session = client_session(self.settings.timeout, headers=auth)
        return self._session

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def __aenter__(self) -> CDNStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ---- find ---------------------------------------------------------------------------------------

    def size_for(self, sector: Sector) -> tuple[int, int]:
        """The image size asked of ``sector`` (ValueError for a size of another sector)."""
        return check_cdn_size(sector, self.size)

    async def find(
        self, satellite: SatellitePattern, sector: Sector, band: int, slots: Sequence[datetime]
    ) -> dict[datetime, RemoteItem]:
        """Which of ``slots`` the band folder's index lists at the configured size."""
        if satellite is SatellitePattern.GENERIC:
            raise ValueError("the CDN needs a real satellite (goes16 ... goes19), not GENERIC")
        size = self.size_for(sector)
        wanted = {to_utc(s) for s in slots}
        if not wanted:
            return {}
        url = cdn_dir_url(satellite, sector, band, self.base_url)
        try:
            html = await self._get_index(url)
        except RemoteNotFoundError:
            log.warning("The CDN has no folder %s: no frames there", url)
            return {}
        found: dict[datetime, RemoteItem] = {}
        for name in dict.fromkeys(CDN_INDEX_RE.findall(html)):
            parsed = parse_cdn(name)
            if (
                parsed is None
                or parsed.satellite is not satellite
                or parsed.sector is not sector
                or parsed.band != band
                or parsed.size != size
            ):
                continue
            if parsed.timestamp in wanted:
                found[parsed.timestamp] = RemoteItem(parsed.timestamp, parsed.timestamp, name, url + name, Source.CDN)
        return found

    async def _get_index(self, url: str) -> str:
        """The index page, read up to :data:`MAX_INDEX_BYTES` (decompressed) within the request deadline."""
        what = "the CDN folder index"
        body = bytearray()
        deadline = asyncio.timeout(self.settings.deadline)
        try:
            async with deadline, self._get_session().get(url) as resp:
                self._raise_for_status(resp, url, what)
                self._check_announced(resp, MAX_INDEX_BYTES, what, "index page limit")
                bandwidth = shared_bandwidth(self.settings.max_rate)
                async for chunk in resp.content.iter_chunked(self._chunk_size):
                    body += chunk
                    if len(body) > MAX_INDEX_BYTES:
                        raise self._too_large(what, len(body), MAX_INDEX_BYTES, "index page limit")
                    await pay(len(chunk), bandwidth)
                charset = resp.charset or "utf-8"
        except RemoteError:
            raise
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise self._transport_error(exc, url, what, len(body), expired=deadline.expired()).at(
                self.host, url, exc
            ) from exc
        try:
            return body.decode(charset, errors="replace")
        except LookupError:  # an unknown charset
            return body.decode("utf-8", errors="replace")

    # ---- download -----------------------------------------------------------------------------------

    async def download(self, item: RemoteItem, dest: Path, progress: ByteProgress | None = None) -> None:
        """Stream ``item`` to ``dest`` with byte progress; check the length and the JPEG start and end markers."""
        url = item.location
        what = f"frame {item.name}"
        parsed = parse_cdn(item.name)
        cap = max_jpeg_bytes(parsed.size if parsed is not None and parsed.size else (10848, 10848))
        got = Received(0, None, b"", b"")

        def too_large(size: int, announced: bool) -> RemoteLimitError:
            return self._too_large(what, size, cap, "frame size limit", announced=announced)

        deadline = asyncio.timeout(self.settings.deadline)
        try:
            async with deadline, self._get_session().get(url) as resp:
                self._raise_for_status(resp, url, what)
                got = await receive(
                    resp,
                    dest,
                    cap=cap,
                    chunk_size=self._chunk_size,
                    progress=progress,
                    head_bytes=len(JPEG_SOI),
                    too_large=too_large,
                    **rate_limits(self.settings),
                )
        except RemoteError:
            raise
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise self._transport_error(exc, url, what, got.size, expired=deadline.expired()).at(
                self.host, url, exc
            ) from exc
        done, total = got.size, got.announced
        if total is not None and done != total:
            raise RemoteUnavailableError(
                f"The download of {item.name} from {self.host} stopped early ({done:,} of {total:,} bytes).",
                host=self.host,
                remote=item.location,
            )
        if got.head != JPEG_SOI:
            raise RemoteCorruptError(
                f"{item.name} from {self.host} is not a JPEG image (it does not start with a JPEG header; "
                f"{done:,} bytes).",
                host=self.host,
                remote=item.location,
            )
        if got.tail != JPEG_EOI:
            raise RemoteCorruptError(
                f"{item.name} from {self.host} is cut short: it does not end with the JPEG end marker "
                f"({done:,} bytes).",
                host=self.host,
                remote=item.location,
            )

    # ---- errors -------------------------------------------------------------------------------------

    def _raise_for_status(self, resp: aiohttp.ClientResponse, url: str, what: str) -> None:
        status = resp.status
        if status < 400:
            return
        if status == 404:
            raise RemoteNotFoundError(f"The STAR CDN has no {what} (HTTP 404 for {url}).", host=self.host, remote=url)
        if status == 429 or status >= 500:
            retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            busy = "is rate-limiting requests" if status == 429 else "had a server error"
            hint = f", asking to wait {retry_after:g} s" if retry_after is not None else ""
            raise RemoteUnavailableError(
                f"The STAR CDN at {self.host} {busy} (HTTP {status} {resp.reason or ''}) for {what}{hint}. "
                "If it persists, lower the concurrency or try later.",
                retry_after=retry_after,
                host=self.host,
                remote=url,
            )
        raise RemoteError(
            f"The STAR CDN at {self.host} refused {what} (HTTP {status} {resp.reason or ''} for {url}); "
            "check the CDN URL (--cdn-url, GOESVFI_CDN_URL or Settings).",
            host=self.host,
            remote=url,
        )

    def _check_announced(self, resp: aiohttp.ClientResponse, cap: int, what: str, limit: str) -> None:
        """Refuse at once a body whose announced length is past ``cap``."""
        announced = resp.content_length
        if announced is not None and announced > cap:
            raise self._too_large(what, announced, cap, limit, announced=True)

    def _too_large(self, what: str, size: int, cap: int, limit: str, *, announced: bool = False) -> RemoteLimitError:
        how = f"announced {size:,} bytes" if announced else f"sent more than {cap:,} bytes"
        return RemoteLimitError(
            f"The STAR CDN at {self.host} {how} for {what}: past the {limit} of {cap:,} bytes; refused.", host=self.host
        )

    def _transport_error(
        self, exc: BaseException, url: str, what: str, done: int = 0, *, expired: bool = False
    ) -> RemoteError:
        got = f" after {done:,} bytes" if done else ""
        if expired:
            return RemoteLimitError(
                f"{what} from {self.host} took longer than the request deadline of {self.settings.deadline:g} s"
                f"{got}; stopped (a slow or dripping server; raise the deadline setting for a slow network)."
            )
        if isinstance(exc, TimeoutError):
            return RemoteUnavailableError(
                f"Timed out{got} waiting for {self.host} ({what}, {self.settings.timeout:g} s per read); "
                "check the network or raise the timeout."
            )
        if isinstance(exc, aiohttp.ClientPayloadError):
            return RemoteUnavailableError(
                f"The connection to {self.host} broke while receiving {what}{got} (incomplete body)."
            )
        if isinstance(exc, aiohttp.InvalidURL):
            return RemoteError(
                f"The CDN URL {url!r} is not a valid URL; check the CDN URL (--cdn-url, GOESVFI_CDN_URL or Settings)."
            )
        if isinstance(exc, aiohttp.ClientSSLError):
            return RemoteError(
                f"The TLS certificate of {self.host} could not be verified ({exc}); check the system clock "
                "and certificates, or the CDN URL (--cdn-url, GOESVFI_CDN_URL or Settings)."
            )
        if isinstance(exc, aiohttp.ClientConnectorError):
            return RemoteUnavailableError(
                f"Cannot connect to {self.host} ({exc.os_error or exc}); check the network and the CDN URL "
                "(--cdn-url, GOESVFI_CDN_URL or Settings)."
            )
        return RemoteUnavailableError(f"The connection to {self.host} failed for {what}{got} ({exc}).")


def _basic_auth(user: str, password: str) -> str:
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


CdnStore = CDNStore
"""The same class under the spelling some callers use."""
