"""Pruning deletes only this tool's own frames of the kept archive, directly in its folder, and only when sure."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.folder import prune
from goesvfi.integrity_check.folder.prune import CycleEvidence, prune_cutoff, prune_frames, prune_frames_async
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

G19 = SatellitePattern.GOES_19
NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
KEEP = timedelta(days=2)
CUTOFF = datetime(2026, 5, 8, 12, 0, tzinfo=UTC)  # NOW - 2 days
OPTS = {"satellite": G19, "sector": Sector.CONUS, "band": 13}


def make(folder: Path, name: str, data: bytes = b"x") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def snapshot(root: Path) -> dict[str, tuple[int, bytes | str]]:
    """Every entry under ``root`` (symlinks not followed): its mode and bytes (or link target)."""
    out: dict[str, tuple[int, bytes | str]] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            info = path.lstat()
            body: bytes | str = os.readlink(path) if path.is_symlink() else b"" if path.is_dir() else path.read_bytes()
            out[str(path.relative_to(root))] = (info.st_mode, body)
    return out


@pytest.fixture
def archive(tmp_path: Path) -> dict[str, list[Path]]:
    folder = tmp_path / "frames"
    old = [
        make(folder, "goes19_conus_C13_20260501T000100Z.png"),
        make(folder, "goes19_conus_C13_20260508T115600Z.png"),  # 4 minutes before the cutoff
    ]
    recent = [make(folder, f"goes19_conus_C13_20260510T{h:02d}0100Z.png") for h in range(11)]  # 00:01 ... 10:01
    kept = [
        *recent,
        make(folder, "goes19_conus_C13_20260508T120000Z.png"),  # exactly at the cutoff: kept
        make(folder, "2026/05/goes19_conus_C13_20260502T000600Z.png"),  # in a subfolder: the user's
        make(folder, "curated/goes19_conus_C13_20260501T000100Z.png"),  # a user's copy
        # old, but not ours or not this archive
        make(folder, "goes18_conus_C13_20260501T000100Z.png"),  # other satellite
        make(folder, "goes19_fd_C13_20260501T000000Z.png"),  # other sector
        make(folder, "goes19_conus_C02_20260501T000100Z.png"),  # other band
        make(folder, "20261210001_GOES19-ABI-CONUS-13-2500x1500.jpg"),  # CDN name
        make(folder, "OR_ABI-L1b-RadC-M6C13_G19_s20261210001173_e20261210003546_c20261210004030.nc"),
        make(folder, "goes19_20260501T000100Z.png"),  # legacy name
        make(folder, "goes19_conus_C13_20260501T000100Z.png.part"),  # a temp name
        make(folder, "goes19_conus_C13_20260501T000100Z.PNG.bak"),
        make(folder, "notes.txt"),
        make(folder, ".goesvfi-integrity.lock"),
    ]
    outside = make(tmp_path / "outside", "goes19_conus_C13_20260501T000100Z.png")
    link = folder / "goes19_conus_C13_20260503T000100Z.png"  # an old frame's name, but a symlink
    os.symlink(outside, link)
    linked_dir = folder / "goes19_conus_C13_20260504T000100Z.png"  # a symlinked folder under a frame's name
    os.symlink(tmp_path / "outside", linked_dir)
    kept += [outside, link, linked_dir]
    return {"old": old, "kept": kept, "folder": [folder]}


def test_cutoff_is_now_minus_keep() -> None:
    assert prune_cutoff(NOW, KEEP) == CUTOFF
    assert prune_cutoff(NOW.replace(tzinfo=None), KEEP) == CUTOFF  # naive is UTC
    with pytest.raises(ValueError):
        prune_cutoff(NOW, timedelta(0))


def test_dry_run_lists_and_deletes_nothing(archive: dict[str, list[Path]]) -> None:
    folder = archive["folder"][0]
    before = snapshot(folder.parent)
    result = prune_frames(folder, NOW, KEEP, dry_run=True, **OPTS)  # type: ignore[arg-type]
    assert result.dry_run and result.refused is None
    assert sorted(result.deleted) == sorted(archive["old"])
    assert snapshot(folder.parent) == before


@pytest.mark.parametrize("by_fd", [True, False], ids=["descriptor", "path (Windows)"])
def test_prune_deletes_exactly_the_old_frames_directly_in_the_folder(
    archive: dict[str, list[Path]], by_fd: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prune, "_BY_FD", by_fd and prune._BY_FD)
    folder = archive["folder"][0]
    result = prune_frames(folder, NOW, KEEP, **OPTS)  # type: ignore[arg-type]
    assert sorted(result.deleted) == sorted(archive["old"])
    assert result.errors == [] and result.refused is None
    assert not any(p.exists() for p in archive["old"])
    assert all(p.exists() or p.is_symlink() for p in archive["kept"])
    assert (folder / "goes19_conus_C13_20260503T000100Z.png").is_symlink()
    assert (folder.parent / "outside" / "goes19_conus_C13_20260501T000100Z.png").read_bytes() == b"x"
    # a second run finds nothing more
    assert prune_frames(folder, NOW, KEEP, **OPTS).deleted == []  # type: ignore[arg-type]


async def test_async_prune(archive: dict[str, list[Path]]) -> None:
    result = await prune_frames_async(archive["folder"][0], NOW, KEEP, **OPTS)  # type: ignore[arg-type]
    assert len(result.deleted) == 2


def test_missing_folder_is_not_an_error(tmp_path: Path) -> None:
    result = prune_frames(tmp_path / "nope", NOW, KEEP, **OPTS)  # type: ignore[arg-type]
    assert result.deleted == [] and result.errors == [] and result.refused is None


@pytest.mark.parametrize(
    ("now", "evidence", "max_share", "why"),
    [
        # every fetch of the cycle failed (3 of 3): time cannot be trusted
        (NOW, CycleEvidence(attempted=3, fetched=0), 0.25, "every fetch of this cycle failed (3)"),
        # ten years ahead of the folder's newest frame (2026-05-10T10:01Z), NOAA's listing unknown
        (NOW.replace(year=2036), CycleEvidence(), 0.25,
         "ahead of the newest frame in the folder (2026-05-10T10:01:00Z)"),
        # NOAA's newest listed frame is what counts when known
        (NOW, CycleEvidence(attempted=1, fetched=1, newest_listed=datetime(2026, 5, 7, tzinfo=UTC)), 0.25,
         "ahead of the newest frame NOAA lists (2026-05-07T00:00:00Z), more than the keep window (2d)"),
        # 2 of the folder's 14 frames (14 %) is more than a 10 % share
        (NOW, CycleEvidence(), 0.10, "it would delete 2 of the folder's 14 frames, more than --prune-max-share (10%)"),
    ],
)  # fmt: skip
def test_prune_refuses_when_unsure_of_time(
    archive: dict[str, list[Path]], now: datetime, evidence: CycleEvidence, max_share: float, why: str
) -> None:
    folder = archive["folder"][0]
    before = snapshot(folder.parent)
    for dry_run in (True, False):  # a dry run reaches the same decision
        result = prune_frames(folder, now, KEEP, evidence=evidence, max_share=max_share, dry_run=dry_run, **OPTS)  # type: ignore[arg-type]
        assert result.deleted == [] and result.refused is not None
        assert why in result.refused
        assert "\n" not in result.refused
    assert snapshot(folder.parent) == before


def test_a_trusted_cycle_prunes(archive: dict[str, list[Path]]) -> None:
    """Fetches that succeeded and a newest listed frame near the clock: pruning goes ahead."""
    evidence = CycleEvidence(attempted=2, fetched=1, newest_listed=datetime(2026, 5, 10, 11, 36, tzinfo=UTC))
    result = prune_frames(archive["folder"][0], NOW, KEEP, evidence=evidence, **OPTS)  # type: ignore[arg-type]
    assert result.refused is None and sorted(result.deleted) == sorted(archive["old"])
