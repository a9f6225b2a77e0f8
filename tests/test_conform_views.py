"""``fetch --conform`` of a GOES-East folder (one look over both satellites' frames, each frame fetched again from its
own satellite) and of every product of an archive file; against an emulator that crosses the GOES-16 -> GOES-19
change (its request logs say what was asked of which satellite). Frames judged by decoding them with Pillow."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from goesvfi.integrity_check.cli.main import main
from goesvfi.integrity_check.emulator.view import EAST_DATA, ViewEmulator
from tests.fetch_support import frame_names, leftovers
from tests.scan_support import gradient_image

HANDOVER = datetime(2025, 4, 7, 15, tzinfo=UTC)  # DOMAIN.md: GOES-19 East from ~15:00 UTC on 2025-04-07
START, END = HANDOVER - timedelta(hours=1), HANDOVER + timedelta(hours=1)
SLOTS = [START + timedelta(minutes=m) for m in range(1, 120, 5)]  # CONUS 14:01 .. 15:56
SMALL = (416, 250)
STAR_LOOK = (SMALL, "RGB", "star")


@pytest.fixture
def east() -> Iterator[ViewEmulator]:
    with ViewEmulator(EAST_DATA, start=START, end=END, now=END, nc_shape=(60, 100), missing_fraction=0.0) as emu:
        yield emu


def _env(emu: ViewEmulator) -> list[str]:
    return ["--cdn-url", emu.cdn.url, "--s3-endpoint", emu.s3.endpoint, "--now", END.isoformat(), "--no-cache",
            "--start", START.isoformat(), "--end", END.isoformat(), "--cdn-days", "0"]  # fmt: skip


def _name(satellite: str, when: datetime) -> str:
    return f"{satellite}_conus_C13_{when:%Y%m%dT%H%M}00Z.png"


def _look(path: Path) -> tuple[tuple[int, int], str, str | None]:
    with Image.open(path) as im:
        im.load()  # every pixel decodes: no partial frame
        return im.size, im.mode, dict(getattr(im, "text", {})).get("goesvfi-colour-table")


def _grey(path: Path) -> None:
    """A whole grey frame tagged as this tool's ``gray_r`` (another colour table than the folder's STAR look)."""
    info = PngInfo()
    info.add_text("goesvfi-colour-table", "gray_r")
    gradient_image("L", SMALL).save(path, pnginfo=info)


def _downloads(emu: ViewEmulator) -> dict[str, Counter[str]]:
    """bucket -> how often each scan start (``YYYYDDDHHMM``) was downloaded as a NetCDF object so far."""
    out: dict[str, Counter[str]] = {"noaa-goes16": Counter(), "noaa-goes19": Counter()}
    for (method, path, _query), n in emu.s3.requests.items():
        bucket, _, key = path.strip("/").partition("/")
        if method == "GET" and key.endswith(".nc"):
            out[bucket][key.split("_s", 1)[1][:11]] += n
    return out


@pytest.mark.slow
def test_conform_east_gives_both_satellites_frames_one_look(
    east: ViewEmulator, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["fetch", str(folder), "--satellite", "east", *_env(east)]
    assert main([*argv, "--size", "416x250"]) == 0
    names = {_name("goes16", t) for t in SLOTS if t < HANDOVER} | {_name("goes19", t) for t in SLOTS if t >= HANDOVER}
    assert frame_names(folder) == names
    # 8 of GOES-16's 12 frames in grey: GOES-16's own frames are mostly grey, but the folder (24 frames) is STAR's
    greyed = [_name("goes16", t) for t in SLOTS[:8]]
    for name in greyed:
        _grey(folder / name)
    big = _name("goes19", SLOTS[20])
    gradient_image("RGB", (2500, 1500)).save(folder / big)  # a GOES-19 frame of another size: rewritten here
    before = _downloads(east)
    capsys.readouterr()

    assert main([*argv, "--conform", "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert all(f"{name}: 416x250 L gray_r -> refetch" in dry for name in greyed), dry
    assert f"{big}: 2500x1500 RGB unknown -> rewrite" in dry
    assert dry.count("-> refetch") == 8 and dry.count("-> rewrite") == 1  # GOES-16's star frames stay as they are

    assert main([*argv, "--conform"]) == 0
    assert frame_names(folder) == names  # each frame keeps its satellite's name
    assert {_look(folder / n) for n in names} == {STAR_LOOK}
    after = _downloads(east)
    again = after["noaa-goes16"] - before["noaa-goes16"]
    assert sorted(again.elements()) == [f"{t:%Y%j%H%M}" for t in SLOTS[:8]]  # again from GOES-16, their own
    assert after["noaa-goes19"] == before["noaa-goes19"]  # nothing asked of GOES-19 for GOES-16's slots
    assert len(list((folder / ".goesvfi-quarantine").iterdir())) == 9  # every original kept
    assert not [p for p in leftovers(folder) if ".goesvfi-quarantine" not in p]


@pytest.mark.slow
def test_conform_with_an_archive_file_conforms_every_product_s_folder(
    east: ViewEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "goesvfi-archive.toml"
    archive.write_text(
        '[[product]]\nsatellite = "east"\nsector = "conus"\nband = 13\nfolder = "east"\n\n'
        '[[product]]\nsatellite = "goes16"\nsector = "conus"\nband = 13\nfolder = "g16"\n'
    )
    argv = ["fetch", "--archive", str(archive), *_env(east)]
    assert main([*argv, "--size", "416x250"]) == 0
    east_dir, g16_dir = tmp_path / "east", tmp_path / "g16"
    assert len(frame_names(east_dir)) == len(frame_names(g16_dir)) == 24
    _grey(east_dir / _name("goes19", SLOTS[15]))  # another table: fetched again from GOES-19
    _grey(g16_dir / _name("goes16", SLOTS[20]))  # GOES-16 after the handover: a goes16 product's own frame
    gradient_image("RGB", (2500, 1500)).save(g16_dir / _name("goes16", SLOTS[2]))
    capsys.readouterr()

    assert main([*argv, "--conform"]) == 0
    out = capsys.readouterr().out
    assert "2 products, 2 complete, 0 with frames missing, 0 failed (exit 0)" in out
    for product in (east_dir, g16_dir):
        assert len(frame_names(product)) == 24
        assert {_look(product / n) for n in frame_names(product)} == {STAR_LOOK}
    assert len(list((east_dir / ".goesvfi-quarantine").iterdir())) == 1
    assert len(list((g16_dir / ".goesvfi-quarantine").iterdir())) == 2
