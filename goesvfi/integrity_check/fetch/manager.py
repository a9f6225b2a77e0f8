"""ReconcileManager: scan a folder, plan CDN or S3 per missing slot, fetch, render and write PNG frames.

The seed's enhanced example runs as written::

    manager = ReconcileManager(cache_db=cache_db, base_dir=base_dir)
    total, existing, fetched = await manager.reconcile(directory=..., satellite=..., start_time=...,
                                                       end_time=..., interval_minutes=10, progress_callback=...)

:meth:`ReconcileManager.reconcile_detailed` returns per-slot results (status, source, path, remote, error) for
the GUI, the CLI and the CSV. Constructing a manager does no I/O: stores and the cache open lazily.

A fetch with something to download holds the folder's fetch lock (:mod:`..folder.lock`) while it runs, so two
managers (in this process or another: ``fetch``, ``watch``, the window) never download the same frame: the
second waits up to ``FetchSettings.lock_wait`` seconds, saying so in its progress, then finds the first one's
frames present; when the wait runs out it raises :class:`~..folder.lock.FolderLockedError` naming the holder.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import os
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from goesvfi.integrity_check.fetch.conform import conform_folder
from goesvfi.integrity_check.fetch.disk_guard import DiskFree, DiskGuard, DiskSpaceError
from goesvfi.integrity_check.fetch.job import ConversionError, FetchEnv, FetchJob
from goesvfi.integrity_check.fetch.plan import FetchPlan, plan_fetch
from goesvfi.integrity_check.fetch.retry import RetryPolicy
from goesvfi.integrity_check.folder.lock import FetchLocks, FolderLockedError, LockHolder
from goesvfi.integrity_check.look.conform_plan import ConformAction, ConformReport
from goesvfi.integrity_check.look.decide import check_look
from goesvfi.integrity_check.look.plan import LookPlan, plan_look, seam_note
from goesvfi.integrity_check.look.tables import value_range
from goesvfi.integrity_check.look.value import Look
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.remote.base import RemoteStore
from goesvfi.integrity_check.results import (
    LegacyProgress,
    Progress,
    ProgressSink,
    ScanResult,
    SlotResult,
    SlotStatus,
    Source,
    Stage,
    progress_adapter,
)
from goesvfi.integrity_check.runtime import lower_thread_priority, release_free_memory
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import (
    DEFAULT_BAND,
    DEFAULT_CDN_SIZE,
    SatellitePattern,
    Sector,
    parse_cdn,
    parse_noaa,
    to_utc,
)
from goesvfi.integrity_check.time_index.limits import abi_shape

if TYPE_CHECKING:
    from goesvfi.integrity_check.cache.db import CacheDB

log = logging.getLogger(__name__)

__all__ = ["DiskSpaceError", "FolderLockedError", "ReconcileManager", "ReconcileReport"]

AnyProgress = ProgressSink | LegacyProgress | None


@dataclass(slots=True)
class ReconcileReport:
    """A scan and what the fetch made of each expected slot (one :class:`SlotResult` per slot, in time order)."""

    scan: ScanResult
    slots: list[SlotResult]
    stopped: DiskSpaceError | None = None  # the disk guard stopped the fetch early
    look: LookPlan | None = None  # the look every fetched frame got, and why the CDN was (not) used

    @property
    def total(self) -> int:
        return len(self.scan.expected)

    @property
    def existing(self) -> int:
        """Slots present before the fetch."""
        return len(self.scan.existing)

    @property
    def fetched(self) -> int:
        return sum(s.status is SlotStatus.FETCHED for s in self.slots)

    @property
    def failed(self) -> list[SlotResult]:
        return [s for s in self.slots if s.status is SlotStatus.FAILED]

    @property
    def unresolved(self) -> list[SlotResult]:
        """Slots still absent after the fetch: failed, or not attempted (with the reason in ``error``)."""
        return [s for s in self.slots if s.status in (SlotStatus.FAILED, SlotStatus.MISSING)]

    @property
    def unavailable(self) -> list[SlotResult]:
        """Slots no NOAA source has (never produced, not listed anywhere): skipped, not failures."""
        return [s for s in self.slots if s.status is SlotStatus.UNAVAILABLE]


def least_grid(shape: tuple[int, int] | None, share: float) -> tuple[int, int] | None:
    """The fewest rows and columns a NetCDF of grid ``shape`` may hold: ``share`` of each (1.0: all of it)."""
    if shape is None:
        return None
    return max(1, math.ceil(shape[0] * share - 1e-9)), max(1, math.ceil(shape[1] * share - 1e-9))


def _convert(settings: FetchSettings, look_plan: LookPlan | None = None) -> Callable[[Source, Path, Path, str], None]:
    """The blocking converter of downloaded files to PNG (renderers imported on first use); messages name
    the remote file (``label``), not the temp file. With a look (:mod:`.look`) every frame gets its size,
    mode and colour table; without one (mixed looks allowed) CDN frames stay as served and S3 frames are
    rendered with ``settings.colormap`` at native size."""
    look = None if look_plan is None else look_plan.look

    def convert(source: Source, downloaded: Path, png: Path, label: str) -> None:
        # The remote name says the sector, band and (CDN) size asked for: what is decoded must match it (checked
        # on the declared size, before decoding), whatever size the folder's look then resamples it to.
        from goesvfi.integrity_check.look.value import STAR
        from goesvfi.integrity_check.render.netcdf import RenderError

        try:
            if source is Source.CDN:
                from goesvfi.integrity_check.render.cdn_jpeg import jpeg_to_png

                cdn = parse_cdn(label)
                asked = cdn.size if cdn is not None else None
                if look is None:
                    jpeg_to_png(downloaded, png, label=label, table=STAR, expected_size=asked)
                else:
                    jpeg_to_png(
                        downloaded,
                        png,
                        label=label,
                        size=look.size,
                        mode=look.mode,
                        table=look.table,
                        expected_size=asked,
                    )
            else:
                from goesvfi.integrity_check.render.netcdf import render_png

                noaa = parse_noaa(label)
                shape = abi_shape(noaa.sector, noaa.band) if noaa is not None and noaa.sector and noaa.band else None
                colormap = settings.colormap if look is None else look.table
                size = None if look is None else look.size
                mode = None if look is None else look.mode
                vmin, vmax = settings.vmin, settings.vmax
                if noaa is not None and noaa.band is not None:
                    vmin, vmax = value_range(noaa.band, vmin, vmax)  # the band's own range unless set
                render_png(
                    downloaded,
                    png,
                    colormap=colormap,
                    vmin=vmin,
                    vmax=vmax,
                    label=label,
                    size=size,
                    mode=mode,
                    max_shape=shape,
                    min_shape=least_grid(shape, settings.netcdf_min_grid),
                    file_size=None if look_plan is None else look_plan.s3_file_size,
                )
        except RenderError as exc:
            raise ConversionError(str(exc)) from exc

    return convert


class ReconcileManager:
    def __init__(
        self,
        cache_db: CacheDB | None = None,
        base_dir: Path | None = None,
        *,
        settings: FetchSettings | None = None,
        cdn_store: RemoteStore | None = None,
        s3_store: RemoteStore | None = None,
        now: Callable[[], datetime] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        disk_free: DiskFree | None = None,
        use_cache: bool = True,
        render_nice: int = 0,
    ) -> None:
        """``use_cache=False`` (the CLI's ``--no-cache``): scan without the cache, keep no S3 listings, log nothing.
        ``render_nice``: the conversion threads lower their CPU priority by this much (a window: so that the GUI
        thread and Qt's painting threads get a core before a conversion does)."""
        self.settings = (settings or FetchSettings.from_env()).validate()
        self.base_dir = Path(base_dir) if base_dir is not None else None
        self._cache = cache_db
        self._own_cache = False
        self.use_cache = use_cache
        self._stores: dict[Source, RemoteStore] = {}
        if cdn_store is not None:
            self._stores[Source.CDN] = cdn_store
        if s3_store is not None:
            self._stores[Source.S3] = s3_store
        self._own_stores: set[Source] = set()
        self._sized_cdn: dict[tuple[int, int], RemoteStore] = {}  # CDN stores for looks of other sizes
        self._now = now or (lambda: datetime.now(UTC))
        self._sleep = sleep
        self._disk_free = disk_free
        self._inflight: dict[Path, asyncio.Future[SlotResult]] = {}
        self._locks = FetchLocks(self.settings.lock_wait)
        self._running = 0  # fetches in progress; the stores this manager made close when it drops to 0
        # One conversion per core, plus one: each conversion ends with two fsyncs (the PNG, the folder) that
        # leave its core idle (profiled: 12 % of a conversion thread's time).
        self._render_slots = max(1, min(self.settings.concurrency, (os.cpu_count() or 1) + 1))
        self._render_gate = asyncio.Semaphore(self._render_slots)
        self._render_threads: ThreadPoolExecutor | None = None
        self._render_nice = render_nice

    # ---- lifecycle ----------------------------------------------------------------------------------

    async def __aenter__(self) -> ReconcileManager:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the stores (and the cache) this manager created; injected ones stay open."""
        if self._render_threads is not None:
            self._render_threads.shutdown(wait=False)
            self._render_threads = None
        for source in sorted(self._own_stores, key=lambda s: s.value):
            await self._stores.pop(source).close()
        self._own_stores.clear()
        for store in self._sized_cdn.values():
            await store.close()
        self._sized_cdn.clear()
        if self._own_cache and self._cache is not None:
            await self._cache.close()
            self._cache, self._own_cache = None, False

    async def _idle(self) -> None:
        """No fetch running: release the network sessions of the stores this manager made, and the free memory
        malloc kept for the frames' buffers (:func:`~..runtime.release_free_memory`).

        They reopen on the next fetch, so a caller that never calls :meth:`close` (like the seed's example)
        leaves no open connection behind.
        """
        for source in self._own_stores:
            await self._stores[source].close()
        for store in self._sized_cdn.values():
            await store.close()
        await asyncio.to_thread(release_free_memory)

    def _render_executor(self) -> ThreadPoolExecutor:
        """The conversion threads: a few, reused, so that memory freed by one render serves the next."""
        if self._render_threads is None:
            self._render_threads = ThreadPoolExecutor(
                self._render_slots,
                thread_name_prefix="goesvfi-render",
                initializer=functools.partial(lower_thread_priority, self._render_nice),
            )
        return self._render_threads

    def now(self) -> datetime:
        return to_utc(self._now())

    @property
    def cache_db(self) -> CacheDB:
        if self._cache is None:
            from goesvfi.integrity_check.cache.db import CacheDB

            self._cache, self._own_cache = CacheDB(), True
        return self._cache

    def store(self, source: Source) -> RemoteStore:
        """The store for ``source``, created on first use (no I/O until it is used)."""
        if source not in self._stores:
            if source is Source.CDN:
                from goesvfi.integrity_check.remote.cdn_store import CDNStore

                self._stores[source] = CDNStore(self.settings)
            elif source is Source.S3:
                from goesvfi.integrity_check.remote.s3_store import S3Store

                cache = self.cache_db if self.use_cache else None
                self._stores[source] = S3Store(self.settings, cache=cache, now=self._now)
            else:
                raise ValueError(f"no remote store for {source.value}")
            self._own_stores.add(source)
        return self._stores[source]

    def _cdn_store(self, sector: Sector, size: tuple[int, int] | None) -> RemoteStore:
        """The CDN store asking for ``size`` frames of ``sector`` (an injected store is used as it is: its
        frames are resampled to the look when their size differs)."""
        store = self.store(Source.CDN)
        configured = self.settings.cdn_size or DEFAULT_CDN_SIZE.get(sector)
        if size is None or Source.CDN not in self._own_stores or size == configured:
            return store
        if size not in self._sized_cdn:
            from goesvfi.integrity_check.remote.cdn_store import CDNStore

            self._sized_cdn[size] = CDNStore(replace(self.settings, cdn_size=size))
        return self._sized_cdn[size]

    def _directory(self, directory: Path | str | None) -> Path:
        if directory is not None:
            return Path(directory)
        if self.base_dir is None:
            raise ValueError("no folder given: pass directory= or construct the manager with base_dir=")
        return self.base_dir

    # ---- scan ---------------------------------------------------------------------------------------

    async def scan(
        self,
        directory: Path | str | None,
        query: ArchiveQuery,
        *,
        progress_callback: AnyProgress = None,
        force_rescan: bool = False,
        remote: bool = False,
        verify: bool = False,
        audit: int = 0,
    ) -> ScanResult:
        """Which of ``query``'s expected slots the folder holds and which are missing (cached; off the loop).

        ``remote``: also read what NOAA holds for the missing slots (S3 hour listings, the CDN index inside
        its window) and move the slots no source has to ``ScanResult.unavailable`` with the reason; offline,
        ``availability_checked`` is False and a warning says availability is unknown.
        """
        from goesvfi.integrity_check.scan.reconciler import scan_directory

        result = await scan_directory(
            self._directory(directory),
            query,
            cache=self.cache_db if self.use_cache else None,
            progress=progress_callback,
            force_rescan=force_rescan,
            verify=verify,
            audit=audit,
            look_size=self.settings.size,
        )
        if remote:
            await self.check_availability(result)
        return result

    async def check_availability(self, scan: ScanResult) -> ScanResult:
        """Ask NOAA's listings about ``scan.missing`` and apply the answer to ``scan`` (in place)."""
        from goesvfi.integrity_check.remote.availability import apply_availability, check_availability

        if not scan.missing or scan.satellite is SatellitePattern.GENERIC:
            scan.availability_checked = bool(not scan.missing)
            return scan
        self._running += 1
        try:
            found = await check_availability(
                scan.satellite,
                scan.sector,
                scan.band,
                scan.missing,
                s3=self.store(Source.S3),
                cdn=self.store(Source.CDN) if scan.sector.cdn_dir else None,
                now=self.now(),
                cdn_days=self.settings.cdn_days,
                step_minutes=scan.interval_minutes,
            )
        finally:
            self._running -= 1
            if not self._running:
                await self._idle()
        return apply_availability(scan, found, {})

    # ---- fetch --------------------------------------------------------------------------------------

    async def fetch_missing(
        self,
        scan: ScanResult,
        directory: Path | str | None = None,
        *,
        progress_callback: AnyProgress = None,
    ) -> list[SlotResult]:
        """Fetch the scan's missing slots into ``directory``; one :class:`SlotResult` per expected slot.

        PRESENT (was there), FETCHED (source, path, remote), FAILED (error) or MISSING (not attempted: the
        satellite had no data then, or the disk guard stopped the fetch; ``error`` says why). Every fetched
        and failed slot goes into the cache's fetch log. Cancel with ``task.cancel()``.

        Holds the folder's fetch lock while downloading (not when nothing is to be downloaded); raises
        :class:`~..folder.lock.FolderLockedError` when another fetch kept the folder longer than
        ``settings.lock_wait``.
        """
        return (await self._fetch(scan, directory, progress_callback)).slots

    async def fetch_scan(
        self,
        scan: ScanResult,
        directory: Path | str | None = None,
        *,
        progress_callback: AnyProgress = None,
        skip: Mapping[datetime, str] | None = None,
        look: Look | None = None,
    ) -> ReconcileReport:
        """:meth:`fetch_missing` with the detailed report (a GOES-East/West part, scanned by ``fetch/view.py``).
        ``skip``: as :meth:`reconcile_detailed`'s; ``look``: fetch in this look, whatever the folder's frames say
        (``--conform`` fetching a frame again)."""
        return await self._fetch(scan, directory, progress_callback, skip, look=look)

    async def _fetch(
        self,
        scan: ScanResult,
        directory: Path | str | None,
        progress_callback: AnyProgress,
        skip: Mapping[datetime, str] | None = None,
        look: Look | None = None,
    ) -> ReconcileReport:
        folder = self._directory(directory)
        if not folder.is_dir():
            raise NotADirectoryError(f"{folder} is not a folder")
        if skip:  # slots the caller knows no source has (watch: unavailable for a day): not tried
            from goesvfi.integrity_check.remote.availability import apply_availability

            apply_availability(scan, None, dict(skip))
        look_plan = None
        if scan.missing:
            check = await asyncio.to_thread(check_look, scan, None, folder)
            found = check.look if check.origin == "folder" else None
            look_plan = plan_look(scan.sector, found, self.settings, forced=look, band=scan.band)
        use_cdn = look_plan is None or look_plan.cdn_usable
        use_s3 = look_plan is None or look_plan.s3_usable
        table = look_plan.look.table if look_plan and look_plan.look else ""
        why = f"the look is {table}, which only the CDN's JPGs have"
        plan = plan_fetch(
            scan.satellite,
            scan.sector,
            scan.missing,
            self.now(),
            self.settings.cdn_days,
            use_cdn=use_cdn,
            use_s3=use_s3,
            cdn_only_reason=why,
        )
        sources = {source for order in plan.order.values() for source in order}
        cdn_size = None if look_plan is None else look_plan.cdn_size
        env = FetchEnv(
            stores={
                source: self._cdn_store(scan.sector, cdn_size) if source is Source.CDN else self.store(source)
                for source in sources
            },
            convert=_convert(self.settings, look_plan),
            policy=RetryPolicy(self.settings.retries, self.settings.backoff_base, self.settings.backoff_max),
            sleep=self._sleep,
            concurrency=self.settings.concurrency,
            render_gate=self._render_gate,
            render_executor=self._render_executor(),
            inflight=self._inflight,
        )
        guard = DiskGuard(folder, self.settings.disk_threshold, self._disk_free)
        progress = progress_adapter(progress_callback)
        from goesvfi.integrity_check.remote.availability import SETTLE

        job = FetchJob(scan, folder, plan, env, guard, progress, settled_before=self.now() - SETTLE)
        self._running += 1
        try:
            if plan.order:
                async with self._locks.hold(folder, self._on_wait(folder, plan, progress)):
                    slots = await job.run()
            else:
                slots = await job.run()
        finally:
            self._running -= 1
            if job.finished and self.use_cache:
                await self._log(job.finished)
            if not self._running:
                await self._idle()
        seam = seam_note(slots)
        if seam is not None and look_plan is not None:
            look_plan.notes.append(seam)
        return ReconcileReport(scan, slots, guard.tripped, look_plan)

    async def conform(
        self,
        scan: ScanResult,
        directory: Path | str | None = None,
        *,
        dry_run: bool = False,
        on_frame: Callable[[ConformAction], None] | None = None,
    ) -> ConformReport:
        """Rewrite the scan's present frames that do not match the folder's look (:mod:`.conform`), holding
        the folder's fetch lock; ``dry_run`` only lists them."""
        folder = self._directory(directory)
        if dry_run:
            return await conform_folder(self, scan, folder, dry_run=True)
        async with self._locks.hold(folder):
            return await conform_folder(self, scan, folder, on_frame=on_frame)

    @staticmethod
    def _on_wait(folder: Path, plan: FetchPlan, progress: ProgressSink) -> Callable[[LockHolder], None]:
        def on_wait(holder: LockHolder) -> None:
            who = f" (PID {holder.pid})" if holder.pid is not None else ""
            message = f"Waiting for another fetch into {folder}{who} ..."
            log.info("%s", message)
            progress(Progress(0, len(plan.order), Stage.PLAN, message))

        return on_wait

    async def _log(self, slots: list[SlotResult]) -> None:
        from goesvfi.integrity_check.cache.db import CacheError

        try:
            await self.cache_db.log_fetches(slots)
        except CacheError as exc:  # the frames are written; only the log entry is lost
            log.warning("The fetch log was not updated: %s", exc)

    # ---- scan + fetch -------------------------------------------------------------------------------

    async def reconcile_detailed(
        self,
        directory: Path | str | None,
        query: ArchiveQuery,
        *,
        progress_callback: AnyProgress = None,
        force_rescan: bool = False,
        skip: Mapping[datetime, str] | None = None,
        verify: bool = False,
        audit: int = 0,
    ) -> ReconcileReport:
        """Scan, then fetch what is missing: the scan and one result per expected slot.

        ``skip``: slots not to try (slot -> reason), reported UNAVAILABLE. Slots the model knows NOAA never
        produced are skipped too, and a slot no store lists (every listing read) is UNAVAILABLE, not FAILED.
        """
        scan = await self.scan(
            directory,
            query,
            progress_callback=progress_callback,
            force_rescan=force_rescan,
            verify=verify,
            audit=audit,
        )
        return await self._fetch(scan, directory, progress_callback, skip)

    async def reconcile(
        self,
        directory: Path | str | None,
        satellite: SatellitePattern,
        start_time: datetime,
        end_time: datetime,
        interval_minutes: int = 0,
        progress_callback: AnyProgress = None,
        *,
        sector: Sector = Sector.CONUS,
        band: int = DEFAULT_BAND,
    ) -> tuple[int, int, int]:
        """The seed's call: ``(total expected, existing before, fetched)``.

        Raises :class:`DiskSpaceError` (with ``.report``) when the disk guard stopped the fetch, and
        :class:`~..folder.lock.FolderLockedError` when another fetch kept the folder too long.
        """
        query = ArchiveQuery(satellite, start_time, end_time, sector, band, interval_minutes)
        report = await self.reconcile_detailed(directory, query, progress_callback=progress_callback)
        if report.stopped is not None:
            report.stopped.report = report
            raise report.stopped
        return report.total, report.existing, report.fetched
