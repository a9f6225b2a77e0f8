"""``watch east``: every cycle treats each slot as belonging to the satellite operational then (DOMAIN.md: GOES-16
East until about 15:00 UTC on 2025-04-07, GOES-19 since), one folder, one look; against an emulator that crosses the
GOES-16 -> GOES-19 change (its request logs say which satellite was asked for what)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from goesvfi.integrity_check.cli.main import main
from goesvfi.integrity_check.emulator.view import EAST_DATA, ViewEmulator
from goesvfi.integrity_check.folder.prune import prune_frames
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.fetch_support import frame_names, leftovers
from tests.names_support import png_name
from tests.scan_support import write_frame

G16, G18, G19 = SatellitePattern.GOES_16, SatellitePattern.GOES_18, SatellitePattern.GOES_19
HANDOVER = datetime(2025, 4, 7, 15, tzinfo=UTC)
START, END = HANDOVER - timedelta(hours=1), HANDOVER + timedelta(hours=1)
SLOTS = [START + timedelta(minutes=m) for m in range(1, 120, 5)]  # CONUS: 14:01 .. 15:56, 24 slots


@pytest.fixture
def east() -> Iterator[ViewEmulator]:
    with ViewEmulator(EAST_DATA, start=START, end=END, now=END, nc_shape=(60, 100), missing_fraction=0.0) as emu:
        yield emu


def _downloads(emu: ViewEmulator) -> dict[str, list[str]]:
    """bucket -> the scan starts (``YYYYDDDHHMM``) of the NetCDF objects the client downloaded."""
    out: dict[str, list[str]] = {"noaa-goes16": [], "noaa-goes19": []}
    for (method, path, _query), _n in emu.s3.requests.items():
        bucket, _, key = path.strip("/").partition("/")
        if method == "GET" and key.endswith(".nc"):
            out[bucket].append(key.split("_s", 1)[1][:11])
    return out


def _jpgs(emu: ViewEmulator) -> list[str]:
    return [path.rsplit("/", 1)[1] for path in emu.cdn.requests if path.endswith(".jpg")]


def _look(path: Path) -> tuple[tuple[int, int], str, str | None]:
    with Image.open(path) as im:
        im.load()
        return im.size, im.mode, dict(getattr(im, "text", {})).get("goesvfi-colour-table")


@pytest.mark.slow
def test_watch_east_once_across_the_handover_fetches_each_slot_from_its_own_satellite(
    east: ViewEmulator, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = ["--cdn-url", east.cdn.url, "--s3-endpoint", east.s3.endpoint, "--now", END.isoformat(), "--no-cache"]
    argv = ["watch", str(folder), "--satellite", "east", "--window", "2h", "--latency", "0", "--once"]
    code = main([*argv, *env, "--cdn-days", str(0.5 / 24)])  # the CDN holds the last half hour
    out = capsys.readouterr().out
    assert code == 0, out
    assert "GOES-East (GOES-16, GOES-19)" in out  # the header names both satellites of the view
    assert "expected 24 present 0 fetched 24 failed 0" in out
    before = [t for t in SLOTS if t < HANDOVER]
    expected = {f"goes16_conus_C13_{t:%Y%m%dT%H%M}00Z.png" for t in before}
    expected |= {f"goes19_conus_C13_{t:%Y%m%dT%H%M}00Z.png" for t in SLOTS if t >= HANDOVER}
    assert frame_names(folder) == expected  # 12 GOES-16 frames, then 12 GOES-19 frames, real names kept
    assert len({_look(folder / name) for name in expected}) == 1  # one look over both satellites
    # nothing asked of a satellite outside its era (GOES-19's bucket holds pre-operational data before 15:00)
    downloads = _downloads(east)
    assert sorted(downloads["noaa-goes16"]) == [f"{t:%Y%j%H%M}" for t in before]
    assert downloads["noaa-goes19"] and min(downloads["noaa-goes19"]) >= "20250971501"
    jpgs = _jpgs(east)
    assert jpgs and all("_GOES19-" in name and name[:11] >= "20250971530" for name in jpgs)
    assert leftovers(folder) == []

    # status judges the window as the watcher kept it: both satellites' frames, one record named by the view
    assert (folder / ".goesvfi-integrity-watch-east-conus-13.json").is_file()
    status = ["status", str(folder), "--satellite", "east", "--window", "2h", "--latency", "0", "--stale", "1h"]
    assert main([*status, "--now", END.isoformat(), "--no-cache"]) == 0
    line = capsys.readouterr().out
    assert "GOES-East CONUS band 13" in line and "100.0% (24/24)" in line, line

    # a second cycle finds the whole window present: nothing is fetched again from either satellite
    asked = sum(east.s3.requests.values())
    assert main([*argv, *env, "--cdn-days", "0"]) == 0
    assert "expected 24 present 24 fetched 0 failed 0" in capsys.readouterr().out
    assert _downloads(east)["noaa-goes16"] == downloads["noaa-goes16"]
    assert sum(east.s3.requests.values()) >= asked


@pytest.mark.slow
def test_watch_of_an_archive_file_s_east_product_follows_the_handover(
    east: ViewEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "goesvfi-archive.toml"
    archive.write_text('[[product]]\nsatellite = "east"\nsector = "conus"\nband = 13\nfolder = "east"\nwindow = "2h"\n')
    env = ["--cdn-url", east.cdn.url, "--s3-endpoint", east.s3.endpoint, "--now", END.isoformat(), "--no-cache"]
    code = main(["watch", "--archive", str(archive), "--latency", "0", "--once", "--cdn-days", "0", *env])
    out = capsys.readouterr().out
    assert code == 0, out
    names = frame_names(tmp_path / "east")
    assert len([n for n in names if n.startswith("goes16_conus_C13_20250407T14")]) == 12
    assert len([n for n in names if n.startswith("goes19_conus_C13_20250407T15")]) == 12
    assert len(names) == 24
    assert min(_downloads(east)["noaa-goes19"]) >= "20250971501"


def test_pruning_a_view_s_folder_deletes_both_satellites_old_frames_and_no_others(tmp_path: Path) -> None:
    now = datetime(2025, 4, 9, 12, tzinfo=UTC)
    old, recent = HANDOVER - timedelta(hours=30), now - timedelta(hours=1)
    frames = [(G16, old), (G19, old + timedelta(minutes=5)), (G16, recent), (G19, recent), (G18, old)]
    frames += [(G19, recent - timedelta(minutes=5 * i)) for i in range(1, 10)]  # a folder mostly kept
    for satellite, when in frames:
        write_frame(tmp_path / png_name(satellite, Sector.CONUS, 13, when))
    result = prune_frames(
        tmp_path, now, timedelta(days=1), satellite=(G16, G19), sector=Sector.CONUS, band=13, max_share=0.5
    )
    assert result.refused is None
    assert sorted(p.name for p in result.deleted) == [
        png_name(G16, Sector.CONUS, 13, old),
        png_name(G19, Sector.CONUS, 13, old + timedelta(minutes=5)),
    ]
    assert png_name(G18, Sector.CONUS, 13, old) in frame_names(tmp_path)  # another archive's frame stays
