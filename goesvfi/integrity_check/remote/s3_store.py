"""NOAA's public S3 archive: ABI L1b NetCDF files. Listings through the S3 client (aioboto3, unsigned); objects
by plain unsigned GETs of their public URLs (aiohttp, :meth:`S3Store.download`).

``find`` lists each needed hour prefix once (``ListObjectsV2``, paginated) and, for each wanted slot, picks the
object whose scan start falls in [slot - 30 s, slot + native cadence - 30 s): start seconds vary by satellite,
mode and year, so keys are never guessed and never matched by minute. Listings of hours that ended more than
an hour before ``now`` do not change and are kept in an optional listing cache (``CacheDB``).

Listed keys are untrusted: a key that is not a plain NOAA file name directly under its hour prefix (path
separators, ``..``, absolute, unparseable) is ignored, and ``download`` refuses any item whose name is not a
plain base name (:class:`UnsafeNameError`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import ssl
from bisect import bisect_left
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import aiohttp
import botocore.exceptions as bce

from goesvfi.integrity_check.remote.base import (
    ByteProgress,
    RemoteCorruptError,
    RemoteError,
    RemoteItem,
    RemoteLimitError,
    RemoteNotFoundError,
    RemoteUnavailableError,
    UnsafeNameError,
    is_plain_name,
)
from goesvfi.integrity_check.remote.http_body import Received, client_session, rate_limits, receive
from goesvfi.integrity_check.results import Source
from goesvfi.integrity_check.settings import FetchSettings, redact_url, scrub_secrets
from goesvfi.integrity_check.time_index import (
    SatellitePattern,
    Sector,
    check_band,
    cover_window,
    parse_noaa,
    s3_hour_prefix,
    to_utc,
)
from goesvfi.integrity_check.time_index.limits import MAX_LISTING_KEYS, MAX_LISTING_PAGES, max_netcdf_bytes

log = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024
ERROR_BODY_BYTES = 64 * 1024  # an S3 error reply is a small XML document: its Code and Message are read from this
_CODE_RE = re.compile(r"<Code>([^<]{0,200})</Code>")
_MESSAGE_RE = re.compile(r"<Message>([^<]{0,1000})</Message>")
CACHE_AFTER = timedelta(hours=1)  # an hour's listing is final once it ended this long ago
_RETRYABLE_CODES = {
    "SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests",
    "RequestThrottled", "InternalError", "ServiceUnavailable", "RequestTimeout", "RequestTimeTooSkewed",
}  # fmt: skip
_TRANSPORT_ERRORS = (
    bce.EndpointConnectionError,
    bce.ConnectTimeoutError,
    bce.ReadTimeoutError,
    bce.ConnectionClosedError,
    bce.ResponseStreamingError,
    bce.IncompleteReadError,
    bce.HTTPClientError,
)


class ListingCache(Protocol):
    """What the store needs of ``CacheDB``: remote listings by store and prefix, as (key, size) pairs."""

    async def get_listing(self, store: str, prefix: str) -> Sequence[tuple[str, int | None]] | None: ...

    async def put_listing(self, store: str, prefix: str, entries: Sequence[tuple[str, int | None]]) -> None: ...


ClientFactory = Callable[[], AbstractAsyncContextManager[Any]]
"""Returns an aioboto3 S3 client context manager (``session.client("s3", ...)``)."""


@functools.cache
def _shared_session() -> Any:
    """One aioboto3 session per process, made on first use: it keeps the parsed S3 service model, so each
    further client is made in milliseconds instead of re-reading the model (~0.2 s).

    Blocking (the import alone takes ~0.3 s, the model files ~0.1 s): :meth:`S3Store._get_client` calls it in a
    worker thread so a window's event loop never stalls on it.
    """
    import aioboto3

    session = aioboto3.Session()
    loader = session._session.get_component("data_loader")  # botocore's loader caches what it parses
    for type_name in ("service-2", "endpoint-rule-set-1", "paginators-1"):
        loader.load_service_model("s3", type_name)
    for name in ("endpoints", "partitions", "_retry", "sdk-default-configuration"):
        loader.load_data(name)
    return session


@functools.cache
def _tls_context(cafile: str) -> ssl.SSLContext:
    """A TLS context as aiobotocore builds one (``create_urllib3_context`` and the CA bundle ``cafile``), built
    once per bundle for the process. Loading a bundle parses ~150 certificates: 20 ms on an idle core, over 100 ms
    on a busy one, and aiobotocore does it on the event loop for each new client; :meth:`S3Store._get_client`
    builds it in a worker thread first (a window's event loop never waits for it)."""
    from botocore.httpsession import create_urllib3_context

    context = create_urllib3_context()
    context.load_verify_locations(cafile)
    return context


HEAD_BYTES = 4096
"""How much of a download :func:`is_netcdf_start` looks at: an HDF5 signature may follow a user block of 512,
1024 or 2048 bytes."""
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_CLASSIC_SIGNATURES = (b"CDF\x01", b"CDF\x02", b"CDF\x05")


def is_netcdf_start(head: bytes | bytearray) -> bool:
    """Whether ``head``, the first bytes of a file (up to :data:`HEAD_BYTES`), start a NetCDF file: classic
    (``CDF`` and its version byte) or NetCDF-4 (HDF5: its signature at byte 0, or at 512, 1024 or 2048 after a
    user block)."""
    if head.startswith(_CLASSIC_SIGNATURES) or head.startswith(_HDF5_SIGNATURE):
        return True
    offset = 512
    while offset + len(_HDF5_SIGNATURE) <= len(head):
        if head[offset : offset + len(_HDF5_SIGNATURE)] == _HDF5_SIGNATURE:
            return True
        offset *= 2
    return False


def _prepare_clients() -> ssl.SSLContext:
    """Blocking work before the first client or download: the session (service models), the modules a first S3
    client imports (aioboto3's S3 transfer helpers: 30 ms), and the TLS context of the CA bundle its clients and
    downloads verify with (``AWS_CA_BUNDLE`` or the config file's ``ca_bundle``, else certifi's), returned."""
    import aioboto3.s3.inject  # noqa: F401  (imported by the first client's creation, on the event loop)
    from botocore.httpsession import get_cert_path

    session = _shared_session()
    return _tls_context(get_cert_path(session._session.get_config_variable("ca_bundle") or True))


@functools.cache
def _http_session_class() -> type:
    """aiobotocore's HTTP session with one change: the connector of a verified connection without a proxy or a
    client certificate takes its TLS context from :func:`_tls_context` (built once) instead of building one.
    Defined on first use (aiobotocore is imported lazily), once."""
    from aiobotocore.httpsession import AIOHTTPSession
    from botocore.httpsession import get_cert_path

    class SharedTLSSession(AIOHTTPSession):
        def _create_connector(self, proxy_url: str | None) -> aiohttp.TCPConnector:
            if proxy_url or not self._verify or self._cert_file:
                return super()._create_connector(proxy_url)
            context = _tls_context(get_cert_path(self._verify))
            return aiohttp.TCPConnector(limit=self._max_pool_connections, ssl=context, **self._connector_args)

    return SharedTLSSession


class S3Store:
    """NOAA's S3 buckets as a :class:`~.base.RemoteStore`. Constructing it does no I/O.

    ``cache`` keeps listings of past hours (keyed ``s3:{endpoint}/{bucket}`` and the hour prefix); ``now`` is the
    clock that decides which hours are past; ``page_size`` is ``MaxKeys`` per ListObjectsV2 page.
    """

    source = Source.S3

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        cache: ListingCache | None = None,
        client_factory: ClientFactory | None = None,
        now: Callable[[], datetime] | None = None,
        page_size: int = 1000,
        list_concurrency: int = 8,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        self.settings = settings or FetchSettings()
        self._endpoint_url = self.settings.s3_endpoint.rstrip("/")  # as given (requests only)
        self.endpoint = redact_url(self._endpoint_url)  # shown and stored: no credentials
        self.host = urlsplit(self.endpoint).netloc.rsplit("@", 1)[-1] or self.endpoint
        self.cache = cache
        self._client_factory = client_factory or self._default_client
        self._now = now or (lambda: datetime.now(UTC))
        if page_size < 1 or list_concurrency < 1:
            raise ValueError("page size and listing concurrency must be at least 1")
        self.page_size = page_size
        self._list_slots = list_concurrency
        self._chunk_size = chunk_size
        self.listing_progress: Callable[[int, int], None] | None = None  # (hours listed, hours) during find
        self._client_stack: AsyncExitStack | None = None  # holds the open client until close()
        self._client: Any = None
        self._http: aiohttp.ClientSession | None = None  # downloads: plain GETs of the public objects
        self._lock: asyncio.Lock | None = None

    # ---- client -------------------------------------------------------------------------------------

    @property
    def _pool_size(self) -> int:
        """Connections kept open per pool (the S3 client's, the downloads'): twice the downloads at once, >= 10."""
        return max(10, 2 * self.settings.concurrency)

    def _default_client(self) -> AbstractAsyncContextManager[Any]:
        import botocore
        from aiobotocore.config import AioConfig

        config = AioConfig(
            http_session_cls=_http_session_class(),
            signature_version=botocore.UNSIGNED,
            retries={"total_max_attempts": 1},  # no retry here: the fetch loop retries with backoff
            connect_timeout=self.settings.timeout,
            read_timeout=self.settings.timeout,
            max_pool_connections=self._pool_size,
        )
        return _shared_session().client(
            "s3", endpoint_url=self._endpoint_url, region_name=self.settings.s3_region, config=config
        )

    @property
    def client_open(self) -> bool:
        """Whether a connection pool is open (the S3 client's for listings, or the one for downloads)."""
        return self._client is not None or (self._http is not None and not self._http.closed)

    async def _get_client(self) -> Any:
        if self._client is None:
            self._lock = self._lock or asyncio.Lock()
            async with self._lock:
                if self._client is None:
                    if self._client_factory == self._default_client:
                        await asyncio.to_thread(_prepare_clients)
                    stack = AsyncExitStack()
                    self._client = await stack.enter_async_context(self._client_factory())
                    self._client_stack = stack
        return self._client

    async def _get_http(self) -> aiohttp.ClientSession:
        """The session of the downloads: the S3 clients' TLS context (built once, in a worker thread), the same
        connection limit and per-read timeouts, and the environment's proxy settings (as botocore reads them)."""
        if self._http is None or self._http.closed:
            self._lock = self._lock or asyncio.Lock()
            async with self._lock:
                if self._http is None or self._http.closed:
                    context = await asyncio.to_thread(_prepare_clients)
                    connector = aiohttp.TCPConnector(limit=self._pool_size, ssl=context)
                    self._http = client_session(self.settings.timeout, connector=connector)
        return self._http

    async def close(self) -> None:
        stack, self._client_stack, self._client = self._client_stack, None, None
        http, self._http = self._http, None
        try:
            if stack is not None:
                await stack.aclose()
        finally:
            if http is not None and not http.closed:
                await http.close()

    async def __aenter__(self) -> S3Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def cache_key(self, bucket: str) -> str:
        return f"s3:{self.endpoint}/{bucket}"

    # ---- find ---------------------------------------------------------------------------------------

    async def find(
        self, satellite: SatellitePattern, sector: Sector, band: int, slots: Sequence[datetime]
    ) -> dict[datetime, RemoteItem]:
        if satellite is SatellitePattern.GENERIC:
            raise ValueError("S3 needs a real satellite (goes16 ... goes19), not GENERIC")
        band = check_band(band)
        windows = {s: cover_window(s, sector.cadence(s)) for s in map(to_utc, slots)}
        if not windows:
            return {}
        hours: set[datetime] = set()
        for lo, hi in windows.values():
            hour = lo.replace(minute=0, second=0, microsecond=0)
            while hour < hi:
                hours.add(hour)
                hour += timedelta(hours=1)
        candidates: list[tuple[datetime, datetime, str, str, int | None]] = []  # start, created, key, name, size
        ignored = 0
        token = f"C{band:02d}_{satellite.platform_id}_"  # in every wanted name: skips other bands before parsing

        def keep(hour: datetime, entries: list[tuple[str, int | None]]) -> None:
            nonlocal ignored
            prefix = s3_hour_prefix(sector, hour)
            for key, size in entries:
                name = key[len(prefix) :] if key.startswith(prefix) else ""
                if not is_plain_name(name):
                    ignored += 1
                    continue
                if token not in name:
                    continue
                parsed = parse_noaa(name)
                if parsed is None:
                    ignored += 1
                elif (parsed.satellite, parsed.sector, parsed.band) == (satellite, sector, band):
                    candidates.append((parsed.timestamp, parsed.created or parsed.timestamp, key, name, size))

        # A few workers share one iterator of hours, and each hour's listing is reduced to its candidates at once:
        # memory stays O(workers + candidates) for a range of many hours (ten years: 87,600), and the first
        # listing that fails cancels the others (a TaskGroup), instead of thousands of requests failing on.
        pending = iter(sorted(hours))
        listed = 0

        async def worker() -> None:
            nonlocal listed
            for hour in pending:
                keep(hour, await self._list_hour(satellite.bucket, sector, hour))
                listed += 1
                if self.listing_progress is not None:
                    self.listing_progress(listed, len(hours))

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(self._list_slots, len(hours))):
                    group.create_task(worker())
        except ExceptionGroup as errors:
            raise errors.exceptions[0] from None
        if ignored:
            log.warning("Ignored %d S3 keys that are not plain NOAA file names under their hour prefix", ignored)
        candidates.sort()
        starts = [c[0] for c in candidates]
        found: dict[datetime, RemoteItem] = {}
        for slot, (lo, hi) in sorted(windows.items()):
            inside = []
            for i in range(bisect_left(starts, lo), len(candidates)):  # no slice: a copy per slot is quadratic
                if starts[i] >= hi:
                    break
                inside.append(candidates[i])
            if inside:  # nearest start; among equal starts, the newest file
                start, _created, key, name, size = min(inside, key=lambda c: (abs(c[0] - slot), -c[1].timestamp()))
                found[slot] = RemoteItem(slot, start, name, key, Source.S3, size)
        return found

    async def _list_hour(self, bucket: str, sector: Sector, hour: datetime) -> list[tuple[str, int | None]]:
        prefix = s3_hour_prefix(sector, hour)
        final = hour + timedelta(hours=1) <= to_utc(self._now()) - CACHE_AFTER
        if final and self.cache is not None:
            try:
                cached = await self.cache.get_listing(self.cache_key(bucket), prefix)
            except Exception as exc:  # the cache only saves requests: never fail a find for it
                log.warning("Listing cache unreadable (%s); listing %s again", exc, prefix)
                cached = None
            if cached is not None:
                return [(str(k), None if s is None else int(s)) for k, s in cached]
        client = await self._get_client()
        entries: list[tuple[str, int | None]] = []
        what = f"the listing of {prefix}"
        deadline = asyncio.timeout(self.settings.deadline)
        try:
            async with deadline:
                pages = client.get_paginator("list_objects_v2").paginate(
                    Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": self.page_size}
                )
                count = 0
                async for page in pages:
                    count += 1
                    entries.extend((obj["Key"], int(obj.get("Size", 0))) for obj in page.get("Contents", ()))
                    if count > MAX_LISTING_PAGES or len(entries) > MAX_LISTING_KEYS:
                        raise RemoteLimitError(
                            f"S3 at {self.host} sent {count:,} pages / {len(entries):,} keys for {what} in bucket "
                            f"{bucket}: past the listing limit of {MAX_LISTING_PAGES:,} pages or "
                            f"{MAX_LISTING_KEYS:,} keys per hour; refused (NOAA's hour prefixes hold a few thousand)."
                        )
        except Exception as exc:
            raise self._error(exc, bucket, what, expired=deadline.expired()).at(self.host, what, exc) from exc
        if final and self.cache is not None:
            try:
                await self.cache.put_listing(self.cache_key(bucket), prefix, entries)
            except Exception as exc:
                log.warning("Could not cache the listing of %s (%s)", prefix, exc)
        return entries

    # ---- download -----------------------------------------------------------------------------------

    async def download(self, item: RemoteItem, dest: Path, progress: ByteProgress | None = None) -> None:
        """Stream ``item`` to ``dest`` with byte progress. What arrives must start as a NetCDF file does (checked on
        the first chunk: an error page or another object stops the download); the one full check of the file (it
        opens, ``Rad`` and the calibration are there) is the renderer's, which opens it once to decode it.

        The objects are public: a download is a plain unsigned GET of the object's URL, the one botocore builds
        for an endpoint (path style, ``{endpoint}/{bucket}/{key}``), without the S3 client's per-request work
        (its endpoint rules, event hooks and response parsing: half the event loop's time per object)."""
        parsed = parse_noaa(item.name) if is_plain_name(item.name) else None
        if parsed is None or item.location.rsplit("/", 1)[-1] != item.name:
            raise UnsafeNameError(f"Refusing S3 object {item.location!r}: its name is not a plain NOAA file name.")
        bucket, key = parsed.satellite.bucket, item.location
        cap = max_netcdf_bytes(parsed.sector, parsed.band) if parsed.sector and parsed.band else 0
        cap = cap or max_netcdf_bytes(Sector.FULL_DISK, 2)
        http = await self._get_http()
        url = f"{self._endpoint_url}/{bucket}/{quote(key, safe='/~')}"
        got = Received(0, None, b"", b"")
        deadline = asyncio.timeout(self.settings.deadline)
        try:
            async with deadline, http.get(url) as resp:
                if resp.status >= 300:
                    raise await self._status_error(resp, bucket, item.name)
                got = await receive(
                    resp,
                    dest,
                    cap=cap,
                    chunk_size=self._chunk_size,
                    progress=progress,
                    head_bytes=HEAD_BYTES,
                    check_head=lambda head: self._check_start(head, item),
                    too_large=lambda size, announced: self._too_large(item.name, size, cap, announced=announced),
                    **rate_limits(self.settings),
                )
        except Exception as exc:
            raise self._error(exc, bucket, item.name, got.size, expired=deadline.expired()).at(
                self.host, item.location, None if isinstance(exc, RemoteError) else exc
            ) from exc
        if got.announced is not None and got.size != got.announced:
            raise RemoteUnavailableError(
                f"The download of {item.name} from {self.host} stopped early ({got.size:,} of {got.announced:,} "
                "bytes).",
                host=self.host,
                remote=item.location,
            )

    async def _status_error(self, resp: aiohttp.ClientResponse, bucket: str, what: str) -> RemoteError:
        """The error of an S3 reply that is not a success: its XML error ``Code`` and ``Message`` (read from the
        first :data:`ERROR_BODY_BYTES` of the body) and its HTTP status."""
        try:
            body = (await resp.content.read(ERROR_BODY_BYTES)).decode("utf-8", "replace")
        except (aiohttp.ClientError, TimeoutError):
            body = ""
        code, message = (m.group(1).strip() if m else "" for m in (_CODE_RE.search(body), _MESSAGE_RE.search(body)))
        return self._service_error(
            code, resp.status, message or resp.reason or "", resp.headers.get("Retry-After"), bucket, what
        )

    def _check_start(self, head: bytes, item: RemoteItem) -> None:
        if not is_netcdf_start(head):
            raise RemoteCorruptError(
                f"{item.name} is not a NetCDF file: it does not start with a NetCDF or HDF5 signature (downloaded "
                f"from S3 at {self.host})"
            ).at(self.host, item.location)

    def _too_large(self, name: str, size: int, cap: int, *, announced: bool = False) -> RemoteLimitError:
        how = f"announced {size:,} bytes" if announced else f"sent more than {cap:,} bytes"
        return RemoteLimitError(
            f"S3 at {self.host} {how} for {name}: past the frame size limit of {cap:,} bytes for its sector "
            "and band; refused."
        )

    # ---- errors -------------------------------------------------------------------------------------

    def _error(
        self, exc: BaseException, bucket: str, what: str, done: int = 0, *, expired: bool = False
    ) -> RemoteError:
        error = self._translate(exc, bucket, what, done, expired=expired)
        if error.args and isinstance(error.args[0], str):  # a library's text may quote the endpoint as given
            error.args = (scrub_secrets(error.args[0], self._endpoint_url), *error.args[1:])
        return error

    def _service_error(
        self, code: str, status: int, message: str, retry_after: str | None, bucket: str, what: str
    ) -> RemoteError:
        """The error for an S3 error reply: its ``Code`` (may be empty), HTTP status, message and Retry-After."""
        where = f"bucket {bucket} at {self.endpoint}"
        if code == "NoSuchBucket":
            return RemoteError(
                f"The bucket {bucket} does not exist at {self.endpoint}: check the S3 endpoint "
                "(--s3-endpoint, GOESVFI_S3_ENDPOINT or Settings) "
                "(NOAA's buckets are at https://s3.us-east-1.amazonaws.com) and the satellite."
            )
        if code in ("NoSuchKey", "NotFound", "404") or status == 404:
            return RemoteNotFoundError(f"S3 has no {what} in {where} (it may have been removed).")
        if code in _RETRYABLE_CODES or status == 429 or status >= 500:
            return RemoteUnavailableError(
                f"S3 at {self.host} is busy or failing ({code or status}) for {what}. "
                "If it persists, lower the concurrency or try later.",
                retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
            )
        if code in ("AccessDenied", "AllAccessDisabled") or status == 403:
            return RemoteError(
                f"S3 refused access to {what} in {where} ({code or status}); NOAA's buckets are public, so "
                "check the S3 endpoint (--s3-endpoint, GOESVFI_S3_ENDPOINT or Settings)."
            )
        return RemoteError(f"S3 error {code or status} for {what} in {where}: {message}")

    def _translate(
        self, exc: BaseException, bucket: str, what: str, done: int = 0, *, expired: bool = False
    ) -> RemoteError:
        if isinstance(exc, RemoteError):
            return exc
        got = f" after {done:,} bytes" if done else ""
        if expired:
            return RemoteLimitError(
                f"{what} from S3 at {self.host} took longer than the request deadline of "
                f"{self.settings.deadline:g} s{got}; stopped (a slow or dripping server; raise the deadline "
                "setting for a slow network)."
            )
        where = f"bucket {bucket} at {self.endpoint}"
        if isinstance(exc, bce.ClientError):
            err = exc.response.get("Error", {})
            meta = exc.response.get("ResponseMetadata", {})
            return self._service_error(
                str(err.get("Code", "")),
                int(meta.get("HTTPStatusCode", 0) or 0),
                str(err.get("Message", exc)),
                meta.get("HTTPHeaders", {}).get("retry-after"),
                bucket,
                what,
            )
        if isinstance(exc, (*_TRANSPORT_ERRORS, aiohttp.ClientError, TimeoutError, ConnectionError)):
            if isinstance(exc, bce.ReadTimeoutError | bce.ConnectTimeoutError | TimeoutError):
                return RemoteUnavailableError(
                    f"Timed out{got} waiting for S3 at {self.host} ({what}, {self.settings.timeout:g} s per read); "
                    "check the network or raise the timeout."
                )
            if isinstance(exc, aiohttp.ClientSSLError):
                return RemoteError(
                    f"The TLS certificate of {self.host} could not be verified ({exc}); check the system clock "
                    "and certificates, or the S3 endpoint (--s3-endpoint, GOESVFI_S3_ENDPOINT or Settings)."
                )
            if isinstance(exc, aiohttp.InvalidURL):
                return RemoteError(
                    f"The S3 endpoint {self.endpoint!r} is not a valid URL; check the S3 endpoint "
                    "(--s3-endpoint, GOESVFI_S3_ENDPOINT or Settings)."
                )
            if isinstance(exc, bce.EndpointConnectionError | aiohttp.ClientConnectorError):
                return RemoteUnavailableError(
                    f"Cannot connect to S3 at {self.endpoint}; check the network and the S3 endpoint "
                    "(--s3-endpoint, GOESVFI_S3_ENDPOINT or Settings)."
                )
            return RemoteUnavailableError(f"The connection to S3 at {self.host} broke while receiving {what}{got}.")
        if isinstance(exc, bce.BotoCoreError | OSError):
            return RemoteError(f"S3 request for {what} in {where} failed: {exc}")
        raise exc
