"""CDNStore against the CDN emulator (a real aiohttp server on 127.0.0.1)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
from PIL import Image

from goesvfi.integrity_check.emulator.cdn_server import CdnArchive, CdnServer, Fault, FaultKind
from goesvfi.integrity_check.remote import http_body
from goesvfi.integrity_check.remote.base import (
    RemoteCorruptError,
    RemoteError,
    RemoteItem,
    RemoteNotFoundError,
    RemoteUnavailableError,
)
from goesvfi.integrity_check.remote.cdn_store import CDNStore, parse_retry_after
from goesvfi.integrity_check.results import Source
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

G18 = SatellitePattern.GOES_18
START = datetime(2023, 5, 1, 0, 0, tzinfo=UTC)
# Hand-written CONUS Mode 6 slots for 00:00-01:00: minute % 5 == 1.
SLOTS = [START + timedelta(minutes=m) for m in range(1, 60, 5)]
ABSENT = {SLOTS[3], SLOTS[7]}  # 00:16 and 00:36
SMALL = (625, 375)


@pytest.fixture
def cdn() -> Iterator[CdnServer]:
    archive = CdnArchive(G18, Sector.CONUS, 13, frozenset(set(SLOTS) - ABSENT))
    server = CdnServer([archive], now=START + timedelta(hours=1)).start()
    yield server
    server.stop()


def store_for(server: CdnServer, **settings: object) -> CDNStore:
    return CDNStore(FetchSettings(cdn_url=server.url, cdn_size=SMALL, **settings))  # type: ignore[arg-type]


def frame_item(server: CdnServer, slot: datetime, size: tuple[int, int] = SMALL) -> RemoteItem:
    name = f"{slot:%Y%j%H%M}_GOES18-ABI-CONUS-13-{size[0]}x{size[1]}.jpg"
    return RemoteItem(slot, slot, name, f"{server.url}/GOES18/ABI/CONUS/13/{name}", Source.CDN)


async def test_find_reads_the_index_once_and_keeps_the_configured_size(cdn: CdnServer) -> None:
    store = store_for(cdn)
    try:
        found = await store.find(G18, Sector.CONUS, 13, SLOTS)
    finally:
        await store.close()
    assert sorted(found) == sorted(set(SLOTS) - ABSENT)
    item = found[START + timedelta(minutes=1)]
    assert item.name == "20231210001_GOES18-ABI-CONUS-13-625x375.jpg"  # 2023-05-01 is day 121
    assert item.location == cdn.url + "/GOES18/ABI/CONUS/13/20231210001_GOES18-ABI-CONUS-13-625x375.jpg"
    assert item.start == item.slot and item.source is Source.CDN
    assert all(i.name.endswith("-625x375.jpg") for i in found.values())
    assert cdn.request_count("/GOES18/ABI/CONUS/13/") == 1
    assert cdn.request_count() == 1  # no probing of individual files


async def test_index_aliases_are_ignored(cdn: CdnServer) -> None:
    async with aiohttp.ClientSession() as session, session.get(cdn.url + "/GOES18/ABI/CONUS/13/") as resp:
        html = await resp.text()
    for alias in ("latest.jpg", "thumbnail.jpg", "625x375.jpg"):
        assert f'href="{alias}"' in html
    store = store_for(cdn)
    try:
        found = await store.find(G18, Sector.CONUS, 13, SLOTS)
    finally:
        await store.close()
    assert len(found) == len(SLOTS) - len(ABSENT)
    assert not {"latest.jpg", "thumbnail.jpg", "625x375.jpg"} & {i.name for i in found.values()}


async def test_find_matches_the_scan_start_minute_only() -> None:
    """A CDN 00:06 frame covers the 00:06 slot; asking for 00:05 (not a CONUS minute) finds nothing."""
    server = CdnServer([CdnArchive(G18, Sector.CONUS, 13, frozenset(SLOTS))], now=START + timedelta(hours=1))
    with server:
        store = store_for(server)
        try:
            found = await store.find(G18, Sector.CONUS, 13, [START + timedelta(minutes=5), SLOTS[1]])
        finally:
            await store.close()
    assert list(found) == [START + timedelta(minutes=6)]


async def test_retention_hides_old_frames() -> None:
    old = [START - timedelta(days=10) + timedelta(minutes=1), START - timedelta(days=6, minutes=59)]
    archive = CdnArchive(G18, Sector.CONUS, 13, frozenset([*old, *SLOTS]))
    with CdnServer([archive], now=START + timedelta(hours=1), retention_days=7) as server:
        store = store_for(server)
        try:
            found = await store.find(G18, Sector.CONUS, 13, [*old, *SLOTS])
        finally:
            await store.close()
    assert sorted(found) == [old[1], *SLOTS]  # 10 days old is gone, 6 days 23 h is kept


async def test_missing_band_folder_means_nothing_there(cdn: CdnServer) -> None:
    store = store_for(cdn)
    try:
        assert await store.find(SatellitePattern.GOES_16, Sector.CONUS, 13, SLOTS) == {}
    finally:
        await store.close()


def test_sizes_are_checked_without_io() -> None:
    with pytest.raises(ValueError, match="2500x1500 is not a Full Disk size"):
        CDNStore(FetchSettings(cdn_size=(2500, 1500)), sector=Sector.FULL_DISK)
    with pytest.raises(ValueError, match="1000x1000 is not an image size the STAR CDN serves"):
        CDNStore(FetchSettings(cdn_size=(1000, 1000)))
    store = CDNStore(FetchSettings(cdn_url="http://127.0.0.1:9", cdn_size=(1808, 1808)))
    assert store.size_for(Sector.FULL_DISK) == (1808, 1808)
    with pytest.raises(ValueError, match="not a CONUS size"):
        store.size_for(Sector.CONUS)
    assert CDNStore().size_for(Sector.CONUS) == (2500, 1500)  # default per sector


async def test_constructing_does_no_io_and_close_is_safe() -> None:
    store = CDNStore(FetchSettings(cdn_url="http://192.0.2.1:1"))  # TEST-NET: would hang if contacted
    assert not store.session_open
    await store.close()
    assert not store.session_open


async def test_wrong_sector_size_is_refused_before_any_request(cdn: CdnServer) -> None:
    store = store_for(cdn)
    with pytest.raises(ValueError, match="625x375 is not a Full Disk size"):
        await store.find(G18, Sector.FULL_DISK, 13, SLOTS)
    with pytest.raises(ValueError, match="not GENERIC"):
        await store.find(SatellitePattern.GENERIC, Sector.CONUS, 13, SLOTS)
    assert not store.session_open and cdn.request_count() == 0


async def test_download_streams_with_progress_and_is_a_jpeg(cdn: CdnServer, tmp_path: Path) -> None:
    store = store_for(cdn)
    calls: list[tuple[int, int | None]] = []
    dest = tmp_path / "frame.part"
    try:
        await store.download(frame_item(cdn, SLOTS[0]), dest, lambda done, total: calls.append((done, total)))
    finally:
        await store.close()
    size = dest.stat().st_size
    assert calls[0] == (0, size) and calls[-1] == (size, size)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    with Image.open(dest) as img:
        assert img.format == "JPEG" and img.size == SMALL


@pytest.mark.parametrize(
    ("fault", "error", "retry_after"),
    [
        (Fault(FaultKind.STATUS, status=503, retry_after="7"), RemoteUnavailableError, 7.0),
        (Fault(FaultKind.STATUS, status=429, retry_after="2"), RemoteUnavailableError, 2.0),
        (Fault(FaultKind.STATUS, status=500), RemoteUnavailableError, None),
        (Fault(FaultKind.STATUS, status=403), RemoteError, None),
        (Fault(FaultKind.DROP), RemoteUnavailableError, None),
        (Fault(FaultKind.TRUNCATE), RemoteUnavailableError, None),
        (Fault(FaultKind.CORRUPT), RemoteCorruptError, None),
    ],
    ids=["503", "429", "500", "403", "dropped", "truncated", "corrupt"],
)
async def test_download_faults_map_to_error_types(
    cdn: CdnServer, tmp_path: Path, fault: Fault, error: type[RemoteError], retry_after: float | None
) -> None:
    fault.path = "*.jpg"
    cdn.inject(fault)
    store = store_for(cdn)
    try:
        with pytest.raises(RemoteError) as info:
            await store.download(frame_item(cdn, SLOTS[0]), tmp_path / "x.part")
    finally:
        await store.close()
    assert type(info.value) is error
    assert info.value.retryable is (error is RemoteUnavailableError)
    assert getattr(info.value, "retry_after", None) == retry_after
    assert "127.0.0.1" in str(info.value)
    # Where it happened, for logs and the CSV: the server, the file asked for, and the library error translated.
    item = frame_item(cdn, SLOTS[0])
    assert (info.value.host, info.value.remote) == (urlsplit(cdn.url).netloc, item.location)
    dropped = fault.kind in (FaultKind.DROP, FaultKind.TRUNCATE)
    assert isinstance(info.value.cause, aiohttp.ClientError) if dropped else info.value.cause is None


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (Fault(FaultKind.CORRUPT), "is cut short: it does not end with the JPEG end marker"),
        (
            Fault(FaultKind.STATUS, status=200),
            r"is not a JPEG image \(it does not start with a JPEG header; 10 bytes\)",
        ),
    ],
    ids=["cut-in-half", "error-page-with-200"],
)
async def test_the_download_check_reads_the_markers_not_the_pixels(
    cdn: CdnServer, tmp_path: Path, fault: Fault, message: str
) -> None:
    """The store checks the length and the JPEG start/end markers; decoding is the conversion's job."""
    fault.path = "*.jpg"
    cdn.inject(fault)
    item = frame_item(cdn, SLOTS[0])
    store = store_for(cdn)
    try:
        with pytest.raises(RemoteCorruptError, match=rf"^{item.name} from 127\.0\.0\.1:\d+ {message}"):
            await store.download(item, tmp_path / "x.part")
        cdn.clear_faults()
        cdn.inject(Fault(FaultKind.GARBLED, "*.jpg"))  # framed right, nothing between the markers
        await store.download(item, tmp_path / "garbled.part")  # accepted here: jpeg_to_png refuses it
    finally:
        await store.close()
    body = (tmp_path / "garbled.part").read_bytes()
    assert body[:3] == b"\xff\xd8\xff" and body[-2:] == b"\xff\xd9" and body[3:-2] == bytes(len(body) - 5)


@pytest.mark.parametrize("spill", [None, 5_000], ids=["held-in-memory", "streamed-after-5kB"])
async def test_the_file_holds_exactly_the_served_body(
    cdn: CdnServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spill: int | None
) -> None:
    """A body is written by one call in a thread; past SPILL_BYTES the rest streams to the open file."""
    if spill is not None:
        monkeypatch.setattr(http_body, "SPILL_BYTES", spill)
    item = frame_item(cdn, SLOTS[1])
    async with aiohttp.ClientSession() as session, session.get(item.location) as resp:
        served = await resp.read()
    assert len(served) > 4 * 2048  # many 2 kB reads: the spill happens mid-body
    calls: list[int] = []
    store = CDNStore(FetchSettings(cdn_url=cdn.url, cdn_size=SMALL), chunk_size=2048)
    try:
        await store.download(item, tmp_path / "x.part", lambda done, total: calls.append(done))
    finally:
        await store.close()
    assert (tmp_path / "x.part").read_bytes() == served
    assert calls[-1] == len(served) and len(calls) > 4


async def test_fault_every_nth_request_then_success(cdn: CdnServer, tmp_path: Path) -> None:
    cdn.inject(Fault(FaultKind.STATUS, path="*.jpg", status=503, times=1))
    store = store_for(cdn)
    try:
        with pytest.raises(RemoteUnavailableError, match="HTTP 503"):
            await store.download(frame_item(cdn, SLOTS[0]), tmp_path / "x.part")
        await store.download(frame_item(cdn, SLOTS[0]), tmp_path / "x.part")
    finally:
        await store.close()
    async with aiohttp.ClientSession() as session, session.get(frame_item(cdn, SLOTS[0]).location) as resp:
        served = await resp.read()
    assert (tmp_path / "x.part").read_bytes() == served  # the retry wrote the whole frame, nothing of the 503
    assert served[:3] == b"\xff\xd8\xff" and served[-2:] == b"\xff\xd9"  # a JPEG, start to end


async def test_404_is_not_found_with_the_url(cdn: CdnServer, tmp_path: Path) -> None:
    store = store_for(cdn)
    item = frame_item(cdn, SLOTS[3])  # an absent slot
    try:
        with pytest.raises(RemoteNotFoundError, match="HTTP 404") as info:
            await store.download(item, tmp_path / "x.part")
    finally:
        await store.close()
    assert item.location in str(info.value)


@pytest.mark.slow
async def test_stall_times_out_as_unavailable(cdn: CdnServer, tmp_path: Path) -> None:
    cdn.inject(Fault(FaultKind.STALL, path="*.jpg", delay=3.0))
    store = store_for(cdn, timeout=0.3)
    try:
        with pytest.raises(RemoteUnavailableError, match="Timed out"):
            await store.download(frame_item(cdn, SLOTS[0]), tmp_path / "x.part")
    finally:
        await store.close()


async def test_index_errors_are_raised(cdn: CdnServer) -> None:
    cdn.inject(Fault(FaultKind.STATUS, path="*/13/", status=503, retry_after="30"))
    store = store_for(cdn)
    try:
        with pytest.raises(RemoteUnavailableError) as info:
            await store.find(G18, Sector.CONUS, 13, SLOTS)
    finally:
        await store.close()
    assert info.value.retry_after == 30.0 and "index" in str(info.value)


async def test_refused_connection_is_unavailable() -> None:
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = CDNStore(FetchSettings(cdn_url=f"http://127.0.0.1:{port}", cdn_size=SMALL))
    try:
        with pytest.raises(RemoteUnavailableError, match=r"Cannot connect to 127\.0\.0\.1") as info:
            await store.find(G18, Sector.CONUS, 13, SLOTS)
    finally:
        await store.close()
    assert info.value.host == f"127.0.0.1:{port}" and isinstance(info.value.cause, aiohttp.ClientConnectorError)
    assert info.value.remote is not None and info.value.remote.startswith(f"http://127.0.0.1:{port}/GOES18/")


def test_parse_retry_after() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now) == 90.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=90), usegmt=True), now) == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None


async def test_band_2_folder_and_names_are_zero_padded() -> None:
    """DOMAIN.md: ``/GOES19/ABI/CONUS/02/`` and ``..._GOES19-ABI-CONUS-02-2500x1500.jpg`` (issue 12)."""
    g19 = SatellitePattern.GOES_19
    archive = CdnArchive(g19, Sector.CONUS, 2, frozenset(SLOTS))
    server = CdnServer([archive], now=START + timedelta(hours=1)).start()
    url = server.url
    store = CDNStore(FetchSettings(cdn_url=url, cdn_size=(2500, 1500)))
    try:
        found = await store.find(g19, Sector.CONUS, 2, SLOTS)
    finally:
        await store.close()
        server.stop()
    assert sorted(found) == SLOTS
    item = found[START + timedelta(minutes=1)]
    assert item.name == "20231210001_GOES19-ABI-CONUS-02-2500x1500.jpg"
    assert item.location == url + "/GOES19/ABI/CONUS/02/20231210001_GOES19-ABI-CONUS-02-2500x1500.jpg"
    assert server.request_count("/GOES19/ABI/CONUS/02/") == 1 and server.request_count("/GOES19/ABI/CONUS/2/") == 0
