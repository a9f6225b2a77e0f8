"""Availability: which missing slots NOAA can fill and which it never had (issue 12).

Real parts: the emulator's aiohttp CDN and moto S3 on 127.0.0.1, the real stores, a real SQLite listing cache.
Expected values come from DOMAIN.md's facts (CONUS :01/:06 every 5 min, 2020-04-10 06:01-11:56 without GOES-17
CONUS files, Mode 6 from 2019-04-02 ~16:00 UTC), never from the code's output.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.cache_db import CacheDB
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.remote.availability import (
    apply_availability,
    check_availability,
    known_unavailable,
)
from goesvfi.integrity_check.remote.cdn_store import CDNStore
from goesvfi.integrity_check.remote.s3_store import S3Store
from goesvfi.integrity_check.results import ScanResult, SlotStatus, Source
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.names_support import cdn_name, scan_times

Make = Callable[..., NoaaEmulator]
G17, G18 = SatellitePattern.GOES_17, SatellitePattern.GOES_18
DAY = datetime(2023, 5, 1, tzinfo=UTC)


def conus(start: datetime, hours: float) -> list[datetime]:
    """Hand-written CONUS Mode 6 slots: minute % 5 == 1."""
    return [start + timedelta(minutes=m) for m in range(1, int(hours * 60), 5)]


async def availability(emu: NoaaEmulator, slots: list[datetime], cache: CacheDB | None = None, **kw: object):  # type: ignore[no-untyped-def]
    settings = emu.settings(cdn_size=(416, 250))
    kw = {"cdn_days": 7.0, "step_minutes": 5, **kw}
    async with S3Store(settings, cache=cache, now=lambda: emu.now) as s3, CDNStore(settings) as cdn:
        return await check_availability(emu.satellite, emu.sector, 13, slots, s3=s3, cdn=cdn, now=emu.now, **kw)  # type: ignore[arg-type]


@pytest.mark.slow
async def test_gaps_on_either_side_of_the_cdn_cutoff(noaa_emulator_factory: Make, tmp_path: Path) -> None:
    now = DAY + timedelta(hours=6)
    slots = conus(DAY, 4)  # 00:01 ... 03:56: 48 slots
    at = {name: DAY + timedelta(hours=h, minutes=m) for name, h, m in (
        ("old_both", 0, 31), ("old_cdn_only_absent", 1, 1),
        ("new_both", 2, 31), ("new_s3_absent", 3, 1), ("new_cdn_absent", 3, 31),
    )}  # fmt: skip
    # The CDN keeps 4 hours here (slots from 02:00 on); the check reads its index for the same window.
    emu = noaa_emulator_factory(
        start=DAY, end=DAY + timedelta(hours=4), now=now, missing_fraction=0.0, cdn_retention_days=4 / 24,
        s3_absent=[at["old_both"], at["new_both"], at["new_s3_absent"]],
        cdn_absent=[at["old_both"], at["old_cdn_only_absent"], at["new_both"], at["new_cdn_absent"]],
    )  # fmt: skip
    async with CacheDB(tmp_path / "cache.sqlite3") as cache:
        found = await availability(emu, slots, cache, cdn_days=4 / 24, cdn_margin_days=0.0)
        assert found.checked and found.note is None
        assert set(found.unavailable) == {at["old_both"], at["new_both"]}
        assert "outside the CDN window" in found.unavailable[at["old_both"]]
        assert "nor on the STAR CDN" in found.unavailable[at["new_both"]]
        assert found.fetchable[at["old_cdn_only_absent"]] == (Source.S3,)
        assert found.fetchable[at["new_s3_absent"]] == (Source.CDN,)
        assert found.fetchable[at["new_cdn_absent"]] == (Source.S3,)
        assert found.fetchable[at["new_both"] + timedelta(minutes=5)] == (Source.CDN, Source.S3)
        assert len(found.fetchable) == 46
        # One listing per hour prefix: 00 ... 03, and 04 (03:56's scan may start up to 04:00:30); past hours
        # come from the cache the second time.
        assert emu.s3.list_count() == 5
        again = await availability(emu, slots, cache, cdn_days=4 / 24, cdn_margin_days=0.0)
        assert emu.s3.list_count() == 5 and again.unavailable == found.unavailable


async def test_a_cooling_period_the_model_does_not_know_is_unavailable(noaa_emulator_factory: Make) -> None:
    # GOES-17 ran its Mode 3 cooling timeline in 2021 too, but its dates are not in the model: the listing
    # must still say that 06:00-12:00 has no CONUS files (72 slots: 6 hours x 12).
    day = datetime(2021, 3, 1, tzinfo=UTC)
    emu = noaa_emulator_factory(
        satellite=G17, start=day + timedelta(hours=5), end=day + timedelta(hours=13), now=day + timedelta(days=30),
        missing_fraction=0.0, never_produced=[(day + timedelta(hours=6), day + timedelta(hours=12))],
    )  # fmt: skip
    slots = conus(day + timedelta(hours=5), 8)
    assert known_unavailable(G17, Sector.CONUS, slots, 5) == {}  # the model has no dates for 2021
    found = await availability(emu, slots)
    gone = sorted(found.unavailable)
    assert len(gone) == 72 and gone[0] == day + timedelta(hours=6, minutes=1)
    assert gone[-1] == day + timedelta(hours=11, minutes=56)
    assert len(found.fetchable) == 96 - 72
    # A complete folder of what NOAA has: 96 expected, 24 present, 0 missing, 72 never produced.
    folder = {s: Path(f"goes17_conus_C13_{s:%Y%m%dT%H%M%S}Z.png") for s in slots if s not in found.unavailable}
    scan = ScanResult(ArchiveQuery(G17, slots[0], slots[-1], Sector.CONUS, 13, 5), slots, folder, gone)
    apply_availability(scan, found, {})
    assert (scan.missing, len(scan.unavailable), scan.availability_checked) == ([], 72, True)
    statuses = [r.status for r in scan.slots()]
    assert statuses.count(SlotStatus.UNAVAILABLE) == 72 and statuses.count(SlotStatus.MISSING) == 0
    assert [g.count for g in scan.noaa_gaps] == [72] and scan.gaps == []


async def test_goes17_cooling_day_2020_04_10(noaa_emulator_factory: Make) -> None:
    day = datetime(2020, 4, 10, tzinfo=UTC)
    emu = noaa_emulator_factory(
        satellite=G17, start=day + timedelta(hours=5), end=day + timedelta(hours=13), now=day + timedelta(days=30),
        missing_fraction=0.0,
    )  # fmt: skip
    slots = conus(day + timedelta(hours=5), 8)
    model = known_unavailable(G17, Sector.CONUS, slots, 5)  # the dated period is modelled: no I/O needed
    assert len(model) == 72 and min(model) == day + timedelta(hours=6, minutes=1)
    assert all("cooling" in r for r in model.values())
    found = await availability(emu, slots)
    assert set(found.unavailable) == set(model)
    assert "cooling" in found.unavailable[min(model)] and "not in NOAA's S3 listing" in found.unavailable[min(model)]


async def test_mode6_starts_at_16_utc_on_2019_04_02(noaa_emulator_factory: Make) -> None:

    start = datetime(2019, 4, 2, 15, tzinfo=UTC)
    emu = noaa_emulator_factory(
        satellite=SatellitePattern.GOES_16, sector=Sector.FULL_DISK, start=start, end=start + timedelta(hours=2),
        now=start + timedelta(days=30), missing_fraction=0.0,
    )  # fmt: skip
    slots = scan_times(Sector.FULL_DISK, start, start + timedelta(hours=2))
    # 15:00 15:15 15:30 15:45 (Mode 3), 16:00 ... 16:50 (Mode 6)
    assert [(s.hour, s.minute) for s in slots] == [(15, m) for m in (0, 15, 30, 45)] + [
        (16, m) for m in range(0, 60, 10)
    ]
    found = await availability(emu, slots, step_minutes=10)
    assert found.unavailable == {} and len(found.fetchable) == 10


async def test_offline_availability_is_unknown() -> None:
    settings = FetchSettings(s3_endpoint="http://127.0.0.1:9", cdn_url="http://127.0.0.1:9", timeout=2.0)
    slots = conus(DAY, 1)
    async with S3Store(settings) as s3, CDNStore(settings) as cdn:
        found = await check_availability(
            G18, Sector.CONUS, 13, slots, s3=s3, cdn=cdn, now=DAY + timedelta(days=1), cdn_days=7.0, step_minutes=5
        )
    assert not found.checked and found.unavailable == {} and found.fetchable == {}
    assert found.note is not None and found.note.startswith("availability unknown")
    scan = ScanResult(ArchiveQuery(G18, DAY, DAY + timedelta(hours=1), Sector.CONUS, 13, 5), slots, {}, list(slots))
    apply_availability(scan, found, {})
    assert scan.missing == slots and scan.unavailable == {} and scan.availability_checked is False
    assert any(w.startswith("availability unknown") for w in scan.warnings)


async def test_recent_slots_are_not_called_unavailable(noaa_emulator_factory: Make) -> None:
    """NOAA publishes ~20 minutes late: a slot from ten minutes ago that nobody lists yet stays missing."""
    now = DAY + timedelta(hours=2)
    late = now - timedelta(minutes=9)  # 01:51
    emu = noaa_emulator_factory(now=now, missing_fraction=0.0, s3_absent=[late], cdn_absent=[late])
    found = await availability(emu, conus(DAY, 2))
    assert late not in found.unavailable and late not in found.fetchable and found.unavailable == {}


# ---- the edges of the verdicts (docs/mutation.md) ----------------------------------------------------

NOW = DAY + timedelta(hours=4, minutes=1)  # 04:01, itself a CONUS slot


async def test_the_cdn_window_edge_the_settling_hour_and_a_slot_at_now(noaa_emulator_factory: Make) -> None:
    """The CDN index is read for slots down to now - (cdn_days + margin) inclusive (here 0.1 + 0.025 days = 3 h:
    01:01); a slot no source lists is unavailable once it is an hour old (03:01 is, 03:06 stays missing); a slot
    at ``now`` is asked like any other. Without an S3 store nothing is called unavailable."""
    t = {name: DAY + timedelta(hours=h, minutes=m) for name, h, m in (
        ("old_gone", 0, 31), ("edge_cdn_only", 1, 1), ("s3_only", 1, 31), ("cdn_only", 2, 1),
        ("new_gone", 2, 31), ("settled_gone", 3, 1), ("settling_gone", 3, 6),
    )}  # fmt: skip
    gone = [t["old_gone"], t["new_gone"], t["settled_gone"], t["settling_gone"]]
    emu = noaa_emulator_factory(
        start=DAY, end=NOW + timedelta(minutes=4), now=NOW, missing_fraction=0.0, cdn_retention_days=0.125,
        s3_absent=[*gone, t["edge_cdn_only"], t["cdn_only"]], cdn_absent=[*gone, t["s3_only"]],
    )  # fmt: skip
    slots = [*conus(DAY, 4), NOW]  # 00:01 ... 03:56, 04:01: 49 slots
    found = await availability(emu, slots, cdn_days=0.1, cdn_margin_days=0.025)
    assert found.checked is True and found.note is None
    assert found.unavailable == {
        t["old_gone"]: "not in NOAA's S3 listing; outside the CDN window (older than 0.125 days)",
        t["new_gone"]: "not in NOAA's S3 listing nor on the STAR CDN",
        t["settled_gone"]: "not in NOAA's S3 listing nor on the STAR CDN",
    }
    assert t["settling_gone"] not in found.fetchable
    assert found.fetchable[t["edge_cdn_only"]] == (Source.CDN,)
    assert found.fetchable[t["cdn_only"]] == (Source.CDN,)
    assert found.fetchable[t["s3_only"]] == (Source.S3,)
    assert found.fetchable[DAY + timedelta(minutes=56)] == (Source.S3,)  # before the window: S3 only
    assert found.fetchable[NOW] == (Source.CDN, Source.S3)
    assert len(found.fetchable) == 49 - 4
    cdn_item = found.items[Source.CDN][t["cdn_only"]]
    assert cdn_item.name == cdn_name(G18, Sector.CONUS, 13, t["cdn_only"], (416, 250))
    assert t["cdn_only"] not in found.items[Source.S3] and t["s3_only"] in found.items[Source.S3]

    async with CDNStore(emu.settings(cdn_size=(416, 250))) as cdn:
        cdn_alone = await check_availability(
            G18, Sector.CONUS, 13, slots, s3=None, cdn=cdn, now=NOW, cdn_days=0.1, step_minutes=5,
            cdn_margin_days=0.025,
        )  # fmt: skip
    assert cdn_alone.checked is True and cdn_alone.note == "availability unknown for S3 (no S3 store)"
    assert cdn_alone.unavailable == {}
    assert cdn_alone.fetchable[t["cdn_only"]] == (Source.CDN,) and t["s3_only"] not in cdn_alone.fetchable
    assert len(cdn_alone.fetchable) == 37 - 4  # 01:01 ... 04:01, less the four the CDN lacks


async def test_mesoscale_slots_never_ask_the_cdn(noaa_emulator_factory: Make) -> None:
    gap = DAY + timedelta(minutes=7)
    emu = noaa_emulator_factory(
        sector=Sector.MESO1, start=DAY, end=DAY + timedelta(minutes=20), now=DAY + timedelta(hours=2),
        missing_fraction=0.0, s3_absent=[gap],
    )  # fmt: skip
    slots = [DAY + timedelta(minutes=m) for m in range(20)]
    found = await availability(emu, slots, step_minutes=1)
    assert found.unavailable == {gap: "not in NOAA's S3 listing (the CDN has no mesoscale sectors)"}
    assert set(found.fetchable) == set(slots) - {gap}
    assert set(found.fetchable.values()) == {(Source.S3,)}
    assert emu.cdn.request_count() == 0


async def test_the_full_disk_slots_a_cooling_day_skipped(noaa_emulator_factory: Make) -> None:
    """DOMAIN.md: GOES-17's cooling timeline scanned the full disk every 15 minutes (:00, :15, :30, :45), so of the
    10-minute slots :20 and :50 hold no scan ([:20, :30) and [:50, :00) contain none)."""
    start = datetime(2020, 4, 10, 7, tzinfo=UTC)
    skipped = [start + timedelta(minutes=20), start + timedelta(minutes=50)]
    emu = noaa_emulator_factory(
        satellite=G17, sector=Sector.FULL_DISK, start=start, end=start + timedelta(hours=1),
        now=start + timedelta(days=30), missing_fraction=0.0,
        never_produced=[(s, s + timedelta(minutes=1)) for s in skipped],
    )  # fmt: skip
    slots = [start + timedelta(minutes=m) for m in range(0, 60, 10)]
    found = await availability(emu, slots, step_minutes=10)
    reason = (
        "never produced by NOAA: GOES-17 Mode 3 cooling timeline (2020-04-09..2020-05-01, 06:00-12:00 UTC daily): "
        "Full Disk every 15 min (not in NOAA's S3 listing; outside the CDN window (older than 10 days))"
    )
    assert found.unavailable == dict.fromkeys(skipped, reason)
    assert sorted(found.fetchable) == [s for s in slots if s not in skipped]


async def test_what_is_answered_without_a_listing() -> None:
    """No slots: checked, nothing to say. No satellite: unknown, and the note says why. Slots outside the
    satellite's years are unavailable from the model alone (no store asked, no note); the future is neither.
    Naive times are UTC."""
    kw = {"s3": None, "cdn": None, "cdn_days": 7.0, "step_minutes": 5}
    nothing = await check_availability(G18, Sector.CONUS, 13, [], now=DAY, **kw)  # type: ignore[arg-type]
    assert (nothing.checked, nothing.fetchable, nothing.unavailable, nothing.note) == (True, {}, {}, None)
    generic = await check_availability(SatellitePattern.GENERIC, Sector.CONUS, 13, [DAY], now=DAY, **kw)  # type: ignore[arg-type]
    assert (generic.checked, generic.note) == (False, "availability unknown: no satellite chosen")
    assert generic.unavailable == {} and generic.fetchable == {}

    late = datetime(2026, 1, 5, 0, 1)  # naive: UTC
    future = late + timedelta(hours=2)
    slots = [future, late + timedelta(minutes=5), late, late]
    g16 = await check_availability(
        SatellitePattern.GOES_16,
        Sector.CONUS,
        13,
        slots,
        now=late + timedelta(hours=1),
        **kw,  # type: ignore[arg-type]
    )
    stopped = (
        "GOES-16 stopped producing ABI data on 2025-04-07 (last files about 18:30 UTC); GOES-19 is the East "
        "satellite now"
    )
    aware = late.replace(tzinfo=UTC)
    assert g16.unavailable == {aware: stopped, aware + timedelta(minutes=5): stopped}
    assert (g16.checked, g16.note, g16.fetchable) == (True, None, {})


async def test_a_source_that_cannot_be_read_is_named_in_the_note_and_the_log(
    noaa_emulator_factory: Make, caplog: pytest.LogCaptureFixture
) -> None:
    """S3 unreadable: availability unknown. The CDN unreadable: slots inside its window that S3 lacks stay
    missing (the CDN may hold them), older ones are unavailable. Both say why, in the note and the log."""
    caplog.set_level(logging.WARNING, logger="goesvfi.integrity_check.remote.availability")
    now = DAY + timedelta(hours=3)
    old, recent = DAY + timedelta(minutes=31), DAY + timedelta(minutes=91)
    emu = noaa_emulator_factory(start=DAY, end=now, now=now, missing_fraction=0.0, s3_absent=[old, recent])
    dead = "http://127.0.0.1:9"  # the discard port: nothing listens
    settings = emu.settings(cdn_size=(416, 250), cdn_url=dead, retries=0, timeout=2.0)
    slots = conus(DAY, 3)
    async with S3Store(settings, now=lambda: now) as s3, CDNStore(settings) as cdn:
        found = await check_availability(
            G18, Sector.CONUS, 13, slots, s3=s3, cdn=cdn, now=now, cdn_days=0.05, step_minutes=5, cdn_margin_days=0.05
        )  # the CDN window: 0.1 days = 2 h 24 min, from 00:36
    m = re.fullmatch(r"the CDN index could not be read \((.+)\): recent slots S3 lacks stay missing", found.note or "")
    assert m is not None, found.note
    assert found.checked is True
    assert found.unavailable == {old: "not in NOAA's S3 listing; outside the CDN window (older than 0.1 days)"}
    assert recent not in found.fetchable and len(found.fetchable) == 36 - 2
    assert [r.getMessage() for r in caplog.records] == [f"CDN index failed: {m[1]}"]

    caplog.clear()
    offline = FetchSettings(s3_endpoint=dead, cdn_url=dead, retries=0, timeout=2.0)
    async with S3Store(offline) as s3:
        unknown = await check_availability(
            G18, Sector.CONUS, 13, slots, s3=s3, cdn=None, now=now, cdn_days=7.0, step_minutes=5
        )
    m = re.fullmatch(r"availability unknown: NOAA S3 could not be listed \((.+)\)", unknown.note or "")
    assert m is not None, unknown.note
    assert (unknown.checked, unknown.unavailable, unknown.fetchable) == (False, {}, {})
    assert [r.getMessage() for r in caplog.records] == [f"S3 listing failed: {m[1]}"]
