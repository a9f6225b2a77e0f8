"""``fetch --conform``: rewrite the frames that do not match the folder's look, one at a time, never losing one.

For each mismatched frame (the plan: :mod:`..look.conform_plan`), in time order:

- same colour table (or one not recorded), other size or mode: decoded, resampled and converted
  (:mod:`..render.resample`) and written through the write-then-rename helper over the frame itself (a PNG) or
  as its canonical PNG beside it (a JPG or other name; the original is removed only after the PNG is complete);
- another colour table (grey in a STAR folder, say): the slot is fetched again, with the folder's look, into a
  hidden work folder inside the folder (the scan skips dot folders), then renamed over the frame.

Every original is kept in ``.goesvfi-quarantine/`` (:mod:`..folder.quarantine`), never deleted. Only frames the
scan proved to be frames are touched (product names, or generic names whose image has the folder's look).
A kill at any moment leaves every frame either as it was or complete in the new look (a rename is atomic); the
work folder and temp files (``.<name>.part-*``) of a killed run are removed by the next ``--conform``.
``dry_run`` lists what would change and writes nothing. A GOES-East/West folder (a merged view scan) is one folder
with one look: each frame keeps its own satellite (its canonical name, and the satellite it is fetched again from).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import secrets
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL.Image import DecompressionBombError

from goesvfi.integrity_check.folder.atomic import fsync_dir
from goesvfi.integrity_check.folder.quarantine import forget_copy, keep_copy, move_aside
from goesvfi.integrity_check.folder.sweep import sweep_stale_temps
from goesvfi.integrity_check.look.conform_plan import REFETCH, REWRITE, ConformAction, ConformReport, plan_conform
from goesvfi.integrity_check.look.value import Look
from goesvfi.integrity_check.results import ScanResult, SlotResult, SlotStatus
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import SatellitePattern, canonical_name

WORK_PREFIX = ".goesvfi-conform-"


class Fetched(Protocol):
    """What a fetch reports: one result per expected slot."""

    @property
    def slots(self) -> list[SlotResult]: ...


class Fetcher(Protocol):
    """What conform needs of the fetch manager: its settings, and a fetch of a scan's slots in a given look."""

    @property
    def settings(self) -> FetchSettings: ...

    async def fetch_scan(
        self, scan: ScanResult, directory: Path | str | None = None, *, look: Look | None = None
    ) -> Fetched: ...


def conform_file(path: Path, look: Look, final: Path, folder: Path | None = None) -> None:
    """Rewrite ``path`` in ``look`` as ``final`` (blocking; same folder). Written through the write-then-rename
    helper; the original is kept in the quarantine folder of ``folder`` (default: its own): a hard link before
    the new frame is renamed over it, or moved aside once ``final`` (another name) is complete."""
    from PIL import Image

    from goesvfi.integrity_check.render.netcdf import write_png_atomic
    from goesvfi.integrity_check.render.resample import resample, to_mode

    with Image.open(path) as image:
        image.load()
        pixels = np.asarray(image if image.mode in ("L", "RGB") else image.convert("RGB"))
    if look.size is not None:
        pixels = resample(pixels, look.size)
    pixels = to_mode(pixels, look.mode)
    kept = keep_copy(path, folder) if final == path else None
    try:
        write_png_atomic(pixels, final, table=look.table)
    except BaseException:
        if kept is not None:
            forget_copy(kept, path)
        raise
    if final != path:
        move_aside(path, folder)


def sweep_work_folders(folder: Path) -> None:
    """Remove the work folders a killed ``--conform`` left (they hold copies only, never an original)."""
    for entry in os.scandir(folder):
        if entry.name.startswith(WORK_PREFIX) and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)


async def conform_folder(
    manager: Fetcher,
    scan: ScanResult,
    directory: Path,
    *,
    dry_run: bool = False,
    on_frame: Callable[[ConformAction], None] | None = None,
) -> ConformReport:
    """Bring every mismatched present frame of ``scan`` to the folder's look (see the module docstring)."""
    report = await asyncio.to_thread(plan_conform, scan, manager.settings, dry_run)
    look, actions = report.look, report.actions
    if look is None or dry_run or not actions:
        return report
    await asyncio.to_thread(sweep_work_folders, directory)
    names = {a.path.name for a in actions}
    names |= {canonical_name(satellite_of(scan, a.timestamp), scan.sector, scan.band, a.timestamp) for a in actions}
    await asyncio.to_thread(lambda: sweep_stale_temps(directory, finals=names))  # a killed run's, for these frames
    for action in actions:
        if action.action != REWRITE:
            continue
        satellite = satellite_of(scan, action.timestamp)
        final = action.path.with_name(canonical_name(satellite, scan.sector, scan.band, action.timestamp))
        if action.path.suffix.lower() == ".png":
            final = action.path
        try:
            await asyncio.to_thread(conform_file, action.path, look, final, directory)
            action.done = True
        except (OSError, ValueError, SyntaxError, MemoryError, DecompressionBombError) as exc:
            action.error = f"could not rewrite: {exc}"  # nothing was changed
        if on_frame is not None:
            on_frame(action)
    by_satellite: dict[SatellitePattern, list[ConformAction]] = {}
    for action in actions:
        if action.action == REFETCH:
            by_satellite.setdefault(satellite_of(scan, action.timestamp), []).append(action)
    for satellite, refetch in by_satellite.items():
        own = dataclasses.replace(scan, query=dataclasses.replace(scan.query, satellite=satellite))
        await _refetch(manager, own, directory, look, refetch, on_frame)
    return report


def satellite_of(scan: ScanResult, slot: datetime) -> SatellitePattern:
    """The satellite of ``slot``'s frame: its own in a view's merged scan, else the scan's."""
    return scan.satellites.get(slot, scan.satellite)


async def _refetch(
    manager: Fetcher,
    scan: ScanResult,
    directory: Path,
    look: Look,
    actions: list[ConformAction],
    on_frame: Callable[[ConformAction], None] | None,
) -> None:
    work = directory / f"{WORK_PREFIX}{secrets.token_hex(4)}"
    await asyncio.to_thread(work.mkdir)
    try:
        slots = [a.timestamp for a in actions]
        sub = ScanResult(scan.query, expected=slots, existing={}, missing=list(slots))
        report = await manager.fetch_scan(sub, work, look=look)
        by_slot = {s.timestamp: s for s in report.slots}
        for action in actions:
            slot = by_slot[action.timestamp]
            if slot.status is SlotStatus.FETCHED and slot.path is not None:
                final = action.path if action.path.suffix.lower() == ".png" else action.path.with_name(slot.path.name)
                await asyncio.to_thread(_replace, slot.path, final, action.path, directory)
                action.done = True
            else:
                action.error = f"could not fetch it again: {slot.error}"
            if on_frame is not None:
                on_frame(action)
    finally:
        await asyncio.to_thread(shutil.rmtree, work, True)


def _replace(new: Path, final: Path, original: Path, folder: Path) -> None:
    """``new`` in place of ``original`` (renamed to ``final``); the original kept in the quarantine folder."""
    if final == original:
        keep_copy(original, folder)
    os.replace(new, final)  # same file system: the work folder is inside the folder
    fsync_dir(final.parent)
    if final != original:
        move_aside(original, folder)
