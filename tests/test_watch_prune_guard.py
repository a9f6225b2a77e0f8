"""The attack of issue 20 item 2: ``watch --keep 2d --now 2033-05-01`` (a typo for 2023) against the emulator.

Before: every one of the 36 frames was deleted in one cycle, the copies in the user's ``curated/`` subfolder
too, although every fetch of the cycle had failed. Now the cycle says why it does not prune and nothing in the
folder changes, byte for byte, mode included; ``--dry-run`` shows the same decision.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.cli.main import main
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.time_index import SatellitePattern, parse_canonical

G18 = SatellitePattern.GOES_18
DAY = datetime(2023, 5, 1, tzinfo=UTC)


def snapshot(root: Path) -> dict[str, tuple[int, bytes | str]]:
    """Every entry under ``root`` (symlinks not followed): its mode and bytes (or link target).

    The tool's own lock files (``.goesvfi-integrity*.lock``, created by the first run) are left out.
    """
    out: dict[str, tuple[int, bytes | str]] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            if name.startswith(".goesvfi-integrity") and name.endswith(".lock"):
                continue
            path = Path(folder) / name
            mode = path.lstat().st_mode
            body: bytes | str = os.readlink(path) if path.is_symlink() else b"" if path.is_dir() else path.read_bytes()
            out[str(path.relative_to(root))] = (mode, body)
    return out


@pytest.fixture
def filled(noaa_env_factory: Callable[..., NoaaEmulator], tmp_path: Path) -> tuple[NoaaEmulator, Path]:
    """36 real frames of 2023-05-01 00:00-03:00 fetched from the emulator, 5 copied into ``curated/``."""
    emulator = noaa_env_factory(
        satellite=G18, start=DAY, end=DAY + timedelta(hours=3), now=DAY + timedelta(hours=3), missing_fraction=0.0
    )
    folder = tmp_path / "goes18"
    folder.mkdir()
    args = ["fetch", str(folder), "--satellite", "goes18", "--start", "2023-05-01T00:00", "--end", "2023-05-01T03:00",
            "--cache-dir", str(tmp_path / "cache"), "--now", "2023-05-01T03:00"]  # fmt: skip
    assert main(args) == 0
    names = sorted(n for n in os.listdir(folder) if parse_canonical(n))
    assert len(names) == 36  # 3 hours of 5-minute CONUS scans
    (folder / "curated").mkdir()
    for name in names[::8]:
        shutil.copy2(folder / name, folder / "curated" / name)
    return emulator, folder


def watch(folder: Path, tmp_path: Path, *extra: str) -> list[str]:
    return ["watch", str(folder), "--satellite", "goes18", "--window", "24h", "--keep", "2d", "--once",
            "--cache-dir", str(tmp_path / "cache"), *extra]  # fmt: skip


@pytest.mark.slow
def test_a_clock_ten_years_ahead_prunes_nothing(
    filled: tuple[NoaaEmulator, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _emulator, folder = filled
    capsys.readouterr()
    before = snapshot(folder)
    for dry_run in (["--dry-run"], []):  # the dry run shows the same decision
        main(watch(folder, tmp_path, "--now", "2033-05-01", *dry_run))
        out = capsys.readouterr().out
        refusals = [line for line in out.splitlines() if "not pruning" in line]
        assert len(refusals) == 1, out
        # NOAA has nothing in 2033: every fetch fails (the clock rule, tested in test_prune.py, would refuse too)
        assert "every fetch of this cycle failed" in refusals[0]
        assert "would delete" not in out and "deleted" not in out
        assert snapshot(folder) == before
