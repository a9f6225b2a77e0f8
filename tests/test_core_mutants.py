"""Edges of the pure core that mutation testing found untested (docs/mutation.md): each test names the
behaviour it pins, with expected values from literals, README or DOMAIN.md."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from goesvfi.integrity_check.fetch.plan import plan_fetch
from goesvfi.integrity_check.look.header import read_header, read_png_header
from goesvfi.integrity_check.look.sample import folder_look
from goesvfi.integrity_check.look.value import Look, mode_of_table, table_of
from goesvfi.integrity_check.look.value import parse_size as look_parse_size
from goesvfi.integrity_check.results import Source
from goesvfi.integrity_check.scan.coverage import (
    SlotRun,
    _most_common_first,
    _sorted_unique,
    assign,
    detect_interval_info,
    detect_interval_ms,
    matching,
    slot_runs,
    to_ms,
)
from goesvfi.integrity_check.scan.fast_names import pack_key
from goesvfi.integrity_check.time_index import (
    NameKind,
    SatellitePattern,
    Sector,
    canonical_name,
    cdn_dir_url,
    check_band,
    check_cdn_size,
    iso_z,
    parse_legacy,
    parse_name,
    parse_noaa_time,
    special_timeline,
    to_utc,
    unproduced_reason,
)

NOW = datetime(2024, 6, 10, 12, 0, tzinfo=UTC)
G18 = SatellitePattern.GOES_18

# ---- fetch plan ------------------------------------------------------------------------------------


def test_plan_edges_are_inclusive() -> None:
    """A slot at ``now`` is planned (not 'in the future'); a slot exactly at the CDN cutoff (now - cdn_days) is
    CDN first; exactly at the horizon (cutoff - 3 days of retention margin) the CDN is still a fallback."""
    cutoff = NOW - timedelta(days=7)
    horizon = cutoff - timedelta(days=3)
    before_horizon = horizon - timedelta(minutes=5)
    plan = plan_fetch(G18, Sector.CONUS, [NOW, cutoff, horizon, before_horizon], NOW, 7)
    assert plan.order == {
        before_horizon: (Source.S3,),
        horizon: (Source.S3, Source.CDN),
        cutoff: (Source.CDN, Source.S3),
        NOW: (Source.CDN, Source.S3),
    }
    assert plan.unavailable == {} and plan.skipped == {}


def test_plan_of_no_satellite_says_which_to_pick() -> None:
    plan = plan_fetch(SatellitePattern.GENERIC, Sector.CONUS, [NOW - timedelta(hours=1)], NOW, 7)
    assert plan.order == {} and plan.unavailable == {}
    assert plan.skipped == {
        NOW - timedelta(hours=1): "no satellite chosen: pick goes16, goes17, goes18 or goes19 to fetch"
    }


def test_plan_without_the_cdn_is_s3_only() -> None:
    plan = plan_fetch(G18, Sector.CONUS, [NOW - timedelta(hours=1), NOW - timedelta(days=8)], NOW, 7, use_cdn=False)
    assert set(plan.order.values()) == {(Source.S3,)}
    assert plan.slots_for(Source.CDN) == []


def test_a_look_only_the_cdn_has_is_fetched_inside_its_window_only() -> None:
    """``use_s3=False`` (STAR's colours of a band outside 13-15): the CDN for slots down to now - (7 + 3) days,
    inclusive; older slots are refused with the reason; a mesoscale sector (no CDN) is refused whole, and not as
    'older than the CDN window' (its slot of an hour ago was called that before)."""
    horizon = NOW - timedelta(days=10)
    older, recent = horizon - timedelta(minutes=5), NOW - timedelta(hours=1)
    why = "the look is star-band02, which only the CDN's JPGs have"
    plan = plan_fetch(G18, Sector.CONUS, [recent, horizon, older], NOW, 7, use_s3=False, cdn_only_reason=why)
    assert plan.order == {horizon: (Source.CDN,), recent: (Source.CDN,)}
    assert plan.refused == {older: f"older than the CDN window (10 days): {why}"}
    assert plan_fetch(G18, Sector.CONUS, [older], NOW, 7, use_s3=False).refused == {
        older: "older than the CDN window (10 days): CDN only"
    }
    meso = plan_fetch(G18, Sector.MESO1, [recent], NOW, 7, use_s3=False, cdn_only_reason=why)
    assert meso.order == {} and meso.refused == {recent: f"no source has this look: {why}"}


# ---- scan coverage (the vectorised slot choice) ----------------------------------------------------

T0 = datetime(2023, 5, 1, tzinfo=UTC)
T0_MS = 1_682_899_200_000  # 2023-05-01T00:00:00Z in ms since 1970 (date -d @1682899200)
MIN = 60_000


def ms(minutes: float) -> int:
    return T0_MS + round(minutes * MIN)


def conus_slots(first: float, count: int, step: int = 5) -> list[datetime]:
    return [T0 + timedelta(minutes=first + step * k) for k in range(count)]


def test_to_ms_and_a_regular_run() -> None:
    assert to_ms(T0) == T0_MS and to_ms(T0 + timedelta(milliseconds=1)) == T0_MS + 1
    assert (
        type(to_ms(T0 + timedelta(microseconds=1500))) is int and to_ms(T0 + timedelta(microseconds=1500)) == T0_MS + 1
    )
    assert slot_runs(conus_slots(1, 12), Sector.CONUS, 5) == [SlotRun(0, ms(1), 5 * MIN, 12, 5 * MIN)]
    # 30 minutes: the window is the native cadence (5 min), not the interval
    assert slot_runs(conus_slots(1, 2, 30), Sector.CONUS, 30) == [SlotRun(0, ms(1), 30 * MIN, 2, 5 * MIN)]
    # interval 0: the sector's cadence
    assert slot_runs(conus_slots(1, 3), Sector.CONUS, 0) == [SlotRun(0, ms(1), 5 * MIN, 3, 5 * MIN)]
    assert slot_runs([], Sector.CONUS, 5) == []
    with pytest.raises(RuntimeError, match="not a regular run"):
        slot_runs([T0, T0 + timedelta(minutes=5), T0 + timedelta(minutes=15)], Sector.CONUS, 5)


def test_runs_split_at_the_mode_6_change() -> None:
    """DOMAIN.md: full disk every 15 min before 2019-04-02 16:00 UTC, every 10 min after."""
    day = datetime(2019, 4, 2, 15, tzinfo=UTC)
    slots = [day + timedelta(minutes=m) for m in (0, 15, 30, 45)] + [
        day + timedelta(minutes=60 + 10 * k) for k in range(6)
    ]
    first_ms = 1_554_217_200_000  # 2019-04-02T15:00:00Z
    assert slot_runs(slots, Sector.FULL_DISK, 0) == [
        SlotRun(0, first_ms, 15 * MIN, 4, 15 * MIN),
        SlotRun(4, first_ms + 60 * MIN, 10 * MIN, 6, 10 * MIN),
    ]


def choose(times: list[int], ranks: list[int], runs: list[SlotRun]) -> list[tuple[int, int]]:
    slots, files = assign(np.array(times, dtype=np.int64), np.array(ranks, dtype=np.int64), runs)
    return list(zip(slots.tolist(), files.tolist(), strict=True))


def test_cover_window_edges() -> None:
    """docs/internals.md (coverage): slot - 30 s <= t < slot + min(step, cadence) - 30 s."""
    runs = [SlotRun(0, ms(1), 5 * MIN, 3, 5 * MIN)]  # :01 :06 :11
    half = 30_000
    assert choose([ms(1) - half], [0], runs) == [(0, 0)]
    assert choose([ms(1) - half - 1], [0], runs) == []
    assert choose([ms(6) - half - 1], [0], runs) == [(0, 0)]  # the last moment of :01's window
    assert choose([ms(6) - half], [0], runs) == [(1, 0)]
    assert choose([ms(16) - half], [0], runs) == []  # past the run's last slot
    assert choose([ms(11) + 2 * MIN], [0], runs) == [(2, 0)]
    # a 30-minute interval: a file at :06 belongs to no expected slot
    runs30 = [SlotRun(0, ms(1), 30 * MIN, 2, 5 * MIN)]
    assert choose([ms(6), ms(31) + 10_000], [0, 0], runs30) == [(1, 1)]
    assert choose([ms(6) - half - 1], [0], runs30) == [(0, 0)]
    assert choose([ms(6) - half], [0], runs30) == []  # the window's end is open
    assert choose([], [], runs) == []
    assert choose([ms(1)], [0], []) == []


def test_the_best_file_of_a_slot() -> None:
    """Lowest name rank first (0 canonical PNG, 1 CDN, 2 NOAA, 3 legacy), then the closest time, then the first
    file in walk order."""
    runs = [SlotRun(0, ms(1), 5 * MIN, 2, 5 * MIN)]
    assert choose([ms(1), ms(1) + 20_000], [1, 0], runs) == [(0, 1)]  # rank beats distance
    assert choose([ms(1) + 20_000, ms(1) - 10_000], [0, 0], runs) == [(0, 1)]  # then the closer
    assert choose([ms(1) + 10_000, ms(1) - 10_000], [2, 2], runs) == [(0, 0)]  # then the first
    assert choose([ms(6), ms(1) + 5_000, ms(1)], [3, 3, 3], runs) == [(0, 2), (1, 0)]
    assert choose([ms(1), ms(6), ms(6) + 1000], [0, 3, 2], runs) == [(0, 0), (1, 2)]


def test_detected_interval_and_phase() -> None:
    minutes = np.array([ms(m) for m in (1, 11, 21, 31, 41)], dtype=np.int64)
    assert detect_interval_ms(minutes, 5) == (10, 1)
    assert detect_interval_ms(minutes[:2], 5) == (5, None)  # two files prove nothing
    assert detect_interval_ms(np.array([ms(1), ms(1) + 1000, ms(6)], dtype=np.int64), 5) == (5, None)  # 2 minutes
    info = detect_interval_info(np.array([ms(m) for m in (1, 6, 11, 16, 31, 46)], dtype=np.int64), 5, 5)
    assert (info.minutes, info.phase, info.steps, info.detected, info.disagree) == (5, 1, 3, True, None)
    # issue 12: :01 :06 :11 :21 :26 :36 :46 :56 is a 5-minute folder with gaps, though 10-minute steps are commoner
    info = detect_interval_info(np.array([ms(m) for m in (1, 6, 11, 21, 26, 36, 46, 56)], dtype=np.int64), 5, 5)
    assert (info.minutes, info.phase, info.steps) == (5, 1, 3)
    assert info.disagree is not None and "most common step between files is 10 min (4 times)" in info.disagree
    assert detect_interval_info(np.array([], dtype=np.int64), 7).detected is False


def test_most_common_first_breaks_ties_by_first_appearance() -> None:
    assert _most_common_first(np.array([3, 1, 1, 3, 2])) == 3
    assert _most_common_first(np.array([4, 2, 2, 4, 2])) == 2
    big = 1 << 21
    assert _most_common_first(np.array([big + 5, big + 1, big + 1, big + 5])) == big + 5
    assert _most_common_first(np.array([-1, -2, -2])) == -2
    assert _sorted_unique(np.array([1, 1, 2, 5, 5])).tolist() == [1, 2, 5]
    assert _sorted_unique(np.array([5, 1, 5])).tolist() == [1, 5]


def test_matching_keys() -> None:
    g18, g16 = SatellitePattern.GOES_18, SatellitePattern.GOES_16
    keys = np.array(
        [
            pack_key(g18, Sector.CONUS, 13, NameKind.CANONICAL),
            pack_key(g16, Sector.CONUS, 13, NameKind.CANONICAL),
            pack_key(g18, Sector.FULL_DISK, 13, NameKind.CDN),
            pack_key(g18, Sector.CONUS, 7, NameKind.NOAA),
            pack_key(SatellitePattern.GENERIC, None, None, NameKind.LEGACY),
            pack_key(g18, Sector.CONUS, 13, NameKind.CANONICAL),
        ]
    )
    mask = matching(keys, g18, Sector.CONUS, 13)
    assert mask.dtype == bool and mask.tolist() == [True, False, False, False, True, True]  # a mask indexes arrays
    empty = matching(np.array([], dtype=np.int64), g18, Sector.CONUS, 13)
    assert empty.dtype == bool and empty.tolist() == []


# ---- time_index names ------------------------------------------------------------------------------


def test_a_canonical_name_needs_a_real_satellite() -> None:
    with pytest.raises(ValueError, match=r"^a canonical name needs a real satellite, not GENERIC$"):
        canonical_name(SatellitePattern.GENERIC, Sector.CONUS, 13, T0)


def test_cdn_sizes_and_folders() -> None:
    """DOMAIN.md: CONUS 416x250 ... 5000x3000; no meso on the CDN; a size of another sector is refused."""
    assert check_cdn_size(Sector.CONUS, None) == (2500, 1500)
    assert check_cdn_size(Sector.FULL_DISK, None) == (1808, 1808)
    assert check_cdn_size(Sector.CONUS, (1250, 750)) == (1250, 750)
    with pytest.raises(ValueError, match=r"^1808x1808 is not a CONUS size on the CDN \(use 416x250, 625x375, "):
        check_cdn_size(Sector.CONUS, (1808, 1808))
    with pytest.raises(
        ValueError, match=r"^1250x751 is not a CONUS size on the CDN \(use 416x250, 625x375, 1250x750, "
    ):
        check_cdn_size(Sector.CONUS, (1250, 751))
    for call in (lambda: check_cdn_size(Sector.MESO1, None), lambda: cdn_dir_url(G18, Sector.MESO2, 13)):
        with pytest.raises(ValueError, match=r"^the STAR CDN serves no Mesoscale [12] images$"):
            call()
    assert (
        cdn_dir_url(G18, Sector.CONUS, 13, "https://mirror.example/X/")
        == "https://mirror.example/X/GOES18/ABI/CONUS/13/"
    )
    assert cdn_dir_url(G18, Sector.FULL_DISK, 2) == "https://cdn.star.nesdis.noaa.gov/GOES18/ABI/FD/02/"


def test_noaa_times_refuse_what_is_not_one() -> None:
    assert parse_noaa_time("20231210001173") == datetime(2023, 5, 1, 0, 1, 17, 300_000, tzinfo=UTC)
    for text in ("2023121000117a", "2023121000117", "202312100011730"):
        with pytest.raises(ValueError, match=r"is not a 14-digit NOAA time$"):
            parse_noaa_time(text)
    with pytest.raises(ValueError, match=r"^'2023366' is not a day of year$"):  # 2023 is not a leap year
        parse_noaa_time("20233661200003")


def test_names_with_folders_parse_by_their_last_part() -> None:
    parsed = parse_name("some/dir/goes18_conus_C13_20230501T000100Z.png")
    assert parsed is not None and parsed.kind is NameKind.CANONICAL and parsed.timestamp == T0 + timedelta(minutes=1)
    legacy = parse_legacy("a/b_20230501_000600/g18_20230501_000100.png")
    assert legacy is not None and legacy.timestamp == T0 + timedelta(minutes=1)


def test_legacy_times_and_bands() -> None:
    # the ISO form is not a date (month 13): the underscore form is read instead
    parsed = parse_legacy("g18_20231301T000100_20230501_000600.png")
    assert parsed is not None and parsed.timestamp == T0 + timedelta(minutes=6)
    for band, name in ((1, "g18_band1_20230501_000100.png"), (16, "g18_c16_20230501_000100.png")):
        parsed = parse_legacy(name)
        assert parsed is not None and parsed.band == band
    for name in ("g18_c17_20230501_000100.png", "g18_band0_20230501_000100.png"):
        parsed = parse_legacy(name)
        assert parsed is not None and parsed.band is None


def test_sizes_are_width_x_height() -> None:
    from goesvfi.integrity_check.time_index import parse_size

    assert parse_size("2500x1500") == (2500, 1500)
    assert parse_size(" 416 X 250 ") == (416, 250)
    for text in ("2500", "x1500", "2500x", "2500*1500", "a2500x1500", "2500x1500b", "-1x2"):
        with pytest.raises(ValueError, match="^" + re.escape(f"image size {text!r} is not WIDTHxHEIGHT") + "$"):
            parse_size(text)


# ---- time_index slots ------------------------------------------------------------------------------


def test_interval_from_steps() -> None:
    from goesvfi.integrity_check.time_index.slots import interval_from_steps

    with pytest.raises(ValueError, match=r"^no steps$"):
        interval_from_steps({}, 5)
    assert interval_from_steps({5: 3}, 5) == (5, 3, None)
    # 10-minute steps proven (4 >= 3), 5-minute ones not (2): the finest proven interval, not any multiple
    assert interval_from_steps({5: 2, 10: 4}, 5) == (
        10,
        4,
        "the folder's steps disagree: 2 steps between files are not multiples of 10 min",
    )
    # nothing proven: the most common step; a 7-minute step is off a 5-minute schedule
    assert interval_from_steps({7: 2, 5: 1}, 5) == (
        7,
        2,
        "the folder's steps disagree: 1 steps between files are not multiples of 7 min; "
        "7 min is not on the sector's schedule (every 5 min)",
    )
    assert interval_from_steps({5: 3, 7: 1}, None) == (
        5,
        3,
        "the folder's steps disagree: 1 steps between files are not multiples of 5 min",
    )
    assert interval_from_steps({5: 3, 10: 5}, 5) == (
        5,
        3,
        "the folder's steps disagree: the most common step between files is 10 min (5 times), but 5-minute steps "
        "were seen 3 times: counting gaps every 5 min",
    )


def test_a_file_minute_is_its_floor_before_1970_too() -> None:
    """Files at :31:20, :36:20 ... of 1969-12-31 are at minutes :31, :36: phase 1 like :01/:06 (not :32)."""
    eve = datetime(1969, 12, 31, 23, 31, 20, tzinfo=UTC)
    times = np.array([-28 * 60_000 - 40_000 + k * 5 * 60_000 for k in range(4)], dtype=np.int64)
    assert times[0] == (eve - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    assert detect_interval_ms(times, 10) == (5, 1)
    from goesvfi.integrity_check.time_index import expected_slots

    assert expected_slots(Sector.CONUS, eve, eve + timedelta(minutes=15), 5, 1) == [
        datetime(1969, 12, 31, 23, m, tzinfo=UTC) for m in (36, 41, 46)
    ]


def test_noaa_names_give_scan_end_and_creation() -> None:
    """DOMAIN.md: s, e, c = scan start, scan end, file creation (YYYYDDDHHMMSSt)."""
    from goesvfi.integrity_check.time_index import parse_noaa

    parsed = parse_noaa(
        "ABI-L1b-RadC/2023/121/00/OR_ABI-L1b-RadC-M6C13_G18_s20231210001173_e20231210003546_c20231210004030.nc"
    )
    assert parsed is not None
    assert parsed.timestamp == datetime(2023, 5, 1, 0, 1, 17, 300_000, tzinfo=UTC)
    assert parsed.end == datetime(2023, 5, 1, 0, 3, 54, 600_000, tzinfo=UTC)
    assert parsed.created == datetime(2023, 5, 1, 0, 4, 3, tzinfo=UTC)
    assert (parsed.mode, parsed.band, parsed.sector) == (6, 13, Sector.CONUS)


def test_coverage_details() -> None:
    """Runs after the first keep their offset into the expected list; empty answers are index arrays; a
    1-minute interval is a 1-minute step; detection keeps to the sector's schedule."""
    day = datetime(2019, 4, 2, 15, tzinfo=UTC)
    runs = slot_runs([day + timedelta(minutes=m) for m in (0, 15, 30, 45, 60, 70)], Sector.FULL_DISK, 0)
    first_ms = 1_554_217_200_000  # 2019-04-02T15:00:00Z
    assert choose([first_ms + 70 * MIN, first_ms + 15 * MIN], [0, 0], runs) == [(1, 1), (5, 0)]
    slots, files = assign(np.array([], dtype=np.int64), np.array([], dtype=np.int64), [])
    assert slots.dtype == files.dtype == np.int64 and len(slots) == len(files) == 0
    assert slot_runs(conus_slots(1, 3, 1), Sector.CONUS, 1) == [SlotRun(0, ms(1), MIN, 3, MIN)]
    with pytest.raises(RuntimeError, match=r"^expected slots are not a regular run$"):
        slot_runs([T0, T0 + timedelta(minutes=5), T0 + timedelta(minutes=15)], Sector.CONUS, 5)
    times = np.array([ms(m) for m in (0, 3, 6, 9, 15, 21, 27, 33)], dtype=np.int64)  # steps 3 x 3, 6 x 4
    assert detect_interval_ms(times, 6, 6) == (6, 3)
    assert detect_interval_info(times, 6, 6).minutes == 6
    assert detect_interval_ms(times, 6) == (3, 0)
    undetected = detect_interval_info(times[:2], 7)
    assert (undetected.minutes, undetected.phase, undetected.steps, undetected.detected) == (7, None, 0, False)


# ---- the look (look/) ------------------------------------------------------------------------------


def chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk (PNG spec: length, type, data, CRC-32 of type and data), written here by hand."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(width: int, height: int, colour_type: int, *extra: bytes) -> bytes:
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0))
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]
    pixels = zlib.compress(b"".join(b"\x00" + bytes(width * channels) for _ in range(height)))
    return b"\x89PNG\r\n\x1a\n" + ihdr + b"".join(extra) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def test_look_words_json_and_matching() -> None:
    star = Look(2500, 1500, "RGB", "star")
    assert star.describe() == "2500x1500 RGB star"  # README: "Look of fetched frames: 2500x1500 RGB star"
    assert Look(None, None, "L", "gray_r").describe() == "native size L gray_r"
    assert star.as_json() == {"width": 2500, "height": 1500, "mode": "RGB", "colour_table": "star"}
    assert star.matches(Look(2500, 1500, "RGB", "star")) and star.matches(Look(2500, 1500, "RGB", "unknown"))
    assert Look(2500, 1500, "RGB", "unknown").matches(star)
    assert not star.matches(Look(1250, 750, "RGB", "star"))
    assert not star.matches(Look(2500, 1500, "L", "star"))
    assert not star.matches(Look(2500, 1500, "RGB", "viridis"))
    native = Look(None, None, "RGB", "star")
    assert native.matches(Look(1250, 750, "RGB", "star")) and not native.matches(Look(1250, 750, "L", "star"))
    assert star.with_table("gray_r") == Look(2500, 1500, "L", "gray_r")
    assert star.with_table("viridis") == Look(2500, 1500, "RGB", "viridis")


def test_looks_from_the_settings() -> None:
    """README: cdn = the star table, RGB; grey = gray_r, L; a matplotlib map name is itself."""
    names = ("cdn", " grey ", "gray", "viridis", "star")
    looks = {name: (table_of(name), mode_of_table(table_of(name))) for name in names}
    assert looks == {"cdn": ("star", "RGB"), " grey ": ("gray_r", "L"), "gray": ("gray_r", "L"),
                     "viridis": ("viridis", "RGB"), "star": ("star", "RGB")}  # fmt: skip
    assert look_parse_size(" 1250 X 750 ") == (1250, 750)
    for text in ("1250", "0x750", "1250x", "axb", "1250x750x3", "-1250x750"):
        with pytest.raises(
            ValueError, match="^" + re.escape(f"{text!r} is not a size: use WIDTHxHEIGHT, e.g. 1250x750")
        ):
            look_parse_size(text)


def test_png_headers_read_by_hand(tmp_path: Path) -> None:
    table = chunk(b"tEXt", b"goesvfi-colour-table\x00enhanced_ir")
    other = chunk(b"tEXt", b"Comment\x00star")
    big = chunk(b"zTXt", b"x" * 5000)  # skipped, whatever its size
    cases = {
        "tagged.png": (
            png_bytes(7, 5, 2, chunk(b"gAMA", b"\x00\x00\xb1\x8f"), other, table),
            Look(7, 5, "RGB", "enhanced_ir"),
        ),
        "grey.png": (png_bytes(3, 2, 0, big), Look(3, 2, "L", "gray_r")),
        "untagged.png": (png_bytes(4, 4, 2, other), Look(4, 4, "RGB", "unknown")),
        "palette.png": (png_bytes(2, 2, 3, chunk(b"PLTE", bytes(3))), Look(2, 2, "P", "unknown")),
        "rgba.png": (png_bytes(2, 3, 6), Look(2, 3, "RGBA", "unknown")),
    }
    for name, (data, look) in cases.items():
        (tmp_path / name).write_bytes(data)
        assert read_png_header(tmp_path / name) == look, name
        assert read_header(str(tmp_path / name)) == look, name
    (tmp_path / "text.png").write_bytes(b"not a png at all")
    with pytest.raises(ValueError, match=r"^text\.png is not a PNG$"):
        read_png_header(tmp_path / "text.png")
    (tmp_path / "headless.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IEND", b""))
    with pytest.raises(ValueError, match=r"^headless\.png has no PNG header$"):
        read_png_header(tmp_path / "headless.png")
    Image.new("L", (6, 4)).save(tmp_path / "grey.jpg")
    Image.new("RGB", (6, 4)).save(tmp_path / "colour.JPG", format="JPEG")
    assert read_header(tmp_path / "grey.jpg") == Look(6, 4, "L", "gray_r")
    assert read_header(tmp_path / "colour.JPG") == Look(6, 4, "RGB", "unknown")


def test_unreadable_frames_do_not_vote(tmp_path: Path) -> None:
    good, broken = tmp_path / "a.png", tmp_path / "c.png"
    good.write_bytes(png_bytes(4, 3, 2, chunk(b"tEXt", b"goesvfi-colour-table\x00star")))
    broken.write_bytes(b"garbage")
    assert folder_look([str(broken), str(good)]) == Look(4, 3, "RGB", "star")  # unreadable frames do not vote
    assert folder_look([broken]) is None


def test_png_header_edges(tmp_path: Path) -> None:
    """Only IHDR and tEXt chunks before the pixel data count, tEXt up to 4 kB; a file cut after IHDR still has
    its header; an unknown colour type is mode '?'."""
    keyword = b"goesvfi-colour-table\x00"
    sig = b"\x89PNG\r\n\x1a\n"
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", 5, 4, 8, 2, 0, 0, 0))
    idat = chunk(b"IDAT", zlib.compress(bytes(4 * 16)))
    cases = {
        "cut.png": (sig + ihdr, Look(5, 4, "RGB", "unknown")),
        "late_text.png": (sig + ihdr + idat + chunk(b"tEXt", keyword + b"viridis"), Look(5, 4, "RGB", "unknown")),
        "itxt.png": (sig + ihdr + chunk(b"iTXt", keyword + b"viridis") + idat, Look(5, 4, "RGB", "unknown")),
        "at_4k.png": (
            sig + ihdr + chunk(b"tEXt", keyword + b"t" * (4096 - len(keyword))),
            Look(5, 4, "RGB", "t" * 4075),
        ),
        "over_4k.png": (
            sig + ihdr + chunk(b"tEXt", keyword + b"t" * (4097 - len(keyword))),
            Look(5, 4, "RGB", "unknown"),
        ),
        "odd_type.png": (
            sig + chunk(b"IHDR", struct.pack(">IIBBBBB", 5, 4, 8, 5, 0, 0, 0)),
            Look(5, 4, "?", "unknown"),
        ),
    }
    for name, (data, look) in cases.items():
        (tmp_path / name).write_bytes(data)
        assert read_png_header(tmp_path / name) == look, name
    assert look_parse_size("1x1") == (1, 1)


# ---- time_index satellites (DOMAIN.md: satellites, buckets, eras, schedules) ------------------------


def test_satellite_identities() -> None:
    g16, g17, g18, g19, generic = (
        SatellitePattern.GOES_16,
        SatellitePattern.GOES_17,
        SatellitePattern.GOES_18,
        SatellitePattern.GOES_19,
        SatellitePattern.GENERIC,
    )
    assert [(s.number, s.display_name, s.platform_id, s.bucket, s.cdn_name, s.role) for s in (g16, g18)] == [
        (16, "GOES-16", "G16", "noaa-goes16", "GOES16", "East"),
        (18, "GOES-18", "G18", "noaa-goes18", "GOES18", "West"),
    ]
    assert (g17.role, g19.role) == ("West", "East")
    assert (
        generic.number,
        generic.display_name,
        generic.platform_id,
        generic.bucket,
        generic.cdn_name,
        generic.role,
    ) == (
        None,
        "Generic",
        "",
        "",
        "",
        "",
    )
    assert (g16.successor, g17.successor, g18.successor, g19.successor) == (g19, g18, None, None)
    assert SatellitePattern.real() == [g16, g17, g18, g19]
    for text, sat in (
        ("goes18", g18),
        (" GOES-18 ", g18),
        ("GOES_16", g16),
        ("g19", g19),
        ("17", g17),
        ("any", generic),
    ):
        assert SatellitePattern.parse(text) is sat, text
    for text in ("goes15", "g20", "eighteen", "goes1818"):
        with pytest.raises(ValueError, match=r"unknown satellite .*: use goes16, goes17, goes18 or goes19$"):
            SatellitePattern.parse(text)
    assert SatellitePattern.parse("auto") is generic and SatellitePattern.parse("Generic") is generic


def test_eras_and_their_messages() -> None:
    """DOMAIN.md: GOES-16 files run to about 18:30 UTC on 2025-04-07; GOES-19 is the East satellite now."""
    g16, g18 = SatellitePattern.GOES_16, SatellitePattern.GOES_18
    last = datetime(2025, 4, 7, 19, tzinfo=UTC)
    assert g16.has_data_at(last - timedelta(minutes=1)) and not g16.has_data_at(last)
    assert g16.has_data_at(datetime(2017, 2, 28, tzinfo=UTC)) and not g16.has_data_at(datetime(2017, 2, 27, 23, 59))
    assert g18.has_data_at(datetime(2030, 1, 1)) and SatellitePattern.GENERIC.has_data_at(datetime(1990, 1, 1))
    stopped = (
        "GOES-16 stopped producing ABI data on 2025-04-07 (last files about 18:30 UTC); "
        "GOES-19 is the East satellite now"
    )
    assert g16.unserved_reason(last) == stopped
    assert g16.unserved_reason(datetime(2016, 1, 1)) == "GOES-16 has no ABI data before 2017-02-28 UTC"
    assert g18.unserved_reason(datetime(2021, 1, 1)) == "GOES-18 has no ABI data before 2022-05-01 UTC"
    assert g16.coverage_warning(last, last + timedelta(days=1)) == stopped + ": the range has no GOES-16 data."
    assert g16.coverage_warning(last - timedelta(hours=1), last + timedelta(hours=1)) == (
        stopped + ": the range partly has no GOES-16 data."
    )
    assert g16.coverage_warning(last - timedelta(hours=2), last) is None
    assert g18.coverage_warning(datetime(2022, 4, 30), datetime(2022, 5, 2)) == (
        "GOES-18 ABI data starts on 2022-05-01 UTC: part of the range before that has no GOES-18 data."
    )
    assert g18.coverage_warning(datetime(2022, 5, 1), datetime(2022, 5, 2)) is None
    assert SatellitePattern.GENERIC.coverage_warning(datetime(1990, 1, 1), datetime(2090, 1, 1)) is None


def test_sectors_and_schedules() -> None:
    before, after = datetime(2019, 4, 2, 15, 59, tzinfo=UTC), datetime(2019, 4, 2, 16, 0, tzinfo=UTC)
    assert [s.schedule(before) for s in Sector] == [(5, 2), (15, 0), (1, 0), (1, 0)]
    assert [s.schedule(after) for s in Sector] == [(5, 1), (10, 0), (1, 0), (1, 0)]
    assert Sector.FULL_DISK.cadence(after) == 10 and Sector.FULL_DISK.cadence(before) == 15
    assert [s.display_name for s in Sector] == ["CONUS", "Full Disk", "Mesoscale 1", "Mesoscale 2"]
    assert [s.s3_product for s in Sector] == ["ABI-L1b-RadC", "ABI-L1b-RadF", "ABI-L1b-RadM", "ABI-L1b-RadM"]
    assert [s.cdn_dir for s in Sector] == ["CONUS", "FD", None, None]
    for text, sector in (
        ("PACUS", Sector.CONUS),
        ("full-disk", Sector.FULL_DISK),
        ("RadM2", Sector.MESO2),
        ("meso 1", Sector.MESO1),
    ):
        assert Sector.parse(text) is sector, text
    with pytest.raises(ValueError, match=r"^unknown sector 'm3': use conus, fd, m1 or m2$"):
        Sector.parse("m3")
    assert check_band(1) == 1 and check_band(16) == 16 and check_band(13.0) == 13  # type: ignore[arg-type]
    for band in (0, 17):
        with pytest.raises(ValueError, match=rf"^band {band} is not an ABI band \(1-16\)$"):
            check_band(band)
    assert to_utc(datetime(2023, 5, 1)) == datetime(2023, 5, 1, tzinfo=UTC)
    assert iso_z(datetime(2023, 5, 1, 2, 3, 4, 999_999, tzinfo=timezone(timedelta(hours=2)))) == "2023-05-01T00:03:04Z"


def test_the_goes17_cooling_timeline() -> None:
    """DOMAIN.md / OSPO: 06:00-12:00 UTC, full disk every 15 min, no CONUS, meso left to the listing."""
    g17 = SatellitePattern.GOES_17
    day = datetime(2020, 4, 10, tzinfo=UTC)
    assert special_timeline(g17, day + timedelta(hours=6)) is not None
    assert (
        special_timeline(g17, day + timedelta(hours=12)) is None
        and special_timeline(g17, day + timedelta(hours=5, minutes=59)) is None
    )
    assert special_timeline(SatellitePattern.GOES_16, day + timedelta(hours=7)) is None
    assert special_timeline(g17, datetime(2020, 5, 1, 11, 59, tzinfo=UTC)) is not None  # the last day, inclusive
    assert special_timeline(g17, datetime(2020, 5, 2, 7, tzinfo=UTC)) is None
    reason = unproduced_reason(g17, Sector.CONUS, day + timedelta(hours=7, minutes=1), 5)
    assert reason == ("GOES-17 Mode 3 cooling timeline (2020-04-09..2020-05-01, 06:00-12:00 UTC daily): no CONUS scans")
    assert unproduced_reason(g17, Sector.FULL_DISK, day + timedelta(hours=7, minutes=20), 10) == (
        "GOES-17 Mode 3 cooling timeline (2020-04-09..2020-05-01, 06:00-12:00 UTC daily): Full Disk every 15 min"
    )
    assert unproduced_reason(g17, Sector.FULL_DISK, day + timedelta(hours=7, minutes=10), 10) is None  # :15 is in it
    assert (
        unproduced_reason(g17, Sector.FULL_DISK, day + timedelta(hours=7, minutes=14), 2) is None
    )  # :15 in [:14, :16)
    assert unproduced_reason(g17, Sector.FULL_DISK, day + timedelta(hours=7, minutes=14), 1) is not None
    assert unproduced_reason(g17, Sector.FULL_DISK, day + timedelta(hours=7, minutes=15), 0) is None
    assert unproduced_reason(g17, Sector.FULL_DISK, day + timedelta(hours=7, minutes=30), 10) is None
    assert unproduced_reason(g17, Sector.MESO1, day + timedelta(hours=7, minutes=1), 1) is None
    assert unproduced_reason(g17, Sector.CONUS, day + timedelta(hours=13, minutes=1), 5) is None
    assert unproduced_reason(SatellitePattern.GENERIC, Sector.CONUS, day, 5) is None
    assert unproduced_reason(g17, Sector.CONUS, datetime(2024, 1, 1, tzinfo=UTC), 5) == (
        "GOES-17 stopped producing ABI data on 2023-01-10 (GOES-West until 2023-01-04); "
        "GOES-18 is the West satellite now"
    )


def test_the_sample_takes_one_frame_from_each_stratum_the_same_each_time() -> None:
    from goesvfi.integrity_check.look.sample import _spread

    frames = [f"f{i:03d}.png" for i in range(100)]
    picks = _spread(frames, 16)
    assert picks == _spread(list(frames), 16)  # the same folder, the same sample
    assert len(picks) == 16 and picks == sorted(picks)
    for i, pick in enumerate(picks):  # stratum i: frames [i * 100 // 16, (i + 1) * 100 // 16)
        assert i * 100 // 16 <= frames.index(str(pick)) < (i + 1) * 100 // 16, (i, pick)
    assert _spread(frames[:16], 16) == frames[:16] and _spread(frames[:3], 16) == frames[:3]


def test_unreadable_frames_do_not_stop_the_vote(tmp_path: Path) -> None:
    (tmp_path / "0-broken.png").write_bytes(b"garbage")  # first in name order
    (tmp_path / "a.png").write_bytes(png_bytes(4, 3, 2))
    assert folder_look([tmp_path / "0-broken.png", tmp_path / "a.png"]) == Look(4, 3, "RGB", "unknown")


def test_the_newest_frame_is_the_last_in_path_order(tmp_path: Path) -> None:
    """Paths order part by part, as ``Path`` objects compare: ``d/a.png`` comes before ``d-2/b.png`` (as text,
    '-' sorts before '/'). On a tie the look of the last frame in that order wins."""
    (tmp_path / "d").mkdir()
    (tmp_path / "d-2").mkdir()
    small, large = tmp_path / "d" / "a.png", tmp_path / "d-2" / "b.png"
    small.write_bytes(png_bytes(2, 2, 2))
    large.write_bytes(png_bytes(4, 4, 2))
    assert sorted([large, small]) == [small, large]
    assert folder_look([str(large), str(small)]) == Look(4, 4, "RGB", "unknown")
    assert folder_look([small, large]) == Look(4, 4, "RGB", "unknown")


def test_expected_slots_at_one_minute_and_a_given_phase() -> None:
    from goesvfi.integrity_check.time_index import expected_slots

    assert expected_slots(Sector.CONUS, T0, T0 + timedelta(minutes=3), 1) == [
        T0 + timedelta(minutes=m) for m in range(3)
    ]
    assert expected_slots(Sector.CONUS, T0, T0 + timedelta(minutes=30), 10, phase=3) == [
        T0 + timedelta(minutes=m) for m in (3, 13, 23)
    ]
    assert expected_slots(Sector.CONUS, T0, T0) == []


# ---- availability without I/O (remote/availability.py) ---------------------------------------------


def test_known_unavailable_from_the_model_alone() -> None:
    from goesvfi.integrity_check.remote.availability import known_unavailable

    g16, g17 = SatellitePattern.GOES_16, SatellitePattern.GOES_17
    late = datetime(2026, 1, 5, 0, 1, tzinfo=UTC)
    ok = datetime(2024, 1, 5, 0, 1, tzinfo=UTC)
    assert known_unavailable(g16, Sector.CONUS, [late, ok, late + timedelta(minutes=5)], 5) == {
        late: "never produced by NOAA: GOES-16 stopped producing ABI data on 2025-04-07 (last files about 18:30 UTC); "
        "GOES-19 is the East satellite now",
        late + timedelta(minutes=5): "never produced by NOAA: GOES-16 stopped producing ABI data on 2025-04-07 "
        "(last files about 18:30 UTC); GOES-19 is the East satellite now",
    }
    assert known_unavailable(SatellitePattern.GENERIC, Sector.CONUS, [late], 5) == {}
    cooling = datetime(2020, 4, 10, 7, 1, tzinfo=UTC)
    fd_gap, fd_scan = datetime(2020, 4, 10, 7, 14, tzinfo=UTC), datetime(2020, 4, 10, 7, 15, tzinfo=UTC)
    assert known_unavailable(g17, Sector.CONUS, [cooling, cooling + timedelta(hours=6)], 5) == {
        cooling: "never produced by NOAA: GOES-17 Mode 3 cooling timeline (2020-04-09..2020-05-01, 06:00-12:00 UTC "
        "daily): no CONUS scans"
    }
    assert list(known_unavailable(g17, Sector.FULL_DISK, [fd_gap, fd_scan], 1)) == [fd_gap]
    assert known_unavailable(g17, Sector.FULL_DISK, [fd_gap], 2) == {}  # [:14, :16) holds the :15 scan


def test_every_sector_alias() -> None:
    aliases = {
        Sector.CONUS: ("conus", "c", "PACUS", "RadC"),
        Sector.FULL_DISK: ("fd", "F", "fulldisk", "Full", "radf"),
        Sector.MESO1: ("m1", "meso1", "Mesoscale-1", "RadM1"),
        Sector.MESO2: ("M2", "meso2", "mesoscale 2", "radm2"),
    }
    for sector, texts in aliases.items():
        for text in texts:
            assert Sector.parse(text) is sector, text


def test_to_utc_whatever_the_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time as time_module

    monkeypatch.setenv("TZ", "America/New_York")
    time_module.tzset()
    try:
        aware = to_utc(datetime(2023, 5, 1, 2, 0, tzinfo=timezone(timedelta(hours=2))))
        assert aware.tzinfo is UTC and aware == datetime(2023, 5, 1, tzinfo=UTC)
        assert to_utc(datetime(2023, 5, 1, 2, 0)).tzinfo is UTC  # naive: taken as UTC, not local time
    finally:
        monkeypatch.undo()  # the zone this process had
        time_module.tzset()


# ---- fast name parsing (scan/fast_names.py) --------------------------------------------------------
# Times are counted here with the standard library (an independent count of days); names are literals.

G16, G17, G19 = SatellitePattern.GOES_16, SatellitePattern.GOES_17, SatellitePattern.GOES_19
CONUS, FD, M1, M2 = Sector.CONUS, Sector.FULL_DISK, Sector.MESO1, Sector.MESO2


def epoch_ms(*when: int) -> int:
    return (datetime(*when, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)  # type: ignore[misc]


CANONICAL = {  # name: (ms, satellite, sector, band) or None (not one of this tool's PNG names)
    "goes18_conus_C13_20230501T000100Z.png": (epoch_ms(2023, 5, 1, 0, 1), G18, CONUS, 13),
    "goes18_conus_C13_20240229T100000Z.png": (epoch_ms(2024, 2, 29, 10), G18, CONUS, 13),  # leap year
    "goes17_conus_C16_20000229T235959Z.png": (epoch_ms(2000, 2, 29, 23, 59, 59), G17, CONUS, 16),  # divisible by 400
    "goes16_conus_C01_20010301T013059Z.png": (epoch_ms(2001, 3, 1, 1, 30, 59), G16, CONUS, 1),
    "goes16_conus_C01_19000301T000000Z.png": (epoch_ms(1900, 3, 1), G16, CONUS, 1),  # year 300 of its 400-year era
    "goes18_conus_C13_19000229T000000Z.png": None,  # 1900: divisible by 100, not by 400: no Feb 29
    "goes18_conus_C13_21000229T000000Z.png": None,
    "goes18_conus_C13_20250229T000000Z.png": None,
    "goes18_conus_C13_20231301T000100Z.png": None,  # month 13
    "goes18_conus_C13_20239901T000100Z.png": None,
    "goes18_conus_C13_20230001T000100Z.png": None,
    "goes18_conus_C13_20230500T000100Z.png": None,  # day 0
    "goes18_conus_C13_20230532T000100Z.png": None,
    "goes18_conus_C13_20230501T240000Z.png": None,  # hour 24
    "goes18_conus_C13_20230501T006000Z.png": None,  # minute 60
    "goes18_conus_C13_20230501T000060Z.png": None,  # second 60
    "goes15_conus_C13_20230501T000100Z.png": None,  # GOES-15 has no ABI
    "goes1:_conus_C13_20230501T000100Z.png": None,  # ':' follows '9'
    "goes1 _conus_C13_20230501T000100Z.png": None,
    "goes1z_conus_C13_20230501T000100Z.png": None,
    "goes18_conux_C13_20230501T000100Z.png": None,
    "goes18_conus_C1:_20230501T000100Z.png": None,
    "goes18_conus_C1x_20230501T000100Z.png": None,
    "goes18_conus_X13_20230501T000100Z.png": None,  # every part but the band's 'C' is right
    "goes18_conus_C13_20230501T000100Z.jpg": None,
}
SHORT = {  # the other width: full disk and mesoscale
    "goes16_fd_C07_20040301T000000Z.png": (epoch_ms(2004, 3, 1), G16, FD, 7),
    "goes19_m1_C02_20020615T120000Z.png": (epoch_ms(2002, 6, 15, 12), G19, M1, 2),
    "goes18_m2_C13_20230501T000100Z.png": (epoch_ms(2023, 5, 1, 0, 1), G18, M2, 13),
    "goes18_m3_C13_20230501T000100Z.png": None,
}


def check_batch(names: list[str], expected: dict[str, tuple[int, SatellitePattern, Sector, int] | None]) -> None:
    from goesvfi.integrity_check.scan.fast_names import parse_canonical_batch, unpack_key

    ok, times, keys = parse_canonical_batch(names)
    assert (times.dtype, keys.dtype) == (np.int64, np.int32)  # the index keeps 12 bytes a frame
    for i, name in enumerate(names):
        want = expected[name]
        assert bool(ok[i]) is (want is not None), name
        if want is not None:
            assert (int(times[i]), *unpack_key(int(keys[i]))) == (*want, NameKind.CANONICAL), name


def test_the_byte_matrix_reads_each_part_and_refuses_each_damage() -> None:
    from goesvfi.integrity_check.scan.fast_names import canonical_names, parse_canonical_batch

    both = {**CANONICAL, **SHORT}
    check_batch(list(both), both)
    check_batch(list(SHORT), SHORT)  # no name of the longer width
    check_batch(["goes16_fd_C07_20040301T000000Z.png"], SHORT)  # one name
    ok, times, keys = parse_canonical_batch(list(both))
    good = [n for n, w in both.items() if w is not None]
    assert canonical_names(times[ok], keys[ok]) == good  # and back to the same names


def test_names_outside_ascii_are_not_canonical_and_do_not_hide_the_others() -> None:
    arabic = "goes18_conus_C13_2023050\u0661T000100Z.png"  # ARABIC-INDIC DIGIT ONE, same length
    names = [
        "goes18_conus_C13_20230501T000100Z.png",
        arabic,
        "goes16_conus_C01_20010301T013059Z.png",
        "goes16_fd_C07_20040301T000000Z.png",
    ]
    check_batch(names, {**CANONICAL, **SHORT, arabic: None})
    check_batch([arabic, "goes16_fd_C07_20040301T000000Z.png"], {**SHORT, arabic: None})


CDN = {  # STAR CDN names (DOMAIN.md): year, day of year, hour, minute
    "20231210001_GOES18-ABI-CONUS-13-416x250.jpg": (epoch_ms(2023, 5, 1, 0, 1), G18, CONUS, 13),
    "20243661259_GOES16-ABI-FD-02-1808x1808.jpg": (epoch_ms(2024, 12, 31, 12, 59), G16, FD, 2),  # day 366
    "20230012356_GOES19-ABI-CONUS-07-416x250.jpg": (epoch_ms(2023, 1, 1, 23, 56), G19, CONUS, 7),
    "20233650310_GOES18-ABI-CONUS-13-416x250.jpg": (epoch_ms(2023, 12, 31, 3, 10), G18, CONUS, 13),
    "00010010000_GOES18-ABI-CONUS-13-416x250.jpg": (epoch_ms(1, 1, 1), G18, CONUS, 13),  # year 1 is a year
    "20233660000_GOES18-ABI-CONUS-13-416x250.jpg": None,  # 2023 has 365 days
    "20230000000_GOES18-ABI-CONUS-13-416x250.jpg": None,
    "00000010000_GOES18-ABI-CONUS-13-416x250.jpg": None,  # no year 0
    "20230012400_GOES18-ABI-CONUS-13-416x250.jpg": None,
    "20230010060_GOES18-ABI-CONUS-13-416x250.jpg": None,
}


def test_cdn_names_through_the_day_caches() -> None:
    from goesvfi.integrity_check.scan.fast_names import NameParser, unpack_key

    parser = NameParser()
    for _ in range(2):  # the second time from the caches
        for name, want in CDN.items():
            got = parser.parse(name)
            if want is None:
                assert got is None, name
            else:
                assert got is not None and (got[0], *unpack_key(got[1])) == (*want, NameKind.CDN), name


def test_other_names_and_their_rank() -> None:
    from goesvfi.integrity_check.scan.fast_names import NameParser, key_rank, parse_canonical_batch, unpack_key

    parser = NameParser()
    noaa = parser.parse("OR_ABI-L1b-RadM1-M6C02_G16_s20240601203159_e20240601203217_c20240601203250.nc")
    assert noaa is not None and type(noaa[0]) is int
    assert (noaa[0], *unpack_key(noaa[1])) == (epoch_ms(2024, 2, 29, 12, 3, 15, 900_000), G16, M1, 2, NameKind.NOAA)
    legacy = parser.parse("goes17_frame_20230101T120000Z.png")
    assert legacy is not None and type(legacy[0]) is int
    assert (legacy[0], *unpack_key(legacy[1])) == (epoch_ms(2023, 1, 1, 12), G17, None, None, NameKind.LEGACY)
    cdn = parser.parse("20231210001_GOES18-ABI-CONUS-13-416x250.jpg")
    assert cdn is not None
    canonical = int(parse_canonical_batch(["goes18_conus_C13_20230501T000100Z.png"])[2][0])
    # README (Names): "the canonical PNG wins, then CDN, NOAA, legacy names".
    assert key_rank(np.array([canonical, cdn[1], noaa[1], legacy[1]])).tolist() == [0, 1, 2, 3]


def test_names_without_a_satellite_are_told_apart() -> None:
    from goesvfi.integrity_check.scan.fast_names import NameParser, is_generic, parse_canonical_batch

    parser = NameParser()
    names = {  # name: has no satellite
        "frame_20230501T000100Z.png": True,
        "image_20230501_000100.png": True,
        "frame_conus_C13_20230501T000100Z.png": True,  # a sector and a band, no satellite
        "fd_C13_20230501T000100Z.png": True,
        "C02_20230501T000100Z.png": True,
        "goes17_frame_20230101T120000Z.png": False,
        "20231210001_GOES19-ABI-FD-16-1808x1808.jpg": False,
        "OR_ABI-L1b-RadM2-M6C02_G16_s20240601203159_e20240601203217_c20240601203250.nc": False,
        "20231210001_GOES16-ABI-CONUS-01-416x250.jpg": False,
    }
    keys = [parsed[1] for parsed in map(parser.parse, names) if parsed is not None]
    keys += parse_canonical_batch(["goes18_m2_C16_20230501T000100Z.png", "goes16_conus_C01_20230501T000100Z.png"])[
        2
    ].tolist()
    assert is_generic(np.array(keys)).tolist() == [*names.values(), False, False]


def test_a_range_is_exact_to_the_microsecond_in_any_year() -> None:
    """A range that starts one microsecond after a slot leaves that slot out, in 2024 as in 2500."""
    from goesvfi.integrity_check.time_index import expected_slots

    for year in (2024, 2500):
        slot = datetime(year, 1, 1, 0, 1, tzinfo=UTC)
        start = slot + timedelta(microseconds=1)
        assert expected_slots(Sector.CONUS, start, slot + timedelta(minutes=10, microseconds=1)) == [
            datetime(year, 1, 1, 0, 6, tzinfo=UTC),
            datetime(year, 1, 1, 0, 11, tzinfo=UTC),
        ]
        assert expected_slots(Sector.CONUS, slot, slot + timedelta(minutes=10)) == [
            datetime(year, 1, 1, 0, 1, tzinfo=UTC),
            datetime(year, 1, 1, 0, 6, tzinfo=UTC),
        ]


# ---- looks from file heads (look/header.py, look/value.py: the frame check's readers) ---------------------


def jpeg_bytes(size: tuple[int, int], mode: str, *, progressive: bool = False) -> bytes:
    import io

    out = io.BytesIO()
    Image.new(mode, size, 128).save(out, "JPEG", progressive=progressive)
    return out.getvalue()


def test_a_jpeg_look_is_its_size_and_components() -> None:
    """Pillow's JPEGs (baseline: SOF0, progressive: SOF2), after the APP0 segment; a grey JPEG is the grey look."""
    from goesvfi.integrity_check.look.header import jpeg_look

    assert jpeg_look(jpeg_bytes((416, 250), "RGB")) == Look(416, 250, "RGB", "unknown")
    assert jpeg_look(jpeg_bytes((300, 200), "L", progressive=True)) == Look(300, 200, "L", "gray_r")
    head = jpeg_bytes((2500, 1500), "RGB")
    sof = head.index(b"\xff\xc0")
    assert jpeg_look(head[:2] + b"\xff" + head[2:]) == Look(2500, 1500, "RGB", "unknown")  # a fill byte
    assert jpeg_look(head[: sof + 9]) is None  # the SOF cut before its component count
    assert jpeg_look(head[: sof + 10]) == Look(2500, 1500, "RGB", "unknown")
    assert jpeg_look(head[:sof]) is None  # no SOF in the head
    assert jpeg_look(head[:2] + b"\x00" + head[3:]) is None  # not a marker where one must be
    assert jpeg_look(b"\xff\xd8\xff\xc0\x00\x11\x08\x00\x02\x00\x03\x01") == Look(3, 2, "L", "gray_r")


def test_a_look_key_reads_back() -> None:
    assert Look.from_key("2500x1500/RGB/star") == Look(2500, 1500, "RGB", "star")
    assert Look.from_key("native/L/gray_r") == Look(None, None, "L", "gray_r")
    assert Look.from_key("416x250/RGB/star-band02/x") == Look(416, 250, "RGB", "star-band02/x")
    with pytest.raises(ValueError):
        Look.from_key("wide/RGB/star")


def test_a_png_head_says_what_is_wrong_with_it() -> None:
    """The frame check's PNG reader: the mode of each colour type, our colour-table tEXt up to the pixel data,
    and the reason a head is refused, word for word (the integrity report shows it)."""
    from goesvfi.integrity_check.look.header import png_look

    sig = b"\x89PNG\r\n\x1a\n"
    keyword = b"goesvfi-colour-table\x00"

    def ihdr(width: int, height: int, colour: int, extra: bytes = b"") -> bytes:
        return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0) + extra)

    grey = ihdr(5, 4, 0)
    assert png_look(sig + grey) == (Look(5, 4, "L", "gray_r"), None)
    for colour, mode in ((2, "RGB"), (3, "P"), (4, "LA"), (6, "RGBA"), (5, "?")):
        assert png_look(sig + ihdr(5, 4, colour)) == (Look(5, 4, mode, "unknown"), None)
    text = chunk(b"tEXt", keyword + b"viridis")
    assert png_look(sig + ihdr(5, 4, 2) + text) == (Look(5, 4, "RGB", "viridis"), None)
    assert png_look(sig + ihdr(5, 4, 2) + chunk(b"tEXt", b"Comment\x00viridis"))[0] == Look(5, 4, "RGB", "unknown")
    assert png_look(sig + ihdr(5, 4, 2) + text[:-5])[0] == Look(5, 4, "RGB", "unknown")  # cut: not read
    assert png_look(sig + ihdr(5, 4, 2) + chunk(b"IEND", b"") + text)[0] == Look(5, 4, "RGB", "unknown")
    assert png_look(sig + grey[:-1]) == (None, "no PNG header (IHDR) after the signature")
    assert png_look(sig + b"\x00\x00\x00\x0dIHDX" + grey[8:]) == (None, "no PNG header (IHDR) after the signature")
    assert png_look(sig + ihdr(5, 4, 0, b"\x00")) == (None, "a broken PNG header (5x4)")
    assert png_look(sig + ihdr(0, 4, 0)) == (None, "a broken PNG header (0x4)")
    assert png_look(sig + ihdr(5, 0, 0)) == (None, "a broken PNG header (5x0)")
    assert png_look(sig + grey[:-4] + b"\x00\x00\x00\x00") == (None, "a broken PNG header (IHDR checksum)")


def test_every_start_of_frame_marker_and_big_segments() -> None:
    """JPEG (ITU T.81): SOF0-3, 5-7, 9-11, 13-15 give the size; C4 (DHT), C8 (JPG) and CC (DAC) are other
    segments, skipped by their length, which may exceed 32767 (a large EXIF or ICC segment); sizes up to 65535."""
    from goesvfi.integrity_check.look.header import jpeg_look

    def sof(marker: int, height: int = 2, width: int = 3) -> bytes:
        return b"\xff" + bytes([marker]) + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"

    soi = b"\xff\xd8"
    for marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
        assert jpeg_look(soi + sof(marker)) == Look(3, 2, "L", "gray_r"), hex(marker)
    for marker in (0xC4, 0xC8, 0xCC):
        other = b"\xff" + bytes([marker]) + struct.pack(">H", 4) + b"\x00\x00"
        assert jpeg_look(soi + other + sof(0xC0, 5, 7)) == Look(7, 5, "L", "gray_r"), hex(marker)
    exif = b"\xff\xe1" + struct.pack(">H", 40_000) + bytes(40_000 - 2)
    assert jpeg_look(soi + exif + sof(0xC0, 40_000, 65_535)) == Look(65_535, 40_000, "L", "gray_r")


def test_a_png_header_is_read_from_its_first_64_kb(tmp_path: Path) -> None:
    """Whatever a file holds, a header read takes its first 64 KB: a colour-table tEXt behind a 70 KB chunk is not
    seen (the frame is 'unknown', as a PNG of another tool), and a tEXt whose data ends at the head's end is."""
    from goesvfi.integrity_check.look.header import png_look

    sig = b"\x89PNG\r\n\x1a\n"
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", 5, 4, 8, 2, 0, 0, 0))
    text = chunk(b"tEXt", b"goesvfi-colour-table\x00viridis")
    far = tmp_path / "far.png"
    far.write_bytes(sig + ihdr + chunk(b"zTXt", bytes(70_000)) + text + chunk(b"IEND", b""))
    assert read_png_header(far) == Look(5, 4, "RGB", "unknown")
    assert png_look(sig + ihdr + text[:-4]) == (Look(5, 4, "RGB", "viridis"), None)  # its CRC cut off


def test_the_sample_of_a_folder_without_frames_in_range(tmp_path: Path) -> None:
    """``look_sample``: the images directly in the folder with a satellite in their name, in name order; not hidden
    files, other files, folders, symbolic links or generic names."""
    from goesvfi.integrity_check.look.sample import look_sample

    for name in (
        "goes18_conus_C13_20230501T000600Z.png",
        "20231210001_GOES18-ABI-CONUS-13-416x250.jpg",
        ".goes18_conus_C13_20230501T001100Z.png",
        "frame_20230501T000100Z.png",
        "goes18_conus_C13_20230501T001600Z.txt",
    ):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "goes18_conus_C13_20230501T002100Z.png").mkdir()
    (tmp_path / "goes18_conus_C13_20230501T002600Z.png").symlink_to(tmp_path / "frame_20230501T000100Z.png")
    assert look_sample(tmp_path) == [
        tmp_path / "20231210001_GOES18-ABI-CONUS-13-416x250.jpg",
        tmp_path / "goes18_conus_C13_20230501T000600Z.png",
    ]
    assert look_sample(None) == [] and look_sample(tmp_path / "missing") == []
