"""Delete this tool's own frames older than a cutoff (``watch --keep DAYS``), and nothing else.

A file is a candidate only when its name is a canonical name this tool writes
(:func:`time_index.parse_canonical`, e.g. ``goes19_conus_C13_20260501T000100Z.png``), it is a regular file
(not a symlink or folder), it belongs to the archive being kept (satellite, sector, band) and its scan time is
before the cutoff. Other files, other archives' frames, temp files and lock files are never touched.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from goesvfi.integrity_check.time_index import SatellitePattern, Sector, parse_canonical, to_utc


@dataclass(slots=True)
class PruneResult:
    """``deleted`` lists the removed files (with ``dry_run``: the files that would be removed)."""

    cutoff: datetime
    dry_run: bool
    deleted: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def prune_cutoff(now: datetime, keep: timedelta) -> datetime:
    """Frames whose scan time is before ``now - keep`` are pruned."""
    if keep <= timedelta(0):
        raise ValueError("the number of days to keep must be positive")
    return to_utc(now) - keep


def _candidates(
    directory: Path, cutoff: datetime, satellite: SatellitePattern, sector: Sector, band: int
) -> list[Path]:
    out: list[Path] = []
    stack = [directory]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
                continue
            if not entry.is_file(follow_symlinks=False):
                continue
            parsed = parse_canonical(entry.name)
            if parsed is None or parsed.timestamp >= cutoff:
                continue
            if parsed.satellite is satellite and parsed.sector is sector and parsed.band == band:
                out.append(Path(entry.path))
    out.sort(key=lambda p: p.name)
    return out


def prune_frames(
    directory: Path | str,
    cutoff: datetime,
    *,
    satellite: SatellitePattern,
    sector: Sector,
    band: int,
    dry_run: bool = False,
) -> PruneResult:
    """Delete (or with ``dry_run`` only list) the archive's canonical frames scanned before ``cutoff``.

    Walks ``directory`` recursively without following symlinks. Blocking: call it through
    :func:`prune_frames_async` from the event loop.
    """
    cutoff = to_utc(cutoff)
    result = PruneResult(cutoff=cutoff, dry_run=dry_run)
    for path in _candidates(Path(directory), cutoff, satellite, sector, band):
        if dry_run:
            result.deleted.append(path)
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue  # someone else removed it meanwhile
        except OSError as exc:
            result.errors.append(f"cannot delete {path}: {exc.strerror or exc}")
            continue
        result.deleted.append(path)
    return result


async def prune_frames_async(
    directory: Path | str,
    cutoff: datetime,
    *,
    satellite: SatellitePattern,
    sector: Sector,
    band: int,
    dry_run: bool = False,
) -> PruneResult:
    """:func:`prune_frames` off the event loop."""
    return await asyncio.to_thread(
        prune_frames, directory, cutoff, satellite=satellite, sector=sector, band=band, dry_run=dry_run
    )
