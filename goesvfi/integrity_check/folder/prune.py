"""Delete this tool's own frames older than a cutoff (``watch --keep AGE``), and nothing else, and only when sure.

A file is a candidate only when its name is a canonical name this tool writes
(:func:`time_index.parse_canonical`, e.g. ``goes19_conus_C13_20260501T000100Z.png``), it lies directly in the
folder the tool writes (never in a subfolder: a user's ``curated/`` copies are theirs), it is a regular file (a
symlink is neither deleted nor followed), it belongs to the archive being kept (satellite, sector, band; for
GOES-East/West each satellite of the view) and its scan time is before the cutoff. Other files, other archives'
frames, temp files and lock files are never touched.

Pruning refuses, with one line saying why, when it cannot be sure of time (:func:`prune_refusal`): every fetch of
the cycle failed, the clock is ahead of the newest frame NOAA lists (or, when that is unknown, of the newest
frame in the folder) by more than the keep window, or it would delete more than ``max_share`` of the folder's
frames at once. A dry run reaches the same decision.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from goesvfi.integrity_check.time_index import SatellitePattern, Sector, iso_z, parse_canonical, to_utc
from goesvfi.integrity_check.units import format_duration

DEFAULT_MAX_SHARE = 0.25
"""At most this share of the folder's frames of the archive is deleted in one cycle (``--prune-max-share``)."""


@dataclass(frozen=True, slots=True)
class CycleEvidence:
    """What the cycle that precedes a prune learned about time and NOAA.

    ``attempted``/``fetched``: slots the cycle tried to download and how many arrived. ``newest_listed``: the
    newest scan time NOAA was seen to have (a frame fetched in the cycle); None when unknown.
    """

    attempted: int = 0
    fetched: int = 0
    newest_listed: datetime | None = None


@dataclass(slots=True)
class PruneResult:
    """``deleted`` lists the removed files (with ``dry_run``: the files that would be removed).

    ``refused`` is the one line saying why nothing was deleted when pruning was not safe.
    """

    cutoff: datetime
    dry_run: bool
    deleted: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refused: str | None = None


def prune_cutoff(now: datetime, keep: timedelta) -> datetime:
    """Frames whose scan time is before ``now - keep`` are pruned."""
    if keep <= timedelta(0):
        raise ValueError("the number of days to keep must be positive")
    return to_utc(now) - keep


def check_max_share(share: float) -> float:
    """``share`` if it is a fraction in (0, 1], else ValueError with a message for the user."""
    if not 0 < share <= 1:
        raise ValueError(f"the prune share must be above 0 and at most 100% (got {share:.0%})")
    return share


Satellites = SatellitePattern | Collection[SatellitePattern]
"""One satellite, or every satellite of a GOES-East/West view (their frames are one archive)."""


def own_frames(folder: int | Path, satellite: Satellites, sector: Sector, band: int) -> list[tuple[str, datetime]]:
    """The archive's canonical frames directly in ``folder`` (a path or a descriptor): regular files, no links."""
    satellites = {satellite} if isinstance(satellite, SatellitePattern) else set(satellite)
    out: list[tuple[str, datetime]] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            parsed = parse_canonical(entry.name)
            if parsed is None or parsed.satellite not in satellites or (parsed.sector, parsed.band) != (sector, band):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                out.append((entry.name, parsed.timestamp))
    out.sort()
    return out


def prune_refusal(
    now: datetime,
    keep: timedelta,
    frames: list[tuple[str, datetime]],
    doomed: int,
    evidence: CycleEvidence,
    max_share: float,
) -> str | None:
    """Why pruning ``doomed`` of ``frames`` (the folder's own frames) at ``now`` is not safe; None when it is."""
    if evidence.attempted and not evidence.fetched:
        return f"every fetch of this cycle failed ({evidence.attempted}): the clock or NOAA cannot be trusted"
    if evidence.newest_listed is not None:
        newest, what = to_utc(evidence.newest_listed), "the newest frame NOAA lists"
    elif frames:
        newest, what = max(ts for _, ts in frames), "the newest frame in the folder"
    else:
        newest, what = None, ""
    if newest is not None and to_utc(now) - newest > keep:
        return (
            f"the clock ({iso_z(now)}) is {format_duration(to_utc(now) - newest)} ahead of {what} "
            f"({iso_z(newest)}), more than the keep window ({format_duration(keep)}): is the clock or --now wrong?"
        )
    if frames and doomed > max_share * len(frames):
        return (
            f"it would delete {doomed} of the folder's {len(frames)} frames, more than --prune-max-share "
            f"({max_share:.0%}) in one cycle"
        )
    return None


def prune_frames(
    directory: Path | str,
    now: datetime,
    keep: timedelta,
    *,
    satellite: Satellites,
    sector: Sector,
    band: int,
    evidence: CycleEvidence | None = None,
    max_share: float = DEFAULT_MAX_SHARE,
    dry_run: bool = False,
) -> PruneResult:
    """Delete (or with ``dry_run`` only list) the archive's canonical frames scanned before ``now - keep``.

    Looks only directly in ``directory`` (subfolders are the user's), never follows or deletes a symlink, and
    deletes nothing when :func:`prune_refusal` says it is not safe. Blocking: call it through
    :func:`prune_frames_async` from the event loop.
    """
    cutoff = prune_cutoff(now, keep)
    result = PruneResult(cutoff=cutoff, dry_run=dry_run)
    if not os.path.isdir(directory):
        return result
    try:
        with _opened(Path(directory)) as folder:
            frames = own_frames(folder, satellite, sector, band)
            doomed = [name for name, ts in frames if ts < cutoff]
            if doomed:
                evidence = evidence or CycleEvidence()
                result.refused = prune_refusal(now, keep, frames, len(doomed), evidence, max_share)
            for name in doomed if result.refused is None else ():
                path = Path(directory) / name
                if not dry_run:
                    try:  # unlink never follows a link: at worst a link swapped in since the listing goes
                        if isinstance(folder, int):
                            os.unlink(name, dir_fd=folder)
                        else:
                            os.unlink(path)
                    except FileNotFoundError:
                        continue  # someone else removed it meanwhile
                    except OSError as exc:
                        result.errors.append(f"cannot delete {path}: {exc.strerror or exc}")
                        continue
                result.deleted.append(path)
    except OSError as exc:
        result.errors.append(f"cannot read {directory}: {exc.strerror or exc}")
    return result


_BY_FD = os.scandir in os.supports_fd and os.unlink in os.supports_dir_fd and hasattr(os, "O_DIRECTORY")


@contextlib.contextmanager
def _opened(directory: Path) -> Iterator[int | Path]:
    """The folder as a descriptor (listing and deleting stay in the folder listed), else (Windows) its path."""
    if not _BY_FD:
        yield directory
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield fd
    finally:
        os.close(fd)


async def prune_frames_async(
    directory: Path | str,
    now: datetime,
    keep: timedelta,
    *,
    satellite: Satellites,
    sector: Sector,
    band: int,
    evidence: CycleEvidence | None = None,
    max_share: float = DEFAULT_MAX_SHARE,
    dry_run: bool = False,
) -> PruneResult:
    """:func:`prune_frames` off the event loop."""
    return await asyncio.to_thread(
        prune_frames,
        directory,
        now,
        keep,
        satellite=satellite,
        sector=sector,
        band=band,
        evidence=evidence,
        max_share=max_share,
        dry_run=dry_run,
    )
