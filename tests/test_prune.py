"""Pruning deletes only this tool's own frames of the kept archive older than the cutoff."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.folder.prune import prune_cutoff, prune_frames, prune_frames_async
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

G19 = SatellitePattern.GOES_19
NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
CUTOFF = datetime(2026, 5, 8, 12, 0, tzinfo=UTC)  # NOW - 2 days


def make(folder: Path, name: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


@pytest.fixture
def archive(tmp_path: Path) -> dict[str, list[Path]]:
    old = [
        make(tmp_path, "goes19_conus_C13_20260501T000100Z.png"),
        make(tmp_path, "goes19_conus_C13_20260508T115600Z.png"),  # 4 minutes before the cutoff
        make(tmp_path, "2026/05/goes19_conus_C13_20260502T000600Z.png"),  # in a subfolder
    ]
    kept = [
        make(tmp_path, "goes19_conus_C13_20260508T120000Z.png"),  # exactly at the cutoff: kept
        make(tmp_path, "goes19_conus_C13_20260510T110100Z.png"),
        # old, but not ours or not this archive
        make(tmp_path, "goes18_conus_C13_20260501T000100Z.png"),  # other satellite
        make(tmp_path, "goes19_fd_C13_20260501T000000Z.png"),  # other sector
        make(tmp_path, "goes19_conus_C02_20260501T000100Z.png"),  # other band
        make(tmp_path, "20261210001_GOES19-ABI-CONUS-13-2500x1500.jpg"),  # CDN name
        make(tmp_path, "OR_ABI-L1b-RadC-M6C13_G19_s20261210001173_e20261210003546_c20261210004030.nc"),
        make(tmp_path, "goes19_20260501T000100Z.png"),  # legacy name
        make(tmp_path, "goes19_conus_C13_20260501T000100Z.png.part"),  # a temp name
        make(tmp_path, "goes19_conus_C13_20260501T000100Z.PNG.bak"),
        make(tmp_path, "notes.txt"),
        make(tmp_path, ".goesvfi-integrity.lock"),
    ]
    outside = make(tmp_path.parent / f"{tmp_path.name}-outside", "goes19_conus_C13_20260501T000100Z.png")
    link = tmp_path / "goes19_conus_C13_20260503T000100Z.png"
    os.symlink(outside, link)
    kept += [outside, link]
    return {"old": old, "kept": kept}


def test_cutoff_is_now_minus_keep() -> None:
    assert prune_cutoff(NOW, timedelta(days=2)) == CUTOFF
    assert prune_cutoff(NOW.replace(tzinfo=None), timedelta(days=2)) == CUTOFF  # naive is UTC
    with pytest.raises(ValueError):
        prune_cutoff(NOW, timedelta(0))


def test_dry_run_lists_and_deletes_nothing(tmp_path: Path, archive: dict[str, list[Path]]) -> None:
    result = prune_frames(tmp_path, CUTOFF, satellite=G19, sector=Sector.CONUS, band=13, dry_run=True)
    assert result.dry_run
    assert sorted(result.deleted) == sorted(archive["old"])
    assert all(p.exists() for p in archive["old"] + archive["kept"])


def test_prune_deletes_exactly_the_old_frames(tmp_path: Path, archive: dict[str, list[Path]]) -> None:
    result = prune_frames(tmp_path, CUTOFF, satellite=G19, sector=Sector.CONUS, band=13)
    assert sorted(result.deleted) == sorted(archive["old"])
    assert result.errors == []
    assert not any(p.exists() for p in archive["old"])
    assert all(p.exists() or p.is_symlink() for p in archive["kept"])
    # a second run finds nothing more
    again = prune_frames(tmp_path, CUTOFF, satellite=G19, sector=Sector.CONUS, band=13)
    assert again.deleted == []


async def test_async_prune(tmp_path: Path, archive: dict[str, list[Path]]) -> None:
    result = await prune_frames_async(tmp_path, CUTOFF, satellite=G19, sector=Sector.CONUS, band=13)
    assert len(result.deleted) == 3


def test_missing_folder_is_not_an_error(tmp_path: Path) -> None:
    result = prune_frames(tmp_path / "nope", CUTOFF, satellite=G19, sector=Sector.CONUS, band=13)
    assert result.deleted == [] and result.errors == []
