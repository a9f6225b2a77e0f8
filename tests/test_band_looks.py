"""Looks that are true for every band (issue 22): STAR's longwave table for bands 13-15 only, every other band its
own grey from S3 by default, or STAR's JPGs as served (CDN only) with ``--look cdn``.

Against the emulator (aiohttp CDN, moto S3, real NetCDF); frames judged by decoding them with Pillow.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from goesvfi.integrity_check.cli.main import main
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.fetch.manager import ReconcileReport
from goesvfi.integrity_check.look.plan import plan_look
from goesvfi.integrity_check.look.tables import band_table, value_range
from goesvfi.integrity_check.look.value import Look
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.results import SlotStatus, Source
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.emulator_fixtures import EMULATOR_START
from tests.fetch_support import frame_names, leftovers, manager_for

Factory = Callable[..., NoaaEmulator]
G18 = SatellitePattern.GOES_18


@pytest.mark.parametrize(
    ("look", "band", "table"),
    [
        ("auto", 13, "star"), ("auto", 14, "star"), ("auto", 15, "star"), ("auto", 9, "gray_r"),
        ("auto", 16, "gray_r"), ("auto", 2, "gray"), ("cdn", 13, "star"), ("cdn", 9, "star-band09"),
        ("cdn", 1, "star-band01"), ("grey", 13, "gray_r"), ("grey", 3, "gray"), ("viridis", 9, "viridis"),
    ],
)  # fmt: skip
def test_a_look_name_means_the_band_s_own_table(look: str, band: int, table: str) -> None:
    assert band_table(look, band) == table


@pytest.mark.parametrize(("look", "band"), [("star", 9), ("star", 2), ("star-band13", 9)])
def test_another_band_s_table_is_refused(look: str, band: int) -> None:
    with pytest.raises(ValueError, match="another band's colour table"):
        band_table(look, band)


def test_the_default_kelvin_range_means_the_band_s_own() -> None:
    assert value_range(9, 180.0, 330.0) == (180.0, 280.0)  # Geo2Grid's channel_9_default
    assert value_range(7, 180.0, 330.0) == (164.15, 400.15)  # Geo2Grid's channel_7_default
    assert value_range(13, 180.0, 330.0) == (163.0, 330.0)  # satpy's highlighted_brightness_temperature
    assert value_range(9, 200.0, 250.0) == (200.0, 250.0)  # a range the user set is kept
    assert value_range(2, 200.0, 250.0) == (0.0, 1.0)  # reflectance


def test_the_command_line_refuses_star_for_band_9(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["fetch", str(tmp_path), "--satellite", "goes18", "--start", "2023-05-01T00:00", "--end", "2023-05-01T01:00"]
    assert main([*argv, "--band", "9", "--look", "star"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--look star" in err[0] and "bands 13-15" in err[0]


def test_band_9_in_an_empty_folder_is_its_grey_from_s3_and_the_summary_says_why() -> None:
    plan = plan_look(Sector.CONUS, None, FetchSettings(), band=9)
    assert plan.look is not None and (plan.look.mode, plan.look.table) == ("L", "gray_r")
    assert plan.cdn_size is None and plan.s3_usable
    assert any("bands 13-15" in note and "--look cdn" in note for note in plan.notes), plan.notes
    band13 = plan_look(Sector.CONUS, None, FetchSettings(), band=13)
    assert band13.look is not None and band13.look.table == "star" and band13.cdn_size == (2500, 1500)


def test_band_9_with_look_cdn_is_cdn_only() -> None:
    plan = plan_look(Sector.CONUS, None, FetchSettings(look="cdn"), band=9)
    assert plan.look is not None and (plan.look.mode, plan.look.table) == ("RGB", "star-band09")
    assert plan.cdn_size == (2500, 1500) and not plan.s3_usable


def test_a_band_9_folder_of_star_frames_gets_its_own_grey() -> None:
    star_frames = Look(416, 250, "RGB", "star")  # what earlier versions wrote for band 9
    plan = plan_look(Sector.CONUS, star_frames, FetchSettings(), band=9)
    assert plan.look is not None and plan.look.table == "gray_r" and plan.look.size == (416, 250)
    assert any("not band 9's" in note for note in plan.notes)


def _table(path: Path) -> tuple[str, str | None]:
    with Image.open(path) as im:
        im.load()
        return im.mode, dict(getattr(im, "text", {})).get("goesvfi-colour-table")


async def _fetch(emu: NoaaEmulator, folder: Path, tmp: Path, now: datetime, **settings: Any) -> ReconcileReport:
    settings.setdefault("allow_mixed", False)
    async with manager_for(emu, folder, now, tmp / "cache.sqlite", **settings) as manager:
        query = ArchiveQuery(G18, emu.start_time, emu.end_time, band=emu.band)
        return await manager.reconcile_detailed(folder, query)


@pytest.mark.slow
async def test_band_9_fetch_writes_grey_frames_from_s3_only(
    noaa_emulator_factory: Factory, folder: Path, tmp_path: Path
) -> None:
    emu = noaa_emulator_factory(band=9, missing_fraction=0.0, end=EMULATOR_START + timedelta(hours=1))
    report = await _fetch(emu, folder, tmp_path, emu.end_time)
    fetched = [s for s in report.slots if s.status is SlotStatus.FETCHED]
    assert len(fetched) == 12 and {s.source for s in fetched} == {Source.S3}  # the CDN had every one: not asked
    assert {_table(folder / name) for name in frame_names(folder)} == {("L", "gray_r")}
    assert report.look is not None and any("bands 13-15" in n for n in report.look.notes)
    assert leftovers(folder) == []


@pytest.mark.slow
async def test_band_9_look_cdn_takes_star_jpgs_in_the_window_and_fails_older_slots(
    noaa_emulator_factory: Factory, folder: Path, tmp_path: Path
) -> None:
    # now = 3.5 days + 1 hour after the start: with cdn_days 0.5 the CDN may hold slots back to start + 1 h
    # (0.5 days + the 3-day margin); the emulator's CDN keeps 7 days, so it lists them all.
    now = EMULATOR_START + timedelta(days=3.5, hours=1)
    emu = noaa_emulator_factory(band=9, missing_fraction=0.0, now=now)
    report = await _fetch(emu, folder, tmp_path, now, look="cdn", cdn_days=0.5)
    horizon = EMULATOR_START + timedelta(hours=1)
    old = [s for s in report.slots if s.timestamp < horizon]
    new = [s for s in report.slots if s.timestamp >= horizon]
    assert len(old) == 12 and len(new) == 12
    assert all(s.status is SlotStatus.FAILED and "older than the CDN window" in (s.error or "") for s in old)
    assert all("star-band09" in (s.error or "") for s in old)
    assert all(s.status is SlotStatus.FETCHED and s.source is Source.CDN for s in new)
    assert {_table(folder / name) for name in frame_names(folder)} == {("RGB", "star-band09")}
    assert len(frame_names(folder)) == 12
    assert report.look is not None and any(n.startswith("CDN only") for n in report.look.notes)
