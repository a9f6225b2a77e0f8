"""Issue 14: hostile servers, huge inputs, symlinks. Every attack runs against a local server on 127.0.0.1
(:mod:`tests.hostile_server`) that stops by itself after 4 GB or 120 s, so a missing bound fails the test
instead of running away. Each test checks the process's peak RSS stays under 500 MB."""

from __future__ import annotations

import io
import os
import struct
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import netCDF4
import numpy as np
import pytest

from goesvfi.integrity_check.folder.lock import FETCH_LOCK, WATCH_LOCK, FolderLock, FolderLockError
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.reconcile_manager import ReconcileManager
from goesvfi.integrity_check.remote.base import RemoteItem, RemoteLimitError
from goesvfi.integrity_check.remote.cdn_store import CDNStore
from goesvfi.integrity_check.remote.s3_store import S3Store
from goesvfi.integrity_check.render.cdn_jpeg import jpeg_to_png
from goesvfi.integrity_check.render.netcdf import RenderError, render_png
from goesvfi.integrity_check.results import SlotStatus, Source
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from goesvfi.integrity_check.time_index.limits import MAX_INDEX_BYTES, max_jpeg_bytes, max_netcdf_bytes
from tests.hostile_server import HostileServer, RssMonitor, drip, endless, gzip_bomb, s3_endless_listing, static
from tests.names_support import png_name
from tests.scan_support import gradient_image

G18 = SatellitePattern.GOES_18
START = datetime(2023, 5, 1, tzinfo=UTC)
SIZE = (416, 250)
RSS_LIMIT_MB = 500
CDN_DIR = "/GOES18/ABI/CONUS/13/"


def jpeg(size: tuple[int, int] = SIZE, base: int = 0) -> bytes:
    out = io.BytesIO()
    gradient_image("RGB", size, base).save(out, "JPEG", quality=80)
    return out.getvalue()


def bomb_jpeg(width: int = 65500, height: int = 65500) -> bytes:
    """A ~1 KB JPEG whose frame header (SOF0) claims ``width`` x ``height`` pixels."""
    data = bytearray(jpeg((16, 16)))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def cdn_name(slot: datetime, size: tuple[int, int] = SIZE) -> str:
    return f"{slot:%Y%j%H%M}_GOES18-ABI-CONUS-13-{size[0]}x{size[1]}.jpg"


def cdn_item(server: HostileServer, name: str) -> RemoteItem:
    return RemoteItem(START, START, name, f"{server.url}{CDN_DIR}{name}", Source.CDN)


@pytest.fixture
def serve() -> Iterator[list[HostileServer]]:
    servers: list[HostileServer] = []
    yield servers
    for server in servers:
        server.stop()


def start(servers: list[HostileServer], routes: dict, **kwargs: object) -> HostileServer:  # type: ignore[type-arg]
    server = HostileServer(routes, **kwargs).start()  # type: ignore[arg-type]
    servers.append(server)
    return server


@pytest.fixture(autouse=True)
def rss() -> Iterator[RssMonitor]:
    """Every attack test: the memory it takes (the process's RSS sampled every 10 ms while it runs, above where it
    started: earlier tests of a session leave the process larger) stays under 500 MB. Run alone, the file's
    process peaks under 200 MB in all."""
    with RssMonitor() as monitor:
        yield monitor
    if os.environ.get("HOSTILE_RSS_LOG"):  # the figures for the README: HOSTILE_RSS_LOG=file pytest ...
        with open(os.environ["HOSTILE_RSS_LOG"], "a") as log:
            test = os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0]
            log.write(f"{test} peak {monitor.peak_mb:.0f} MB, +{monitor.growth_mb:.0f} MB\n")
    assert monitor.growth_mb < RSS_LIMIT_MB, f"the test took {monitor.growth_mb:.0f} MB"


# ---- 1. symlinked lock file ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", [FETCH_LOCK, WATCH_LOCK])
def test_a_symlinked_lock_file_is_refused_and_its_target_untouched(tmp_path: Path, name: str) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("do not truncate me\n")
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / name).symlink_to(target)
    with pytest.raises(FolderLockError, match="symbolic link"):
        FolderLock(folder, name=name).acquire()
    assert target.read_text() == "do not truncate me\n"


def test_a_lock_file_that_is_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / FETCH_LOCK)
    with pytest.raises(FolderLockError, match="not a regular file"):
        FolderLock(tmp_path).acquire()


# ---- 2. caps on what a server sends ------------------------------------------------------------------


async def test_an_endless_cdn_index_is_cut_at_its_cap(serve: list[HostileServer]) -> None:
    server = start(serve, {f"{CDN_DIR}": endless(b"<html><pre>", chunk=b"x" * 65536, content_type="text/html")})
    store = CDNStore(FetchSettings(cdn_url=server.url, cdn_size=SIZE))
    try:
        with pytest.raises(RemoteLimitError, match="index page limit"):
            await store.find(G18, Sector.CONUS, 13, [START])
    finally:
        await store.close()
    assert server.sent < MAX_INDEX_BYTES + 64 * 1024 * 1024  # stopped reading soon after the cap


@pytest.mark.parametrize(
    "behaviour",
    [
        pytest.param(endless(b"\xff\xd8\xff\xe0"), id="endless"),
        pytest.param(gzip_bomb(), id="gzip-bomb"),
        pytest.param(static(b"\xff\xd8\xff", headers={"Content-Length": str(10**12)}), id="announced-huge"),
    ],
)
async def test_a_cdn_frame_past_its_size_cap_is_refused(serve: list[HostileServer], tmp_path: Path, behaviour) -> None:  # type: ignore[no-untyped-def]
    server = start(serve, {f"{CDN_DIR}*": behaviour})
    store = CDNStore(FetchSettings(cdn_url=server.url, cdn_size=SIZE))
    dest = tmp_path / "frame.jpg"
    try:
        with pytest.raises(RemoteLimitError, match="frame size limit"):
            await store.download(cdn_item(server, cdn_name(START)), dest)
    finally:
        await store.close()
    assert not dest.exists() or dest.stat().st_size <= max_jpeg_bytes(SIZE)


@pytest.mark.slow
async def test_an_endless_s3_listing_is_cut_at_its_cap(serve: list[HostileServer]) -> None:
    server = start(serve, {"*": s3_endless_listing()})
    store = S3Store(FetchSettings(s3_endpoint=server.url, timeout=10))
    try:
        with pytest.raises(RemoteLimitError, match="listing limit"):
            await store.find(G18, Sector.CONUS, 13, [START + timedelta(minutes=1)])
    finally:
        await store.close()
    assert len(server.requests) < 250


async def test_an_endless_s3_object_is_cut_at_its_cap(serve: list[HostileServer], tmp_path: Path) -> None:
    server = start(serve, {"*": endless(b"\x89HDF\r\n\x1a\n")})
    store = S3Store(FetchSettings(s3_endpoint=server.url, timeout=10))
    name = "OR_ABI-L1b-RadM1-M6C13_G18_s20231210001173_e20231210001230_c20231210001270.nc"
    item = RemoteItem(START, START, name, f"ABI-L1b-RadM/2023/121/00/{name}", Source.S3)
    dest = tmp_path / "file.nc"
    try:
        with pytest.raises(RemoteLimitError, match="frame size limit"):
            await store.download(item, dest)
    finally:
        await store.close()
    assert dest.stat().st_size <= max_netcdf_bytes(Sector.MESO1, 13)


# ---- 3. a total deadline per request -----------------------------------------------------------------


@pytest.mark.slow
async def test_a_dripping_cdn_server_is_stopped_by_the_request_deadline(
    serve: list[HostileServer], tmp_path: Path
) -> None:
    server = start(serve, {f"{CDN_DIR}*": drip(jpeg(), every=0.5)})
    store = CDNStore(FetchSettings(cdn_url=server.url, cdn_size=SIZE, timeout=5, deadline=2))
    started = time.monotonic()
    try:
        with pytest.raises(RemoteLimitError, match="request deadline of 2 s"):
            await store.download(cdn_item(server, cdn_name(START)), tmp_path / "frame.jpg")
    finally:
        await store.close()
    assert time.monotonic() - started < 30  # the deadline is the requirement: 2 s, generous margin


@pytest.mark.slow
async def test_a_dripping_s3_server_is_stopped_by_the_request_deadline(
    serve: list[HostileServer], tmp_path: Path
) -> None:
    server = start(serve, {"*": drip(b"\x89HDF\r\n\x1a\n" * 100, every=0.5, content_type="application/x-netcdf")})
    store = S3Store(FetchSettings(s3_endpoint=server.url, timeout=5, deadline=2))
    name = "OR_ABI-L1b-RadM1-M6C13_G18_s20231210001173_e20231210001230_c20231210001270.nc"
    item = RemoteItem(START, START, name, f"ABI-L1b-RadM/2023/121/00/{name}", Source.S3)
    started = time.monotonic()
    try:
        with pytest.raises(RemoteLimitError, match="request deadline of 2 s"):
            await store.download(item, tmp_path / "file.nc")
    finally:
        await store.close()
    assert time.monotonic() - started < 30


# ---- 4 and 5. declared sizes checked before decoding; wrong sizes refused ------------------------------


def test_a_jpeg_declaring_65500_squared_pixels_is_refused_not_raised(tmp_path: Path) -> None:
    src = tmp_path / "bomb.jpg"
    src.write_bytes(bomb_jpeg())
    assert src.stat().st_size < 2048
    with pytest.raises(RenderError, match=r"refused|bomb"):
        jpeg_to_png(src, tmp_path / "out.png", label="bomb.jpg")
    with pytest.raises(RenderError):
        jpeg_to_png(src, tmp_path / "out.png", label="bomb.jpg", expected_size=SIZE)
    assert not (tmp_path / "out.png").exists()


def test_a_jpeg_of_the_wrong_size_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "small.jpg"
    src.write_bytes(jpeg((16, 16)))
    with pytest.raises(RenderError, match="16x16 pixels, not the 2500x1500"):
        jpeg_to_png(src, tmp_path / "out.png", label="x.jpg", expected_size=(2500, 1500))
    assert not (tmp_path / "out.png").exists()


def huge_netcdf(path: Path, rows: int = 30000, cols: int = 30000) -> None:
    """A small NetCDF whose ``Rad`` declares rows x cols int16 (chunked, compressed, never written)."""
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("y", rows)
        ds.createDimension("x", cols)
        rad = ds.createVariable("Rad", "i2", ("y", "x"), zlib=True, chunksizes=(500, 500), fill_value=np.int16(4095))
        rad.setncattr("_Unsigned", "true")
        band = ds.createVariable("band_id", "i1", ())
        band[...] = 13
        for name, value in (
            ("planck_fk1", 13432.1),
            ("planck_fk2", 1497.61),
            ("planck_bc1", 0.09),
            ("planck_bc2", 1.0),
        ):
            ds.createVariable(name, "f4", ())[...] = value


def test_a_netcdf_declaring_a_huge_rad_is_refused_before_decoding(tmp_path: Path) -> None:
    src = tmp_path / "huge.nc"
    huge_netcdf(src)
    assert src.stat().st_size < 200_000
    with pytest.raises(RenderError, match="30000 x 30000 pixels, but its sector and band have at most 1500 x 2500"):
        render_png(src, tmp_path / "out.png", label="huge.nc", max_shape=(1500, 2500))
    with pytest.raises(RenderError, match=r"30000 x 30000 pixels, but a full disk has .* refused before decoding"):
        render_png(src, tmp_path / "out.png", label="huge.nc")
    assert not (tmp_path / "out.png").exists()


async def test_one_bad_frame_fails_only_its_slot(serve: list[HostileServer], tmp_path: Path) -> None:
    """A bomb, a wrong-size frame and a good one: the good one is written, the two others fail with reasons."""
    slots = [START + timedelta(minutes=m) for m in (1, 6, 11)]
    bodies = {cdn_name(slots[0]): bomb_jpeg(), cdn_name(slots[1]): jpeg((16, 16)), cdn_name(slots[2]): jpeg()}
    index = "<html><pre>" + "".join(f'<a href="{n}">{n}</a>\n' for n in bodies) + "</pre></html>"
    routes = {CDN_DIR: static(index.encode(), headers={"Content-Type": "text/html"})}
    routes |= {CDN_DIR + name: static(body) for name, body in bodies.items()}
    server = start(serve, routes)
    folder = tmp_path / "frames"
    folder.mkdir()
    settings = FetchSettings(
        cdn_url=server.url, s3_endpoint=server.url, cdn_size=SIZE, disk_threshold=0, retries=0, timeout=5
    )
    async with ReconcileManager(
        None, folder, settings=settings, now=lambda: START + timedelta(hours=1), use_cache=False
    ) as manager:
        report = await manager.reconcile_detailed(folder, ArchiveQuery(G18, START, START + timedelta(minutes=15)))
    by_slot = {s.timestamp: s for s in report.slots}
    assert by_slot[slots[2]].status is SlotStatus.FETCHED
    assert (folder / png_name(G18, Sector.CONUS, 13, slots[2])).exists()
    assert by_slot[slots[0]].status is SlotStatus.FAILED
    assert "refused" in (by_slot[slots[0]].error or "")
    assert by_slot[slots[1]].status is SlotStatus.FAILED
    assert "16x16 pixels, not the 416x250" in (by_slot[slots[1]].error or "")
    assert not (folder / png_name(G18, Sector.CONUS, 13, slots[1])).exists()
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".goesvfi")) == [
        png_name(G18, Sector.CONUS, 13, slots[2])
    ]


# ---- 8. stale temp files of our naming are swept by every run ----------------------------------------


def plant_leftovers(folder: Path) -> tuple[list[str], list[str]]:
    """(our stale temp files, files of the user's that look alike) in ``folder``."""
    ours = [
        "..goes18_conus_C13_20230430T120100Z.png.part-0123456789ab.png.k2j4h5.part",  # PNG encode, kill -9
        ".goes18_conus_C13_20230430T120600Z.png.part-a1b2c3d4e5f6.nc",  # a download
        ".goes18_conus_C13_20230430T121100Z.png.part-ffeeddccbbaa.jpg",
    ]
    theirs = [".notes.png.part-0123.txt", "goes18_conus_C13_20230430T121600Z.png.part-00", ".x.part-1"]
    for name in ours + theirs:
        (folder / name).write_bytes(b"left over")
    return ours, theirs


async def test_a_fetch_sweeps_our_stale_temp_files_whatever_it_fetches(
    serve: list[HostileServer], tmp_path: Path
) -> None:
    slot = START + timedelta(minutes=1)
    index = f'<html><pre><a href="{cdn_name(slot)}">x</a></pre></html>'
    server = start(
        serve,
        {CDN_DIR: static(index.encode(), headers={"Content-Type": "text/html"}), CDN_DIR + "*": static(jpeg())},
    )
    folder = tmp_path / "frames"
    folder.mkdir()
    ours, theirs = plant_leftovers(folder)
    (folder / ".goes18_conus_C13_20230430T122100Z.png.part-abcdef.nc").symlink_to(tmp_path / "elsewhere")
    settings = FetchSettings(cdn_url=server.url, s3_endpoint=server.url, cdn_size=SIZE, disk_threshold=0, retries=0)
    async with ReconcileManager(None, folder, settings=settings, now=lambda: START + timedelta(hours=1)) as manager:
        report = await manager.reconcile_detailed(folder, ArchiveQuery(G18, START, START + timedelta(minutes=5)))
    assert report.fetched == 1
    names = {p.name for p in folder.iterdir()}
    assert not names & set(ours)
    assert set(theirs) <= names  # look-alikes of the user's stay
    assert ".goes18_conus_C13_20230430T122100Z.png.part-abcdef.nc" in names  # a symlink is never followed/removed


def test_without_the_lock_only_hour_old_temp_files_are_swept(tmp_path: Path) -> None:
    from goesvfi.integrity_check.folder.sweep import UNLOCKED_MIN_AGE, sweep_stale_temps

    ours, theirs = plant_leftovers(tmp_path)
    old = time.time() - UNLOCKED_MIN_AGE - 60
    os.utime(tmp_path / ours[0], (old, old))
    removed = sweep_stale_temps(tmp_path, min_age=UNLOCKED_MIN_AGE)
    assert removed == [ours[0]]
    assert sorted(sweep_stale_temps(tmp_path, keep={"goes18_conus_C13_20230430T120600Z.png"})) == [ours[2]]
    assert {p.name for p in tmp_path.iterdir()} == {ours[1], *theirs}


# ---- 6. progress while listing a long range ------------------------------------------------------------


async def test_s3_listing_reports_progress_per_hour(serve: list[HostileServer]) -> None:
    empty = (
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        "<Name>noaa-goes18</Name><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>"
        "</ListBucketResult>"
    )
    server = start(serve, {"*": static(empty.encode(), headers={"Content-Type": "application/xml"})})
    store = S3Store(FetchSettings(s3_endpoint=server.url, timeout=10), list_concurrency=2)
    seen: list[tuple[int, int]] = []
    store.listing_progress = lambda done, total: seen.append((done, total))
    slots = [START + timedelta(hours=h, minutes=1) for h in range(5)]
    try:
        assert await store.find(G18, Sector.CONUS, 13, slots) == {}
    finally:
        await store.close()
    assert seen == [(n, 5) for n in range(1, 6)]


# ---- 11. the CDN client follows HTTP(S)_PROXY like the S3 client ------------------------------------------


async def test_the_cdn_store_goes_through_the_proxy_of_the_environment(
    serve: list[HostileServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    index = f'<html><pre><a href="{cdn_name(START)}">x</a></pre></html>'
    proxy = start(serve, {"*": static(index.encode(), headers={"Content-Type": "text/html"})})
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    store = CDNStore(FetchSettings(cdn_url="http://cdn.example.invalid", cdn_size=SIZE))
    try:
        found = await store.find(G18, Sector.CONUS, 13, [START])
    finally:
        await store.close()
    assert list(found) == [START]  # the name resolves nowhere: only the proxy can have answered
    assert proxy.requests and proxy.requests[0].endswith(CDN_DIR)


async def test_the_s3_store_lists_and_downloads_through_the_proxy_of_the_environment(
    serve: list[HostileServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    name = "OR_ABI-L1b-RadC-M6C13_G18_s20231210001173_e20231210003546_c20231210004030.nc"
    listing = (
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        "<Name>noaa-goes18</Name><Prefix>ABI-L1b-RadC/2023/121/00/</Prefix><KeyCount>1</KeyCount>"
        f"<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>ABI-L1b-RadC/2023/121/00/{name}</Key>"
        "<Size>4000</Size></Contents></ListBucketResult>"
    )
    body = b"\x89HDF\r\n\x1a\n" * 500
    proxy = start(
        serve,
        {
            "/noaa-goes18/*": static(body, headers={"Content-Type": "application/x-netcdf"}),
            "*": static(listing.encode(), headers={"Content-Type": "application/xml"}),
        },
    )
    for var in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    store = S3Store(FetchSettings(s3_endpoint="http://s3.example.invalid"), now=lambda: START + timedelta(days=30))
    try:
        found = await store.find(G18, Sector.CONUS, 13, [START + timedelta(minutes=1)])
        await store.download(found[START + timedelta(minutes=1)], tmp_path / "x.nc")
    finally:
        await store.close()
    assert (tmp_path / "x.nc").read_bytes() == body  # the endpoint resolves nowhere: only the proxy answered
    assert [p.split("?")[0] for p in proxy.requests] == [
        "/noaa-goes18",
        f"/noaa-goes18/ABI-L1b-RadC/2023/121/00/{name}",
    ]
