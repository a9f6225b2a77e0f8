"""A frame is present only when it is a whole frame: damaged files made from real frames, found by the scan
(structural check) or by ``--verify`` (a decode), with reasons written from the damage done; verdicts cached so
that a warm scan opens no frame.

Frames are written by Pillow and netCDF4 (``tests.scan_support``), never by the product.
"""

from __future__ import annotations

import asyncio
import io
import sys
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from goesvfi.integrity_check.cache.db import CacheDB
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.results import ScanResult, SlotStatus
from goesvfi.integrity_check.scan.reconciler import Reconciler, scan_directory
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.scan_support import frame_bytes, gradient, settle_tree

G18 = SatellitePattern.GOES_18
T0 = datetime(2023, 5, 1, tzinfo=UTC)
SIZE = (500, 300)  # W x H: the CONUS shape


def slot(i: int) -> datetime:
    return T0 + timedelta(minutes=1 + 5 * i)


def name(i: int, suffix: str = "png") -> str:
    """Canonical names written out from README's pattern."""
    return f"goes18_conus_C13_{slot(i):%Y%m%dT%H%M%S}Z.{suffix}"


def png_bytes(base: int = 0) -> bytes:
    out = io.BytesIO()
    Image.fromarray(gradient(SIZE[1], SIZE[0], 3, base)).save(out, format="PNG")
    return out.getvalue()


def idat_offset(data: bytes) -> int:
    """Where the first IDAT chunk's data starts (walked by hand)."""
    pos = 8
    while True:
        length = int.from_bytes(data[pos : pos + 4], "big")
        if data[pos + 4 : pos + 8] == b"IDAT":
            return pos + 8
        pos += 12 + length


async def scan(folder: Path, count: int, cache: CacheDB | None = None, **kw: object) -> ScanResult:
    query = ArchiveQuery(G18, T0, T0 + timedelta(minutes=5 * count), Sector.CONUS, 13, 5)
    return await scan_directory(folder, query, cache=cache, **kw)  # type: ignore[arg-type]


def reasons(result: ScanResult) -> dict[int, str]:
    index = {s: i for i, s in enumerate(result.expected)}
    return {index[ts]: d.reason for ts, d in result.damaged.items()}


# ---- the structural check on every scan ------------------------------------------------------------------


@pytest.mark.parametrize("cut", [8, 20, 40, 1000, -12, -1])
async def test_a_png_cut_short_anywhere_is_damaged(folder: Path, cut: int) -> None:
    whole = png_bytes()
    (folder / name(0)).write_bytes(whole)
    (folder / name(1)).write_bytes(whole[:cut])
    result = await scan(folder, 2)
    assert set(result.damaged) == {slot(1)} and slot(1) in result.missing
    assert result.existing.keys() == {slot(0)}
    reason = result.damaged[slot(1)].reason
    if cut in (8, 20):  # the header itself is cut
        assert "header" in reason
    else:
        assert "cut short" in reason and f"{len(whole[:cut]):,} bytes" in reason


async def test_empty_text_and_jpeg_without_end_are_damaged(folder: Path) -> None:
    (folder / name(0)).write_bytes(b"")
    (folder / name(1)).write_text("a note saved under a frame's name\n")
    jpeg = frame_bytes("x.jpg", SIZE)
    assert jpeg.endswith(b"\xff\xd9")
    (folder / name(2, "jpg")).write_bytes(jpeg[:-2])  # no EOI
    (folder / name(3)).write_bytes(png_bytes())
    (folder / name(4, "jpg")).write_bytes(jpeg)
    result = await scan(folder, 5)
    got = reasons(result)
    assert set(got) == {0, 1, 2}
    assert got[0] == "empty file (0 bytes)"
    assert "not a PNG" in got[1]
    assert "EOI" in got[2]
    assert result.present_count == 2


async def test_a_truncated_netcdf_is_damaged(folder: Path) -> None:
    whole = frame_bytes("x.nc")
    noaa = "OR_ABI-L1b-RadC-M6C13_G18_s{:%Y%j%H%M%S}0_e{:%Y%j%H%M%S}0_c{:%Y%j%H%M%S}0.nc"
    first, second = (noaa.format(slot(i), slot(i) + timedelta(minutes=2), slot(i)) for i in (0, 1))
    (folder / first).write_bytes(whole)
    (folder / second).write_bytes(whole[: len(whole) // 2])
    result = await scan(folder, 2)
    assert set(result.damaged) == {slot(1)}
    assert "cut short" in result.damaged[slot(1)].reason


# ---- --verify --------------------------------------------------------------------------------------------


def damaged_by_verify(folder: Path) -> dict[int, str]:
    good = png_bytes()
    flipped = bytearray(good)
    flipped[idat_offset(good) + 100] ^= 0xFF  # a flipped byte inside the pixel data: the chunk's CRC fails
    zeroed = gradient(SIZE[1], SIZE[0], 3)
    zeroed[100:130] = 0  # 30 of 300 rows black: 10 % of the height
    one = np.full((SIZE[1], SIZE[0], 3), 17, dtype=np.uint8)
    images = {2: zeroed, 3: one}
    (folder / name(0)).write_bytes(good)
    (folder / name(1)).write_bytes(bytes(flipped))
    for i, pixels in images.items():
        Image.fromarray(pixels).save(folder / name(i))
    (folder / name(4)).write_bytes(png_bytes(base=50))
    return {1: "checksum", 2: "empty rows 100-129", 3: "uniform"}


async def test_verify_decodes_and_finds_what_the_structure_hides(folder: Path, tmp_path: Path) -> None:
    expected = damaged_by_verify(folder)
    async with CacheDB(tmp_path / "c.sqlite3") as cache:
        plain = await scan(folder, 5, cache)
        assert plain.damaged == {}  # every file is structurally whole
        verified = await scan(folder, 5, cache, verify=True)
        got = reasons(verified)
        assert set(got) == set(expected)
        for i, words in expected.items():
            assert words in got[i], got[i]
        assert verified.frames_checked == 5
        # Re-verifying unchanged files costs nothing, and every later scan remembers the verdicts.
        again = await scan(folder, 5, cache, verify=True)
        later = await scan(folder, 5, cache)
    assert again.frames_checked == 0 and later.frames_checked == 0
    assert reasons(again) == got == reasons(later)


def test_the_seed_result_has_damaged(folder: Path, tmp_path: Path) -> None:
    (folder / name(0)).write_bytes(png_bytes())
    (folder / name(1)).write_bytes(b"")
    result = Reconciler(cache_path=tmp_path / "c.sqlite3").scan_date_range(
        start_date=T0, end_date=T0 + timedelta(minutes=10), satellite_pattern=G18, base_directory=folder,
        interval_minutes=5,
    )  # fmt: skip
    assert result["missing"] == [slot(1)]
    assert result["damaged"] == {slot(1): (str(folder / name(1)), "empty file (0 bytes)")}


async def test_damaged_slots_have_their_status_and_reason(folder: Path) -> None:
    (folder / name(0)).write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / name(1)).write_bytes(png_bytes())
    result = await scan(folder, 2)
    first, second = result.slots()
    assert first.status is SlotStatus.DAMAGED and first.path == folder / name(0) and "header" in (first.error or "")
    assert second.status is SlotStatus.PRESENT


# ---- the cache: a warm scan opens no frame -------------------------------------------------------------

_OPENED: list[str] | None = None


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _OPENED is not None and event == "open" and args and isinstance(args[0], str | bytes):
        _OPENED.append(str(args[0]))


sys.addaudithook(_audit)


async def test_a_warm_scan_opens_no_frame_and_a_changed_file_is_read_again(folder: Path, tmp_path: Path) -> None:
    global _OPENED
    for i in range(12):
        (folder / name(i)).write_bytes(png_bytes(base=i))
    whole = png_bytes()
    (folder / name(5)).write_bytes(whole[: len(whole) // 2])
    settle_tree(folder)
    async with CacheDB(tmp_path / "c.sqlite3") as cache:
        cold = await scan(folder, 12, cache)
        assert cold.frames_checked == 12 and set(cold.damaged) == {slot(5)}
        _OPENED = []
        try:
            warm = await scan(folder, 12, cache)
            opened = [p for p in _OPENED if p.startswith(str(folder))]
        finally:
            _OPENED = None
        assert opened == [] and warm.frames_checked == 0 and set(warm.damaged) == {slot(5)}
        # A restored frame (a new file: the folder changes) is read again; the others keep their verdicts.
        (folder / name(5)).write_bytes(png_bytes(base=5))
        settle_tree(folder)
        _OPENED = []
        try:
            after = await scan(folder, 12, cache)
            opened = sorted({Path(p).name for p in _OPENED if p.startswith(str(folder))})
        finally:
            _OPENED = None
    assert after.damaged == {} and after.present_count == 12
    assert opened == [name(5)] and after.frames_checked == 1


# ---- the folder's look: a stray file never decides it --------------------------------------------------


async def test_generic_names_need_a_quorum_and_must_match(folder: Path) -> None:
    Image.fromarray(gradient(100, 100)).save(folder / "chart_20230501_001000.png")  # 100x100 grey, dated 00:10
    for i in range(12):
        Image.fromarray(gradient(300, 400, 3, i)).save(folder / f"IMG_{i:04d}.png")  # photos: no date
    result = await scan(folder, 12)
    assert result.folder_look is None  # one generic frame proves nothing
    # 00:10:00 lies in the CONUS scan that started at 00:06 (scans start at :01, :06, :11 ...).
    assert list(result.not_frames) == [slot(1)]
    assert "not a frame" in result.not_frames[slot(1)].reason
    assert result.present_count == 0 and slot(1) in result.missing


async def test_product_names_decide_and_generic_ones_that_match_count(folder: Path) -> None:
    for i in (0, 1, 2):
        (folder / name(i)).write_bytes(png_bytes(base=i))
    Image.fromarray(gradient(SIZE[1], SIZE[0], 3, 9)).save(folder / "frame_20230501_001600.png")  # matches
    Image.fromarray(gradient(60, 100)).save(folder / "chart_20230501_002100.png")  # grey 100x60: does not
    result = await scan(folder, 5)
    assert result.folder_look == "500x300/RGB/unknown"
    assert slot(3) in result.existing and list(result.not_frames) == [slot(4)]


async def test_a_header_claiming_an_impossible_size_does_not_decide(folder: Path) -> None:
    for i in (0, 1):
        (folder / name(i)).write_bytes(png_bytes(base=i))
    # Three planted 100-byte PNGs whose headers claim 20000x12000: larger than any CONUS image.
    ihdr = (20000).to_bytes(4, "big") + (12000).to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    chunk = b"\x00\x00\x00\x0dIHDR" + ihdr + zlib.crc32(b"IHDR" + ihdr).to_bytes(4, "big")
    planted = b"\x89PNG\r\n\x1a\n" + chunk + b"\x00\x00\x00\x00IEND\xaeB`\x82"
    for i in (2, 3, 4):
        (folder / name(i)).write_bytes(planted)
    result = await scan(folder, 5)
    assert result.folder_look == "500x300/RGB/unknown"
    assert any("cannot have" in w for w in result.warnings)


def test_the_check_runs_off_the_event_loop(folder: Path) -> None:
    (folder / name(0)).write_bytes(png_bytes())
    result = asyncio.run(scan(folder, 1))
    assert result.present_count == 1 and result.frames_checked == 1


async def test_a_size_the_user_gave_decides_whatever_its_shape(folder: Path) -> None:
    for i in range(3):
        Image.fromarray(gradient(1080, 1920, 3, i)).save(folder / name(i))  # a video size, not CONUS's shape
    plain = await scan(folder, 3)
    assert plain.folder_look is None and any("cannot have" in w for w in plain.warnings)
    given = await scan(folder, 3, look_size=(1920, 1080))
    assert given.folder_look == "1920x1080/RGB/unknown" and given.off_look == []


def test_a_size_larger_than_any_goes_image_is_refused(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from goesvfi.integrity_check.cli.main import main

    code = main(["scan", str(folder), "--satellite", "goes18", "--start", "2023-05-01", "--end", "2023-05-01T01:00",
                 "--size", "30000x30000"])  # fmt: skip
    assert code == 2 and "larger than any GOES image" in capsys.readouterr().err
