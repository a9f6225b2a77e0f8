"""Fetch replaces damaged frames and loses nothing: the damaged file is kept in ``.goesvfi-quarantine/`` (byte
for byte), or stays where it was when no source has the slot; a kill -9 at any moment of a replacement leaves
the old file or the new one in place and the old one somewhere in the folder. Stray files never decide what a
fetch writes. Against the emulator (aiohttp CDN, moto S3, real NetCDF); frames judged by decoding them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from goesvfi.integrity_check.cli.main import main
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.results import SlotStatus
from goesvfi.integrity_check.time_index import SatellitePattern
from tests.emulator_fixtures import EMULATOR_START
from tests.fetch_support import canonical, manager_for
from tests.scan_support import gradient

Factory = Callable[..., NoaaEmulator]
G18 = SatellitePattern.GOES_18
HOUR = EMULATOR_START + timedelta(hours=1)
QUARANTINE = ".goesvfi-quarantine"


def decodes(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        image.load()
        return image.size


def kept(folder: Path) -> dict[str, bytes]:
    q = folder / QUARANTINE
    return {p.name: p.read_bytes() for p in q.iterdir()} if q.is_dir() else {}


@pytest.mark.slow
async def test_a_damaged_frame_is_fetched_again_and_kept_aside(
    noaa_emulator_factory: Factory, folder: Path, tmp_path: Path
) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    slots = [EMULATOR_START + timedelta(minutes=1 + 5 * i) for i in range(12)]
    for s in slots[2:]:  # whole frames in the folder's look (the CDN's 416x250 here)
        Image.fromarray(gradient(250, 416, 3, s.minute)).save(folder / canonical(emu, s))
    whole = (folder / canonical(emu, slots[3])).read_bytes()
    cut = whole[: len(whole) // 2]
    (folder / canonical(emu, slots[3])).write_bytes(cut)  # cut short: a crashed copy
    cdn_name = f"{slots[4]:%Y%j%H%M}_GOES18-ABI-CONUS-13-416x250.jpg"  # a damaged CDN JPG covering slot 4
    (folder / canonical(emu, slots[4])).unlink()
    (folder / cdn_name).write_bytes(b"\xff\xd8\xff\xe0 half a jpeg")
    async with manager_for(emu, folder, HOUR + timedelta(hours=1), tmp_path / "c.sqlite3") as manager:
        report = await manager.reconcile_detailed(folder, ArchiveQuery(G18, EMULATOR_START, HOUR))
    assert set(report.scan.damaged) == {slots[3], slots[4]}
    by_slot = {s.timestamp: s for s in report.slots}
    assert all(by_slot[s].status is SlotStatus.FETCHED for s in (slots[0], slots[1], slots[3], slots[4]))
    assert decodes(folder / canonical(emu, slots[3])) == (416, 250)
    assert decodes(folder / canonical(emu, slots[4])) == (416, 250)
    assert not (folder / cdn_name).exists()
    aside = kept(folder)
    assert sorted(aside.values()) == sorted([cut, b"\xff\xd8\xff\xe0 half a jpeg"])  # byte for byte
    stem3 = canonical(emu, slots[3])[: -len(".png")]
    assert any(n.startswith(stem3 + ".kept-") and n.endswith(".png") for n in aside)


@pytest.mark.slow
async def test_no_source_leaves_the_damaged_file_where_it_was(
    noaa_emulator_factory: Factory, folder: Path, tmp_path: Path
) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.25, seed=5)
    target = sorted(emu.missing_everywhere)[0]  # on neither the CDN nor S3
    (folder / canonical(emu, target)).write_bytes(b"")
    async with manager_for(emu, folder, EMULATOR_START + timedelta(hours=3), tmp_path / "c.sqlite3") as manager:
        report = await manager.reconcile_detailed(
            folder, ArchiveQuery(G18, target - timedelta(minutes=1), target + timedelta(minutes=4))
        )
    slot = {s.timestamp: s for s in report.slots}[target]
    assert slot.status in (SlotStatus.FAILED, SlotStatus.UNAVAILABLE)
    assert "stays in place" in (slot.error or "")
    assert (folder / canonical(emu, target)).read_bytes() == b"" and kept(folder) == {}


CHILD = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from goesvfi.integrity_check.folder.atomic import write_atomic
    from goesvfi.integrity_check.folder.quarantine import keep_copy
    folder = Path(sys.argv[1])
    print("ready", flush=True)
    for k in range(100000):
        final = folder / f"frame{k:06d}.png"
        write_atomic(final, lambda fh: fh.write(b"old %d" % k))
        keep_copy(final, folder)
        write_atomic(final, lambda fh: fh.write(b"new %d" % k))
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.05, 0.13, 0.31, 0.52])
def test_a_kill_during_a_replacement_loses_nothing(tmp_path: Path, delay: float) -> None:
    folder = tmp_path / f"kill{delay}"
    folder.mkdir()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(folder)], stdout=subprocess.PIPE)
    assert child.stdout is not None and child.stdout.readline().strip() == b"ready"
    time.sleep(delay)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    frames = sorted(p for p in folder.iterdir() if p.name.startswith("frame"))
    kept_bytes = set(kept(folder).values())
    assert frames
    for path in frames:
        k = int(path.name[5:11])
        content = path.read_bytes()
        assert content in (b"old %d" % k, b"new %d" % k)  # the old file or the new one, whole
        if content.startswith(b"new"):
            assert b"old %d" % k in kept_bytes  # and the old one kept in the folder


@pytest.mark.slow
@pytest.mark.usefixtures("cache_beside_folder")
def test_a_stray_chart_does_not_decide_what_a_fetch_writes(
    noaa_env_factory: Factory, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    noaa_env_factory(missing_fraction=0.0)
    for i in range(12):
        Image.fromarray(gradient(300, 400, 3, i)).save(folder / f"IMG_{i:04d}.png")
    chart = folder / "chart_20230501_001000.png"
    Image.fromarray(gradient(100, 100)).save(chart)
    before = chart.read_bytes(), chart.stat().st_mode
    code = main(
        ["fetch", str(folder), "--satellite", "goes18", "--start", "2023-05-01T00:00", "--end", "2023-05-01T00:30",
         "--now", "2023-05-01T02:00", "--json"]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    result = json.loads(out)
    assert result["look"] == {"width": 2500, "height": 1500, "mode": "RGB", "colour_table": "star"}
    assert result["fetched"] == 6
    written = sorted(folder.glob("goes18_conus_C13_*.png"))
    assert len(written) == 6 and {decodes(p) for p in written} == {(2500, 1500)}
    assert (chart.read_bytes(), chart.stat().st_mode) == before
    code = main(["scan", str(folder), "--satellite", "goes18", "--start", "2023-05-01T00:00", "--end",
                 "2023-05-01T00:30"])  # fmt: skip
    out, _ = capsys.readouterr()
    assert "Not frames" not in out  # each slot now has a real frame: the chart covers nothing


@pytest.mark.slow
@pytest.mark.usefixtures("cache_beside_folder")
def test_the_fetch_names_what_it_replaced(
    noaa_env_factory: Factory, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emu = noaa_env_factory(missing_fraction=0.0)
    damaged = folder / canonical(emu, EMULATOR_START + timedelta(minutes=6))
    damaged.write_bytes(b"\x89PNG\r\n\x1a\n")  # a signature and nothing else
    common = [str(folder), "--satellite", "goes18", "--start", "2023-05-01T00:00", "--end", "2023-05-01T00:15",
              "--now", "2023-05-01T02:00"]  # fmt: skip
    assert main(["fetch", *common, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    reason = "no PNG header (IHDR) after the signature"
    assert result["damaged"] == [
        {"timestamp": "2023-05-01T00:06:00Z", "file": damaged.name, "reason": reason, "replaced": True}
    ]
    assert decodes(damaged) == (2500, 1500)
    assert list(kept(folder).values()) == [b"\x89PNG\r\n\x1a\n"]


@pytest.mark.slow
async def test_a_fetch_across_the_cutoff_names_the_seam_and_seamless_has_none(
    noaa_emulator_factory: Factory, folder: Path, tmp_path: Path
) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    now = EMULATOR_START + timedelta(hours=2)
    query = ArchiveQuery(G18, EMULATOR_START, HOUR)
    async with manager_for(emu, folder, now, tmp_path / "c.sqlite3", allow_mixed=False, cdn_days=1.75 / 24) as m:
        mixed = await m.reconcile_detailed(folder, query)
    sources = [s.source.value for s in mixed.slots if s.status is SlotStatus.FETCHED and s.source]
    assert "s3" in sources and "cdn" in sources
    first_cdn = next(s.timestamp for s in mixed.slots if s.source is not None and s.source.value == "cdn")
    assert mixed.look is not None
    assert f"{sources.count('s3')} frames from S3 lack the CDN's borders and banner: a seam at " \
        f"{first_cdn:%Y-%m-%d %H:%M} UTC" in " ".join(mixed.look.notes)  # fmt: skip
    other = tmp_path / "seamless"
    other.mkdir()
    async with manager_for(emu, other, now, tmp_path / "d.sqlite3", allow_mixed=False, cdn_days=1.75 / 24,
                           look="seamless") as m:  # fmt: skip
        plain = await m.reconcile_detailed(other, query)
    assert {s.source.value for s in plain.slots if s.status is SlotStatus.FETCHED and s.source} == {"s3"}
    assert plain.look is not None and not any("seam at" in n for n in plain.look.notes)
    assert any("seamless" in n for n in plain.look.notes)
