"""IntegritySession: the tab's workflows without Qt: scan, fetch, look check, detection, export, disk space.

Each workflow is a method that takes an archive query (or a folder) and the fetch settings and returns values; the
view model runs them as tasks and turns what they return into signals. The session keeps one scan cache and one
ReconcileManager per set of fetch settings: the manager is kept between commands (its stores' HTTP sessions and
S3 client are costly to build) and replaced when the settings change. Nothing here opens a file or a connection
until a workflow needs it, and blocking work (digests, folder sampling, the look check, CSV writing) runs in
worker threads. No Qt here (an import-linter contract keeps it so): tests drive it with asyncio alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from goesvfi.integrity_check.first_run import documents_folder, empty_scan
from goesvfi.integrity_check.gui.core_imports import FETCH_MODULES, REMOTE_SCAN_MODULES, SCAN_MODULES, preload
from goesvfi.integrity_check.gui.folder_guess import ArchiveGuess, sample_archive
from goesvfi.integrity_check.gui.look_view import LookView, with_looks
from goesvfi.integrity_check.gui.results_digest import ResultsDigest, digest_scan, digest_slots, unresolved_scan
from goesvfi.integrity_check.gui.workers import WORKER_NICE
from goesvfi.integrity_check.query import ArchiveQuery, ViewQuery
from goesvfi.integrity_check.results import ProgressSink, ScanResult, SlotResult
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import to_utc

if TYPE_CHECKING:
    from goesvfi.integrity_check.archive import ArchiveFile
    from goesvfi.integrity_check.cache.db import CacheDB
    from goesvfi.integrity_check.fetch.manager import ReconcileManager
    from goesvfi.integrity_check.gui.archive_session import ProductRow
    from goesvfi.integrity_check.look.value import Look

ManagerFactory = Callable[[FetchSettings, "CacheDB"], "ReconcileManager"]

__all__ = [
    "DiskSpace",
    "Fetched",
    "IntegritySession",
    "LookReport",
    "ManagerFactory",
    "Scanned",
    "suggested_csv_name",
    "suggested_csv_path",
]


@dataclass(frozen=True, slots=True)
class DiskSpace:
    path: str
    free: int | None  # None: neither the folder nor a parent can be read (of a folder not made yet: its parent's)
    threshold: int
    exists: bool = True  # the folder itself (the default folder is made by the first fetch that writes into it)

    @property
    def low(self) -> bool:
        return self.free is not None and self.free < self.threshold


@dataclass(frozen=True, slots=True)
class Scanned:
    """A scan and its digest (the table's, timeline's and calendar's data)."""

    scan: ScanResult
    digest: ResultsDigest


@dataclass(frozen=True, slots=True)
class Fetched:
    """The slots a fetch tried and the digest of them."""

    slots: list[SlotResult]
    digest: ResultsDigest


@dataclass(frozen=True, slots=True)
class LookReport:
    """The folder's look as the tab shows it, and the warning to log (None: nothing to say)."""

    view: LookView
    warning: str | None


class IntegritySession:
    """The workflows (see the module docstring). ``now`` is the clock; ``disk_free`` measures a folder's free
    bytes; ``factory`` builds the manager (tests inject one bound to the local emulator)."""

    def __init__(
        self,
        cache_path: Path | None,
        factory: ManagerFactory | None,
        now: Callable[[], datetime],
        disk_free: Callable[[Path], int],
    ) -> None:
        self._cache_path = cache_path
        self._factory = factory
        self._now = now
        self._disk_free = disk_free
        self._cache: CacheDB | None = None
        self._managed: tuple[FetchSettings, ReconcileManager] | None = None

    def now(self) -> datetime:
        return to_utc(self._now())

    # ---- the workflows ------------------------------------------------------------------------------

    async def scan(
        self,
        directory: Path,
        query: ArchiveQuery | ViewQuery,
        settings: FetchSettings,
        *,
        new_folder: bool = False,
        force_rescan: bool = False,
        remote: bool = False,
        verify: bool = False,
        audit: int = 0,
        skip: Mapping[datetime, str] | None = None,
        progress: ProgressSink | None = None,
    ) -> Scanned:
        """Scan ``directory`` for ``query``'s frames (East/West: one scan per satellite part, merged).

        ``new_folder``: the per-user default folder, which the first fetch creates: when it does not exist yet the
        scan is every expected frame missing. ``remote``: ask NOAA which missing frames exist. ``skip``: slots NOAA
        has not had for a day (the watch loop's list), marked as not at NOAA.
        """
        # A scan that asks NOAA creates the S3 and CDN stores on the caller's thread: import them (aioboto3,
        # aiohttp) first, in a worker (measured: a 160 ms stall of the window on the first scan when imported there).
        await asyncio.to_thread(preload, SCAN_MODULES + (REMOTE_SCAN_MODULES if remote else ()))
        manager = await self.manager(settings)
        if new_folder and not await asyncio.to_thread(directory.exists):
            scan = empty_scan(query.latest() if isinstance(query, ViewQuery) else query)
            if remote:
                await manager.check_availability(scan)
        elif isinstance(query, ViewQuery):
            from goesvfi.integrity_check.scan.view import scan_view

            async def scan_one(part: ArchiveQuery) -> ScanResult:
                return await manager.scan(
                    directory, part, progress_callback=progress, force_rescan=force_rescan, remote=remote
                )

            scan = (await scan_view(query, scan_one)).merged
        else:
            scan = await manager.scan(
                directory,
                query,
                progress_callback=progress,
                force_rescan=force_rescan,
                remote=remote,
                verify=verify,
                audit=audit,
            )
        if skip:
            from goesvfi.integrity_check.remote.availability import apply_availability

            apply_availability(scan, None, dict(skip))
        return Scanned(scan, await asyncio.to_thread(digest_scan, scan))

    async def unresolved(self, scan: ScanResult, slots: Sequence[SlotResult]) -> ScanResult:
        """``scan`` with what ``slots`` (the latest results) still lack as its missing list (in a worker thread:
        it builds the scan's paths)."""
        return await asyncio.to_thread(unresolved_scan, scan, slots)

    async def fetch(
        self,
        scan: ScanResult,
        directory: Path,
        settings: FetchSettings,
        *,
        view: ViewQuery | None = None,
        new_folder: bool = False,
        progress: ProgressSink | None = None,
    ) -> Fetched:
        """Fetch ``scan``'s missing slots into ``directory`` (``view``: each part of an East/West scan from its own
        satellite). ``new_folder``: the per-user default folder, made here; a fetch that wrote nothing into it
        (offline) leaves no empty folder with a lock file behind."""
        await asyncio.to_thread(preload, FETCH_MODULES)
        from goesvfi.integrity_check.folder.made import make_folder, unmake_if_empty

        created = await asyncio.to_thread(make_folder, directory) if new_folder else []
        try:
            manager = await self.manager(settings)
            if view is not None:
                from goesvfi.integrity_check.fetch.view import fetch_view_scan

                slots = await fetch_view_scan(manager, scan, view, directory, progress_callback=progress)
            else:
                slots = await manager.fetch_missing(scan, directory, progress_callback=progress)
        finally:
            if created:
                await asyncio.to_thread(unmake_if_empty, created)
        return Fetched(slots, await asyncio.to_thread(digest_slots, slots))

    async def check_look(self, scan: ScanResult, directory: Path, settings: FetchSettings) -> LookReport:
        """The folder's look and the frames that do not match it (one header per frame, in a worker thread)."""
        from goesvfi.integrity_check.look.decide import check_look
        from goesvfi.integrity_check.look.plan import settings_look

        try:
            default: Look | None = settings_look(scan.sector, scan.band, settings)
        except ValueError:  # the settings' look is another band's table: the fetch says so
            default = None
        check = await asyncio.to_thread(check_look, scan, default, directory)
        if check.look is None:
            view = LookView(None, frozenset(), 0, "")
        else:
            note = f"Does not match the folder's look ({check.look.describe()}): goesvfi-integrity fetch --conform"
            view = LookView(check.look.describe(), frozenset(check.mismatched), len(check.mismatched), note)
        warning = check.warning()
        if warning:
            warning = warning.replace("(fetch --conform rewrites them)", "(goesvfi-integrity fetch --conform)")
        return LookReport(view, warning or None)

    async def detect(self, directory: Path) -> ArchiveGuess:
        """The most common satellite, sector and band among ``directory``'s file names."""
        return await asyncio.to_thread(sample_archive, directory)

    async def export_csv(self, path: Path, slots: Sequence[SlotResult], look: LookView | None) -> None:
        """Write the CSV report of ``slots`` (with the look column as the command line writes it)."""
        from goesvfi.integrity_check.report import write_csv

        await asyncio.to_thread(lambda: write_csv(path, with_looks(slots, look)))

    async def disk_space(self, directory: Path, threshold: int) -> DiskSpace:
        """Free space of ``directory`` (of a folder not made yet: of its nearest existing parent)."""
        exists = await asyncio.to_thread(directory.is_dir)
        try:
            free: int | None = await asyncio.to_thread(self._disk_free, _existing(directory))
        except OSError:
            free = None
        return DiskSpace(str(directory), free, threshold, exists)

    async def archive_products(
        self, path: Path, start: datetime, end: datetime, settings: FetchSettings
    ) -> tuple[ArchiveFile, list[ProductRow]]:
        """Read an archive file and each product's completeness over ``[start, end)`` (raises ArchiveFileError)."""
        from goesvfi.integrity_check.archive import load_archive
        from goesvfi.integrity_check.gui.archive_session import product_rows

        archive = await asyncio.to_thread(load_archive, path)
        await asyncio.to_thread(preload, SCAN_MODULES)
        manager = await self.manager(settings)

        async def scan(folder: Path, query: ArchiveQuery | ViewQuery) -> ScanResult:
            if isinstance(query, ViewQuery):
                from goesvfi.integrity_check.scan.view import scan_view

                return (await scan_view(query, lambda part: manager.scan(folder, part))).merged
            return await manager.scan(folder, query)

        return archive, await product_rows(archive, scan, start, end)

    # ---- the core objects ---------------------------------------------------------------------------

    async def manager(self, settings: FetchSettings) -> ReconcileManager:
        """The manager for ``settings`` (the cache is opened by the first one)."""
        if self._managed is not None and self._managed[0] == settings:
            return self._managed[1]
        await self._close_manager()
        if self._cache is None:
            from goesvfi.integrity_check.cache.db import CacheDB

            self._cache = CacheDB(self._cache_path)
        if self._factory is not None:
            manager = self._factory(settings, self._cache)
        else:
            from goesvfi.integrity_check.fetch.manager import ReconcileManager

            manager = ReconcileManager(
                self._cache,
                settings=settings,
                now=self._now,
                disk_free=self._disk_free,
                render_nice=WORKER_NICE,
            )
        self._managed = (settings, manager)
        return manager

    async def _close_manager(self) -> None:
        if self._managed is not None:
            manager, self._managed = self._managed[1], None
            await manager.close()

    async def close(self) -> None:
        """Close the manager's stores, then the cache."""
        await self._close_manager()
        if self._cache is not None:
            cache, self._cache = self._cache, None
            await cache.close()


def suggested_csv_name(scan: ScanResult | None) -> str:
    """The report's file name: ``integrity_goes18_conus_C13_20261127T0000Z_20261127T0200Z.csv`` for the shown
    scan, ``integrity_report.csv`` before one."""
    if scan is None:
        return "integrity_report.csv"
    return (
        f"integrity_{scan.satellite.value}_{scan.sector.value}_C{scan.band:02d}_"
        f"{scan.start:%Y%m%dT%H%M}Z_{scan.end:%Y%m%dT%H%M}Z.csv"
    )


def suggested_csv_path(last_folder: str, scan: ScanResult | None) -> str:
    """Where *Export CSV...* offers to save: ``last_folder`` (of the last export) while it exists, else the user's
    documents folder. Not the frames folder: a report is no frame, and a demo's folder is deleted when its window
    closes."""
    folder = Path(last_folder) if last_folder and Path(last_folder).is_dir() else documents_folder()
    return str(folder / suggested_csv_name(scan))


def look_name_error(name: str) -> str | None:
    """Why ``name`` is no usable look (``cdn``, ``grey``, ``star``, ``enhanced_ir`` or a matplotlib colour map),
    None when it is one."""
    from goesvfi.integrity_check.look.value import AUTO_LOOK, table_of
    from goesvfi.integrity_check.render.colormaps import colormap_names

    if name.strip() == AUTO_LOOK or table_of(name) in colormap_names():
        return None
    return f"Unknown look {name!r}: use auto, cdn, grey, star, enhanced_ir or a matplotlib colour map name."


def _existing(directory: Path) -> Path:
    """``directory`` or its nearest existing parent (free space of a folder the first fetch will create)."""
    while not directory.exists() and directory.parent != directory:
        directory = directory.parent
    return directory
