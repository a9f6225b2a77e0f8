"""S3Store against moto's S3 server on 127.0.0.1 (unsigned reads of public-read objects)."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import botocore.exceptions as bce
import netCDF4
import pytest

from goesvfi.integrity_check.cache.db import CacheDB
from goesvfi.integrity_check.emulator.abi_file import abi_l1b_bytes
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.emulator.s3_server import MotoS3Server, S3Fault, S3FaultKind
from goesvfi.integrity_check.remote import s3_store
from goesvfi.integrity_check.remote.base import (
    RemoteCorruptError,
    RemoteError,
    RemoteItem,
    RemoteNotFoundError,
    RemoteUnavailableError,
    UnsafeNameError,
    is_plain_name,
)
from goesvfi.integrity_check.remote.s3_store import S3Store
from goesvfi.integrity_check.render.netcdf import RenderError, render_png
from goesvfi.integrity_check.results import Source
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

G18 = SatellitePattern.GOES_18
BUCKET = "noaa-goes18"
DAY = datetime(2023, 5, 1, tzinfo=UTC)  # day of year 121


def t(hh: int, mm: int, ss: float = 0.0) -> datetime:
    return DAY + timedelta(hours=hh, minutes=mm, seconds=ss)


def key(product: str, name: str, hour: int = 0) -> str:
    return f"ABI-L1b-{product}/2023/121/{hour:02d}/{name}"


# Real-format names written by hand (scan start, end, creation), not built by the code under test.
K_0001 = key("RadC", "OR_ABI-L1b-RadC-M6C13_G18_s20231210001173_e20231210003546_c20231210004030.nc")
K_0006 = key("RadC", "OR_ABI-L1b-RadC-M6C13_G18_s20231210006173_e20231210008546_c20231210009030.nc")
K_0006_C14 = key("RadC", "OR_ABI-L1b-RadC-M6C14_G18_s20231210006173_e20231210008546_c20231210009030.nc")
K_0016_G17 = key("RadC", "OR_ABI-L1b-RadC-M6C13_G17_s20231210016173_e20231210018546_c20231210019030.nc")
# Mesoscale 2 scans start seconds before their minute: the 01:00 slot's file is in the 00 hour folder.
K_M2_0100 = key("RadM", "OR_ABI-L1b-RadM2-M6C13_G18_s20231210059548_e20231210100005_c20231210100071.nc")
K_M1_0100 = key("RadM", "OR_ABI-L1b-RadM1-M6C13_G18_s20231210100246_e20231210100303_c20231210100370.nc", 1)


@pytest.fixture
def moto() -> Iterator[MotoS3Server]:
    server = MotoS3Server().start()
    server.create_bucket(BUCKET)
    yield server
    server.stop()


def fill(server: MotoS3Server, keys: Sequence[str], body: bytes = b"not read by find") -> None:
    for k in keys:
        server.put(BUCKET, k, body)


def make_store(server: MotoS3Server, **kwargs: object) -> S3Store:
    timeout = kwargs.pop("timeout", 30.0)
    return S3Store(FetchSettings(s3_endpoint=server.endpoint, timeout=timeout), **kwargs)  # type: ignore[arg-type]


async def test_find_picks_the_object_that_starts_in_the_slot(moto: MotoS3Server) -> None:
    fill(moto, [K_0001, K_0006, K_0006_C14, K_0016_G17])
    async with make_store(moto) as store:
        found = await store.find(G18, Sector.CONUS, 13, [t(0, 1), t(0, 6), t(0, 11), t(0, 16)])
    assert sorted(found) == [t(0, 1), t(0, 6)]  # no 00:11 object; 00:16 is GOES-17's
    first = found[t(0, 1)]
    assert first.location == K_0001 and first.name == K_0001.rsplit("/", 1)[1]
    assert first.start == t(0, 1, 17.3) and first.source is Source.S3 and first.size == len(b"not read by find")
    assert found[t(0, 6)].location == K_0006  # band 13, not the band-14 file of the same scan


async def test_clients_share_one_tls_context_loaded_off_the_event_loop(
    moto: MotoS3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loading a CA bundle takes 20 ms on an idle core (over 100 ms on a busy one): a window's event loop must
    # never do it, and three clients (three commands of a window) must not do it three times.
    loads: list[bool] = []  # True: on the event loop's (main) thread
    original = ssl.SSLContext.load_verify_locations

    def recording(self: ssl.SSLContext, *args: object, **kwargs: object) -> None:
        loads.append(threading.current_thread() is threading.main_thread())
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", recording)
    s3_store._tls_context.cache_clear()
    fill(moto, [K_0001])
    for _ in range(3):
        async with make_store(moto) as store:
            assert list(await store.find(G18, Sector.CONUS, 13, [t(0, 1)])) == [t(0, 1)]
    assert loads == [False]


async def test_the_0106_scan_never_fills_the_0101_slot(moto: MotoS3Server) -> None:
    fill(moto, [K_0006])
    async with make_store(moto) as store:
        assert await store.find(G18, Sector.CONUS, 13, [t(0, 1)]) == {}


async def test_a_scan_starting_before_its_minute_is_found_across_the_hour(moto: MotoS3Server) -> None:
    fill(moto, [K_M2_0100, K_M1_0100])
    async with make_store(moto) as store:
        m2 = await store.find(G18, Sector.MESO2, 13, [t(1, 0)])
        m1 = await store.find(G18, Sector.MESO1, 13, [t(1, 0)])
    assert m2[t(1, 0)].location == K_M2_0100 and m2[t(1, 0)].start == t(0, 59, 54.8)
    assert m1[t(1, 0)].location == K_M1_0100  # RadM holds both meso sectors: each keeps its own


async def test_listing_is_paginated(moto: MotoS3Server) -> None:
    slots = [t(0, m) for m in range(1, 60, 5)]  # 12 CONUS slots, 00:01 ... 00:56
    keys = [
        key("RadC", f"OR_ABI-L1b-RadC-M6C13_G18_s2023121{s:%H%M}173_e2023121{s:%H%M}596_c20231210100000.nc")
        for s in slots
    ]
    fill(moto, keys)
    async with make_store(moto, page_size=5) as store:
        found = await store.find(G18, Sector.CONUS, 13, slots)
    assert [found[s].location for s in slots] == keys
    # hour 00: 12 keys in pages of 5 -> 3 requests; 00:56's window reaches 01:00:30 -> hour 01, 1 request
    assert moto.list_count(BUCKET) == 4


async def test_past_hours_come_from_the_listing_cache(moto: MotoS3Server, tmp_path: Path) -> None:
    fill(moto, [K_0001, K_0006])
    slots = [t(0, 1), t(0, 6)]
    later = lambda: t(5, 0)  # noqa: E731 - hour 00 ended 5 h before: final
    async with CacheDB(tmp_path / "cache.sqlite") as cache:
        async with make_store(moto, cache=cache, now=later) as store:
            first = await store.find(G18, Sector.CONUS, 13, slots)
        assert moto.list_count(BUCKET) == 1
        stored = await cache.get_listing(f"s3:{moto.endpoint}/{BUCKET}", "ABI-L1b-RadC/2023/121/00/")
        assert sorted(k for k, _ in stored or []) == [K_0001, K_0006]
    async with CacheDB(tmp_path / "cache.sqlite") as cache, make_store(moto, cache=cache, now=later) as store:
        second = await store.find(G18, Sector.CONUS, 13, slots)
    assert second == first and moto.list_count(BUCKET) == 1  # no ListObjects the second time


async def test_recent_hours_are_listed_every_time(moto: MotoS3Server, tmp_path: Path) -> None:
    fill(moto, [K_0001])
    soon = lambda: t(1, 30)  # noqa: E731 - hour 00 ended only 30 min ago: may still change
    async with CacheDB(tmp_path / "cache.sqlite") as cache:
        for _ in range(2):
            async with make_store(moto, cache=cache, now=soon) as store:
                await store.find(G18, Sector.CONUS, 13, [t(0, 1)])
        assert await cache.get_listing(f"s3:{moto.endpoint}/{BUCKET}", "ABI-L1b-RadC/2023/121/00/") is None
    assert moto.list_count(BUCKET) == 2


async def test_download_streams_and_validates(moto: MotoS3Server, tmp_path: Path) -> None:
    data = abi_l1b_bytes(satellite=G18, sector=Sector.CONUS, band=13, start=t(0, 1, 17.3), shape=(60, 100))
    with netCDF4.Dataset("mem.nc", memory=data) as ds:
        name = ds.getncattr("dataset_name")
    k = key("RadC", name)
    moto.put(BUCKET, k, data)
    calls: list[tuple[int, int | None]] = []
    async with make_store(moto, chunk_size=8192) as store:
        item = (await store.find(G18, Sector.CONUS, 13, [t(0, 1)]))[t(0, 1)]
        dest = tmp_path / "x.part"
        await store.download(item, dest, lambda d, total: calls.append((d, total)))
    assert dest.read_bytes() == data
    assert calls[0] == (0, len(data)) and calls[-1] == (len(data), len(data)) and len(calls) > 2
    with netCDF4.Dataset(dest) as ds:
        assert ds.variables["Rad"].shape == (60, 100)


@pytest.mark.slow
async def test_emulator_corrupt_object_is_corrupt_and_hostile_keys_are_ignored(
    noaa_emulator_factory: Callable[..., NoaaEmulator], tmp_path: Path
) -> None:
    bad, hostile = t(0, 11), t(0, 21)
    emu = noaa_emulator_factory(missing_fraction=0.0, corrupt_slots=[bad], hostile_slots=[hostile])
    listed = emu.s3.client.list_objects_v2(Bucket=BUCKET, Prefix="ABI-L1b-RadC/2023/121/00/")["Contents"]
    hostile_keys = sorted(o["Key"][25:] for o in listed if "_s20231210021" in o["Key"])
    assert [k.replace(k[k.index("OR_") :], "NAME") for k in hostile_keys] == [
        "../../../../tmp/NAME", "..\\..\\NAME", "NAME", "nested/NAME",  # NAME ending ".nc.part"
    ]  # fmt: skip
    assert hostile_keys[2].endswith(".nc.part")
    async with S3Store(emu.settings()) as store:
        found = await store.find(G18, Sector.CONUS, 13, emu.expected)
        assert hostile not in found  # only hostile keys cover it: ../, nested, backslashes, unparseable
        assert sorted(found) == sorted(set(emu.expected) - {hostile})
        assert all(is_plain_name(i.name) and i.location.endswith("/" + i.name) for i in found.values())
        # cut short on the server but framed as NetCDF: it downloads whole, and the renderer (one open) refuses it
        await store.download(found[bad], tmp_path / ".bad.part-1234.nc")
    with pytest.raises(RenderError) as info:
        render_png(tmp_path / ".bad.part-1234.nc", tmp_path / "bad.png", label=found[bad].name)
    # the message names the remote file, never the local temp file
    assert str(info.value).startswith(f"{found[bad].name} is not a readable NetCDF file (truncated or not NetCDF")
    assert ".part-" not in str(info.value) and str(tmp_path) not in str(info.value)


@pytest.mark.parametrize(
    ("body", "netcdf"),
    [
        (b"<?xml version='1.0'?><Error><Code>AccessDenied</Code></Error>" * 200, False),  # an error page, 200 OK
        (b"\x89PNG\r\n\x1a\n" + bytes(9000), False),  # another kind of file
        (b"CDF", False),  # shorter than any signature
        (b"CDF\x01" + bytes(100), True),  # classic NetCDF, shorter than the 4 KB looked at
        (b"CDF\x02" + bytes(9000), True),  # 64-bit offset NetCDF
        (bytes(512) + b"\x89HDF\r\n\x1a\n" + bytes(9000), True),  # NetCDF-4 after a 512-byte user block
        (bytes(1000) + b"\x89HDF\r\n\x1a\n" + bytes(9000), False),  # a user block is 512 x 2^n bytes
    ],
)
async def test_a_download_that_does_not_start_as_netcdf_is_corrupt(
    moto: MotoS3Server, tmp_path: Path, body: bytes, netcdf: bool
) -> None:
    moto.put(BUCKET, K_0001, body)
    async with make_store(moto, chunk_size=1024) as store:  # the head spans several chunks
        item = (await store.find(G18, Sector.CONUS, 13, [t(0, 1)]))[t(0, 1)]
        if netcdf:
            await store.download(item, tmp_path / "x.part")
            assert (tmp_path / "x.part").read_bytes() == body
            return
        with pytest.raises(RemoteCorruptError) as info:
            await store.download(item, tmp_path / "x.part")
    name = K_0001.rsplit("/", 1)[1]
    assert str(info.value) == (
        f"{name} is not a NetCDF file: it does not start with a NetCDF or HDF5 signature "
        f"(downloaded from S3 at {urlsplit(moto.endpoint).netloc})"
    )
    assert info.value.remote == K_0001 and not info.value.retryable


@pytest.mark.parametrize(
    ("name", "location"),
    [
        ("../../x.nc", "ABI-L1b-RadC/2023/121/00/../../x.nc"),
        ("/etc/passwd", "/etc/passwd"),
        ("..\\..\\OR_x.nc", "ABI-L1b-RadC/2023/121/00/..\\..\\OR_x.nc"),
        (K_0001.rsplit("/", 1)[1], "ABI-L1b-RadC/2023/121/00/../elsewhere.nc"),
    ],
)
async def test_unsafe_items_are_refused_before_any_request(moto: MotoS3Server, name: str, location: str) -> None:
    item = RemoteItem(t(0, 1), t(0, 1), name, location, Source.S3)
    store = make_store(moto)
    with pytest.raises(UnsafeNameError):
        await store.download(item, Path("/nonexistent/never-written"))
    assert not store.client_open


async def test_missing_bucket_names_bucket_and_endpoint() -> None:
    with MotoS3Server() as server:
        endpoint = server.endpoint
        async with make_store(server) as store:
            with pytest.raises(RemoteError) as info:
                await store.find(G18, Sector.CONUS, 13, [t(0, 1)])
    assert type(info.value) is RemoteError and not info.value.retryable
    assert "bucket noaa-goes18 does not exist" in str(info.value) and endpoint in str(info.value)
    assert info.value.host == urlsplit(endpoint).netloc and isinstance(info.value.cause, bce.ClientError)


async def test_missing_key_is_not_found(moto: MotoS3Server, tmp_path: Path) -> None:
    item = RemoteItem(t(0, 1), t(0, 1, 17.3), K_0001.rsplit("/", 1)[1], K_0001, Source.S3)
    async with make_store(moto) as store:
        with pytest.raises(RemoteNotFoundError, match="S3 has no"):
            await store.download(item, tmp_path / "x.part")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "match"),
    [
        (S3Fault(S3FaultKind.STATUS, path="*.nc", status=503, code="SlowDown"), r"busy or failing \(SlowDown\)"),
        (S3Fault(S3FaultKind.STATUS, path="*.nc", status=500, code="InternalError"), r"failing \(InternalError\)"),
        (S3Fault(S3FaultKind.DROP, path="*.nc"), "broke while receiving"),
        (S3Fault(S3FaultKind.STALL, path="*.nc", delay=2.0), "Timed out"),
    ],
    ids=["503", "500", "dropped", "stall"],
)
async def test_download_faults_are_retryable(moto: MotoS3Server, tmp_path: Path, fault: S3Fault, match: str) -> None:
    moto.put(BUCKET, K_0001, b"\x89HDF\r\n\x1a\n" + b"x" * 50_000)  # starts as a NetCDF-4 file does
    item = RemoteItem(t(0, 1), t(0, 1, 17.3), K_0001.rsplit("/", 1)[1], K_0001, Source.S3)
    moto.inject(fault)
    async with make_store(moto, timeout=0.5) as store:
        with pytest.raises(RemoteUnavailableError, match=match) as info:
            await store.download(item, tmp_path / "x.part")
    assert info.value.retryable and "127.0.0.1" in str(info.value)
    assert info.value.host == urlsplit(moto.endpoint).netloc and info.value.remote == K_0001  # where, for the log
    if fault.kind is S3FaultKind.STATUS:  # an error reply, named by its XML Code (matched above): no library error
        assert info.value.cause is None
    else:  # the transport's error, kept for the log
        assert isinstance(info.value.cause, (aiohttp.ClientError, TimeoutError))
        assert info.value.cause is info.value.__cause__


async def test_throttled_listing_is_retryable(moto: MotoS3Server) -> None:
    moto.inject(S3Fault(S3FaultKind.STATUS, query="list-type=2", status=503, code="SlowDown", times=1))
    async with make_store(moto) as store:
        with pytest.raises(RemoteUnavailableError, match="SlowDown"):
            await store.find(G18, Sector.CONUS, 13, [t(0, 1)])
        assert await store.find(G18, Sector.CONUS, 13, [t(0, 1)]) == {}  # the fault fired once


async def test_construction_does_no_io_and_refused_connections_are_unavailable() -> None:
    store = S3Store(FetchSettings(s3_endpoint="http://192.0.2.1:1"))  # TEST-NET: would hang if contacted
    assert not store.client_open
    await store.close()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with S3Store(FetchSettings(s3_endpoint=f"http://127.0.0.1:{port}", timeout=2)) as store:
        with pytest.raises(RemoteUnavailableError, match="Cannot connect"):
            await store.find(G18, Sector.CONUS, 13, [t(0, 1)])


def test_plain_names() -> None:
    assert is_plain_name(K_0001.rsplit("/", 1)[1])
    for bad in ("", ".", "..", "a/b", "a\\b", "..x", "/abs", "C:x", "a\x00b", "a\nb"):
        assert not is_plain_name(bad), bad
