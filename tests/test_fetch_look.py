"""One look per folder, against the emulator (aiohttp CDN serving STAR-look JPGs, moto S3, real NetCDF, real PNG).

The emulator colours its CDN frames with its own copy of STAR's table (emulator/cdn_frames.py), never the
product's; frames are judged by decoding them with Pillow and by their PNG headers.
"""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from goesvfi.integrity_check.cli.main import main
from goesvfi.integrity_check.emulator.abi_file import write_abi_l1b
from goesvfi.integrity_check.emulator.abi_scene import synthetic_scene
from goesvfi.integrity_check.emulator.cdn_frames import star_jpeg
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.fetch.manager import ReconcileReport
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.render.netcdf import render_png
from goesvfi.integrity_check.results import SlotStatus, Source
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.emulator_fixtures import EMULATOR_END, EMULATOR_START
from tests.fetch_support import canonical, frame_names, leftovers, manager_for
from tests.scan_support import gradient, gradient_image

Factory = Callable[..., NoaaEmulator]
G18 = SatellitePattern.GOES_18
SMALL = (416, 250)
HOUR = EMULATOR_START + timedelta(hours=1)
CUTOFF_DAYS = 1.5 / 24  # now = 02:00: slots after 00:30 come from the CDN, earlier ones from S3


def decoded(path: Path) -> tuple[tuple[int, int], str, dict[str, str]]:
    """(size, mode, text chunks) of a PNG, decoding every pixel (a truncated file fails)."""
    with Image.open(path) as im:
        assert im.format == "PNG"
        im.load()
        return im.size, im.mode, dict(getattr(im, "text", {}))


async def fetch(
    emu: NoaaEmulator,
    folder: Path,
    tmp: Path,
    start: datetime = EMULATOR_START,
    end: datetime = EMULATOR_END,
    **settings: Any,
) -> ReconcileReport:
    settings.setdefault("allow_mixed", False)
    async with manager_for(emu, folder, EMULATOR_END, tmp / "cache.sqlite", **settings) as manager:
        return await manager.reconcile_detailed(folder, ArchiveQuery(G18, start, end))


async def test_across_the_cutoff_into_an_empty_folder_one_size_and_mode(
    noaa_emulator_factory: Factory, folder: Path, tmp_path: Path
) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    report = await fetch(emu, folder, tmp_path, cdn_days=CUTOFF_DAYS)
    sources = {s.source for s in report.slots if s.status is SlotStatus.FETCHED}
    assert sources == {Source.CDN, Source.S3}  # both stores served this folder
    looks = {decoded(folder / name)[:2] for name in frame_names(folder)}
    assert looks == {(SMALL, "RGB")}  # S3's 100x60 NetCDF renders were brought to the CDN's 416x250
    assert {decoded(folder / n)[2].get("goesvfi-colour-table") for n in frame_names(folder)} == {"star"}
    assert report.look is not None and report.look.origin == "settings" and report.look.cdn_size == SMALL
    assert leftovers(folder) == []


@pytest.mark.slow
async def test_a_1250x750_folder_gets_1250x750_frames_from_s3(
    noaa_emulator_factory: Factory, folder: Path, tmp_path: Path
) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    # The last hour from the CDN at 1250x750 (the CDN has that size) ...
    first = await fetch(emu, folder, tmp_path, start=HOUR, cdn_size=(1250, 750))
    assert {s.source for s in first.slots if s.status is SlotStatus.FETCHED} == {Source.CDN}
    # ... then the first hour from S3 with the settings' CDN size still 416x250: the folder's frames decide.
    second = await fetch(emu, folder, tmp_path, cdn_days=0.0, end=HOUR)
    from_s3 = [s for s in second.slots if s.status is SlotStatus.FETCHED]
    assert from_s3 and {s.source for s in from_s3} == {Source.S3}
    assert {decoded(s.path)[:2] for s in from_s3 if s.path} == {((1250, 750), "RGB")}
    assert second.look is not None and second.look.origin == "folder"


@pytest.mark.slow
async def test_a_grey_folder_gets_grey_frames_from_s3_only(
    noaa_emulator_factory: Factory, folder: Path, tmp_path: Path
) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    for minute in (1, 6):  # two grey frames written by an older version: L PNGs without a colour-table chunk
        gradient_image("L", (100, 60)).save(folder / canonical(emu, EMULATOR_START + timedelta(minutes=minute)))
    report = await fetch(emu, folder, tmp_path)  # every slot is inside the CDN window
    fetched = [s for s in report.slots if s.status is SlotStatus.FETCHED]
    assert len(fetched) == 22 and {s.source for s in fetched} == {Source.S3}
    assert {decoded(s.path)[:2] for s in fetched if s.path} == {((100, 60), "L")}
    assert report.look is not None and any("S3 only" in note and "gray_r" in note for note in report.look.notes)


@pytest.mark.slow
async def test_refusing_resampling_a_size_the_cdn_lacks_means_s3_only(
    noaa_emulator_factory: Factory, folder: Path, tmp_path: Path
) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    report = await fetch(emu, folder, tmp_path, end=HOUR, size=(500, 300), resample_cdn=False)
    fetched = [s for s in report.slots if s.status is SlotStatus.FETCHED]
    assert {s.source for s in fetched} == {Source.S3}
    assert {decoded(s.path)[:2] for s in fetched if s.path} == {((500, 300), "RGB")}
    assert report.look is not None and any("no 500x300" in note for note in report.look.notes)
    again = await fetch(emu, folder, tmp_path, start=HOUR, size=(500, 300))  # resampling allowed: CDN 625x375
    assert {s.source for s in again.slots if s.status is SlotStatus.FETCHED} == {Source.CDN}
    assert {decoded(folder / n)[:2] for n in frame_names(folder)} == {((500, 300), "RGB")}


@pytest.mark.slow
async def test_allow_mixed_keeps_each_sources_look(
    noaa_emulator_factory: Factory, folder: Path, tmp_path: Path
) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    await fetch(emu, folder, tmp_path, cdn_days=CUTOFF_DAYS, allow_mixed=True)
    assert {decoded(folder / n)[:2] for n in frame_names(folder)} == {(SMALL, "RGB"), ((100, 60), "L")}


@pytest.mark.slow
def test_s3_render_and_cdn_jpg_of_one_scene_agree(tmp_path: Path) -> None:
    """The same 2500x1500 scene: the product's ``star`` render of the NetCDF against the emulator's STAR-look
    JPG (quality 85) of the scene's temperatures. Differences: JPEG's and the 12-bit counts' rounding."""
    bt, _ = synthetic_scene((1500, 2500), seed=5)
    nc = write_abi_l1b(
        tmp_path / "a.nc", satellite=G18, sector=Sector.CONUS, band=13, start=EMULATOR_START, bt_kelvin=bt
    )
    render_png(nc, tmp_path / "a.png", colormap="star")
    ours = np.asarray(Image.open(tmp_path / "a.png")).astype(np.int16)
    cdn = np.asarray(Image.open(io.BytesIO(star_jpeg(bt)))).astype(np.int16)
    diff = np.abs(ours - cdn)
    assert diff.mean() < 0.5  # measured 0.18 levels
    assert np.percentile(diff, 99) <= 4  # measured 2


def _folder_with_mixed_sizes(emu: NoaaEmulator, folder: Path, count: int) -> list[str]:
    names = []
    rgb = gradient(250, 416, 3)
    rgb[:, :, 0] = np.arange(416, dtype=np.uint8)[None, :]
    for i in range(count):
        name = canonical(emu, EMULATOR_START + timedelta(minutes=1 + 5 * i))
        size = (2500, 1500) if i % 3 == 2 else (416, 250)  # two thirds set the look; every third is too big
        Image.fromarray(rgb).resize(size).save(folder / name)
        names.append(name)
    return names


@pytest.mark.slow
async def test_conform_fixes_a_mixed_folder(noaa_emulator_factory: Factory, folder: Path, tmp_path: Path) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    await fetch(emu, folder, tmp_path, end=HOUR)  # 12 star frames at 416x250
    big = canonical(emu, HOUR + timedelta(minutes=1))
    gradient_image("RGB", (2500, 1500)).save(folder / big)  # too large
    grey = canonical(emu, HOUR + timedelta(minutes=6))
    gradient_image("L", (100, 60)).save(folder / grey)  # another colour table: fetched again
    jpg = folder / f"{canonical(emu, HOUR + timedelta(minutes=11))[:-4]}.jpg"
    gradient_image("RGB", (2500, 1500)).save(jpg)  # a CDN-size JPG: becomes its canonical PNG
    async with manager_for(emu, folder, EMULATOR_END, tmp_path / "cache.sqlite", allow_mixed=False) as manager:
        scan = await manager.scan(folder, ArchiveQuery(G18, EMULATOR_START, EMULATOR_END), force_rescan=True)
        dry = await manager.conform(scan, folder, dry_run=True)
        assert {a.path.name: a.action for a in dry.actions} == {big: "rewrite", grey: "refetch", jpg.name: "rewrite"}
        assert decoded(folder / big)[0] == (2500, 1500) and jpg.exists()  # the dry run changed nothing
        originals = sorted((folder / n).read_bytes() for n in (big, grey, jpg.name))
        report = await manager.conform(scan, folder)
    assert len(report.done) == 3 and not report.failed
    assert not jpg.exists()
    names = frame_names(folder)
    assert {decoded(folder / n)[:2] for n in names} == {(SMALL, "RGB")}
    assert {decoded(folder / n)[2].get("goesvfi-colour-table") for n in names} == {"star"}
    assert [p for p in os.listdir(folder) if (folder / p).is_dir()] == [".goesvfi-quarantine"]
    kept = sorted(p.read_bytes() for p in (folder / ".goesvfi-quarantine").iterdir())
    assert kept == originals  # every rewritten frame kept, byte for byte
    assert not [p for p in leftovers(folder) if ".goesvfi-quarantine" not in p]


@pytest.mark.slow
def test_conform_killed_in_the_middle_loses_nothing(noaa_emulator_factory: Factory, tmp_path: Path) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    folder = tmp_path / "frames"
    folder.mkdir()
    names = _folder_with_mixed_sizes(emu, folder, 48)  # 4 hours, 16 frames to rewrite; nothing missing
    cmd = [
        sys.executable, "-m", "goesvfi.integrity_check", "fetch", str(folder), "--satellite", "goes18",
        "--start", "2023-05-01T00:00", "--end", "2023-05-01T04:00", "--no-cache", "--conform",
    ]  # fmt: skip
    env = os.environ | emu.env()
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, env=env, cwd=Path(__file__).parent.parent, text=True)
    assert proc.stderr is not None
    done_lines = 0
    for line in proc.stderr:  # kill right after the second frame is rewritten, while the third is written
        if line.startswith("conform") and line.rstrip().endswith("done"):
            done_lines += 1
            if done_lines == 2:
                break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    after = frame_names(folder)
    assert after == set(names)  # nothing lost
    sizes = [decoded(folder / n)[0] for n in names]  # every frame decodes whole: old or new, never partial
    assert set(sizes) <= {SMALL, (2500, 1500)} and (2500, 1500) in sizes and sizes.count(SMALL) >= 32 + 2
    done = subprocess.run([*cmd, "--json"], capture_output=True, env=env, cwd=Path(__file__).parent.parent, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["mismatched"] == []
    assert {decoded(folder / n)[0] for n in names} == {SMALL} and leftovers(folder) == []


async def test_fetched_frames_follow_the_umask(noaa_emulator_factory: Factory, folder: Path, tmp_path: Path) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    old = os.umask(0o027)
    try:
        await fetch(emu, folder, tmp_path, cdn_days=CUTOFF_DAYS)
    finally:
        os.umask(old)
    modes = {stat.S_IMODE((folder / n).stat().st_mode) for n in frame_names(folder)}
    assert modes == {0o640}


def test_scan_reports_mismatched_frames(
    noaa_emulator_factory: Factory, folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    names = _folder_with_mixed_sizes(emu, folder, 5)
    args = ["scan", str(folder), "--satellite", "goes18", "--start", "2023-05-01T00:00", "--end", "2023-05-01T00:30"]
    assert main([*args, "--no-cache", "--json", "--csv", str(tmp_path / "r.csv")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["look"] == {"width": 416, "height": 250, "mode": "RGB", "colour_table": "unknown", "origin": "folder"}
    assert out["mismatched"] == [names[2]]
    rows = (tmp_path / "r.csv").read_text().splitlines()
    looks = [r.rsplit(",", 1)[1] for r in rows[1:]]
    assert rows[0].endswith(",look") and looks == ["ok", "ok", "mismatch", "ok", "ok", ""]
    assert main([*args, "--no-cache"]) == 0
    captured = capsys.readouterr()
    assert "Look: 416x250 RGB unknown (from the folder)" in captured.out
    assert f"1 of 5 frames do not match the folder's look (416x250 RGB unknown): {names[2]} (" in captured.err


def test_cli_fetch_says_why_a_grey_folder_is_s3_only(
    noaa_emulator_factory: Factory, folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    for name, value in emu.env().items():
        monkeypatch.setenv(name, value)
    gradient_image("L", (100, 60)).save(folder / canonical(emu, EMULATOR_START + timedelta(minutes=1)))
    args = ["fetch", str(folder), "--satellite", "goes18", "--start", "2023-05-01T00:00", "--end", "2023-05-01T00:30"]
    assert main([*args, "--no-cache", "--now", "2023-05-01T02:00"]) == 0
    out = capsys.readouterr().out
    assert "Look of fetched frames: 100x60 L gray_r (from the folder)" in out
    assert "S3 only: the folder's look uses the gray_r colour table" in out
    assert main([*args, "--no-cache", "--look", "no_such_map"]) == 2
    assert main([*args, "--no-cache", "--size", "huge"]) == 2
    assert main([*args, "--no-cache", "--dry-run"]) == 2
    assert "--dry-run goes with --conform" in capsys.readouterr().err
