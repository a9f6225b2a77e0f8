"""EnhancedViewModel: the Integrity Check tab's state and commands, bridging Qt and the asyncio core.

It is the only place that creates or cancels asyncio tasks (on the qasync loop). The core reports progress
to a callback that may run on a worker thread: the callback only stores the latest report, and a 20 Hz
QTimer on the GUI thread turns it into a ``progress_changed`` signal, so the UI never floods. Every
command runs inside a guard that turns any exception into a status message and a log entry: no traceback
reaches the user. Testable without widgets.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QObject, QSettings, QTimer, pyqtSignal

from .gui.digest import (
    FETCH_MODULES,
    SCAN_MODULES,
    ResultsDigest,
    digest_slots,
    preload,
    sample_archive,
    user_message,
    utc_text,
)
from .gui.preferences import Preferences, env_locked, load_preferences, load_value, save_preferences, save_values
from .results import Progress, ScanResult, SlotResult, SlotStatus, Source, Stage
from .settings import FetchSettings
from .time_index import DEFAULT_BAND, SatellitePattern, Sector, to_utc

if TYPE_CHECKING:
    from .cache_db import CacheDB
    from .reconcile_manager import ReconcileManager

log = logging.getLogger(__name__)
ManagerFactory = Callable[[FetchSettings, "CacheDB"], "ReconcileManager"]
PROGRESS_INTERVAL_MS = 50  # at most 20 progress updates per second
DISK_INTERVAL_MS = 2000
LONG_TASK_SECONDS = 20.0  # scans / fetches longer than this end with a desktop notification
Outcome = tuple[str, bool]  # a finished command's status message, and whether it went well
READY = "Choose a folder, a satellite and a time range, then Scan."


class Task(Enum):
    IDLE = "idle"
    SCAN = "scan"
    FETCH = "fetch"
    EXPORT = "export"


@dataclass(frozen=True, slots=True)
class DiskSpace:
    path: str
    free: int | None  # None: the folder does not exist (yet) or cannot be read
    threshold: int

    @property
    def low(self) -> bool:
        return self.free is not None and self.free < self.threshold


class EnhancedViewModel(QObject):
    directory_selected = pyqtSignal(str)
    inputs_changed = pyqtSignal()  # satellite / sector / band / interval / range changed by the model
    state_changed = pyqtSignal()  # task started or ended: what the buttons may do changed
    status_changed = pyqtSignal(str)
    log_added = pyqtSignal(str, str)  # level ("info", "warning", "error"), message
    progress_changed = pyqtSignal(object)  # Progress | None (throttled)
    results_changed = pyqtSignal(object)  # ResultsDigest | None
    disk_space_changed = pyqtSignal(object)  # DiskSpace
    preferences_changed = pyqtSignal()
    error_occurred = pyqtSignal(str)
    scan_completed = pyqtSignal(object)  # ScanResult
    fetch_completed = pyqtSignal(object)  # list[SlotResult]
    export_completed = pyqtSignal(str)  # CSV path
    task_finished = pyqtSignal(str, str, float)  # title, message, seconds

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        settings: QSettings | None = None,
        cache_path: Path | None = None,
        manager_factory: ManagerFactory | None = None,
        now: Callable[[], datetime] | None = None,
        disk_free: Callable[[Path], int] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(parent)
        self._qsettings = settings if settings is not None else QSettings()
        self._cache_path = cache_path
        self._factory = manager_factory
        self._now = now or (lambda: datetime.now(UTC))
        self._disk_free = disk_free or (lambda path: shutil.disk_usage(path).free)
        self._loop = loop
        self._cache: CacheDB | None = None
        self._managed: tuple[FetchSettings, ReconcileManager] | None = None
        self._prefs = load_preferences(self._qsettings)
        end = self.now().replace(second=0, microsecond=0)
        self._directory = str(load_value(self._qsettings, "ui/directory", ""))
        self._start, self._end = end - timedelta(hours=24), end
        self._satellite = _enum(
            SatellitePattern, load_value(self._qsettings, "ui/satellite", "goes18"), SatellitePattern.GOES_18
        )
        self._sector = _enum(Sector, load_value(self._qsettings, "ui/sector", "conus"), Sector.CONUS)
        self._band = int(load_value(self._qsettings, "ui/band", DEFAULT_BAND))  # type: ignore[call-overload]
        self._interval = int(load_value(self._qsettings, "ui/interval", 0))  # type: ignore[call-overload]
        self._task_kind = Task.IDLE
        self._task: asyncio.Task[None] | None = None
        self._side_tasks: set[asyncio.Task[Any]] = set()
        self._detect_task: asyncio.Task[None] | None = None
        self._scan: ScanResult | None = None
        self._scan_dir: Path | None = None
        self._digest: ResultsDigest | None = None
        self._status = f"Ready: Scan checks {self._directory} for missing frames." if self._directory else READY
        self._last_error: str | None = None
        self._disk: DiskSpace | None = None
        self._pending: Progress | None = None
        self._shown: Progress | None = None
        self._logged = ""
        self._progress_timer = _timer(self, PROGRESS_INTERVAL_MS, self._flush_progress)
        self._disk_timer = _timer(self, DISK_INTERVAL_MS, self.refresh_disk_space)

    # ---- state --------------------------------------------------------------------------------------

    def now(self) -> datetime:
        return to_utc(self._now())

    @property
    def directory(self) -> str:
        return self._directory

    @property
    def start(self) -> datetime:
        return self._start

    @property
    def end(self) -> datetime:
        return self._end

    @property
    def satellite(self) -> SatellitePattern:
        return self._satellite

    @property
    def sector(self) -> Sector:
        return self._sector

    @property
    def band(self) -> int:
        return self._band

    @property
    def interval_minutes(self) -> int:
        return self._interval

    @property
    def preferences(self) -> Preferences:
        return self._prefs

    @property
    def fetch_settings(self) -> FetchSettings:
        return self._prefs.for_sector(self._sector)

    def cdn_cutoff(self) -> datetime | None:
        """Frames older than this come from S3 (None when the sector has no CDN images)."""
        if self._sector.cdn_dir is None:
            return None
        return self.now() - timedelta(days=self._prefs.fetch.cdn_days)

    @property
    def locked_settings(self) -> dict[str, str]:
        return env_locked()

    @property
    def task(self) -> Task:
        return self._task_kind

    @property
    def busy(self) -> bool:
        return self._task_kind is not Task.IDLE

    @property
    def status(self) -> str:
        return self._status

    @property
    def last_error(self) -> str | None:
        return self._last_error

    @property
    def scan_result(self) -> ScanResult | None:
        return self._scan

    @property
    def digest(self) -> ResultsDigest | None:
        return self._digest

    @property
    def slots(self) -> list[SlotResult]:
        return [] if self._digest is None else self._digest.slots

    @property
    def disk_space(self) -> DiskSpace | None:
        return self._disk

    @property
    def can_scan(self) -> bool:
        return not self.busy and bool(self._directory.strip())

    @property
    def can_fetch(self) -> bool:
        return not self.busy and self._digest is not None and self._digest.unresolved > 0

    @property
    def can_cancel(self) -> bool:
        return self._task_kind in (Task.SCAN, Task.FETCH)

    @property
    def can_export(self) -> bool:
        return not self.busy and self._digest is not None and bool(self._digest.slots)

    # ---- inputs -------------------------------------------------------------------------------------

    def set_directory(self, directory: str, *, detect: bool = True) -> None:
        """Choose the folder; ``detect`` then guesses satellite, sector and band from its file names."""
        directory = directory.strip()
        if directory == self._directory:
            return
        self._directory = directory
        save_values(self._qsettings, {"ui/directory": directory})
        if self._digest is not None and not self.busy:
            self._set_results(None, None)
        self.directory_selected.emit(directory)
        if not self.busy:
            self._set_status(f"Ready: Scan checks {directory} for missing frames." if directory else READY)
        self.state_changed.emit()
        self.refresh_disk_space()
        if detect:
            self.detect_archive()

    def apply_inputs(
        self,
        *,
        directory: str | None = None,
        satellite: SatellitePattern | None = None,
        sector: Sector | None = None,
        band: int | None = None,
        interval_minutes: int | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> None:
        """Set several inputs at once (a host application or the command line pre-filling the tab).

        Given values win over detection: with a satellite given, the folder is not auto-detected.
        """
        if directory is not None:
            self.set_directory(directory, detect=satellite is None)
        if satellite is not None:
            self.set_satellite(satellite)
        if sector is not None:
            self.set_sector(sector)
        if band is not None:
            self.set_band(band)
        if interval_minutes is not None:
            self.set_interval(interval_minutes)
        self.set_range(start or self._start, end or self._end)
        self.inputs_changed.emit()

    def set_range(self, start: datetime, end: datetime) -> None:
        self._start, self._end = to_utc(start), to_utc(end)

    def apply_preset(self, hours: float) -> None:
        """The last ``hours`` up to now (minute precision)."""
        end = self.now().replace(second=0, microsecond=0)
        self.set_range(end - timedelta(hours=hours), end)
        self.inputs_changed.emit()

    def set_satellite(self, satellite: SatellitePattern) -> None:
        self._satellite = satellite
        save_values(self._qsettings, {"ui/satellite": satellite.value})

    def set_sector(self, sector: Sector) -> None:
        self._sector = sector
        save_values(self._qsettings, {"ui/sector": sector.value})

    def set_band(self, band: int) -> None:
        self._band = int(band)
        save_values(self._qsettings, {"ui/band": self._band})

    def set_interval(self, minutes: int) -> None:
        self._interval = max(0, int(minutes))
        save_values(self._qsettings, {"ui/interval": self._interval})

    def set_preferences(self, prefs: Preferences) -> None:
        self._prefs = prefs
        save_preferences(self._qsettings, prefs)
        self.preferences_changed.emit()
        self._log("info", "Settings saved.")
        self.refresh_disk_space()

    # ---- commands -----------------------------------------------------------------------------------

    def scan(self, force_rescan: bool = False) -> bool:
        """Start a scan; False (with a message) when the inputs are not usable."""
        problem = self._check_inputs()
        if problem is not None:
            self._fail(problem)
            return False
        if self._detect_task is not None:
            self._detect_task.cancel()
        end = min(self._end, self.now())
        if end < self._end:
            self._log("info", f"Scanning up to now ({utc_text(end)}): later frames cannot exist yet.")
        args = (Path(self._directory), self._satellite, self._start, end)
        options = {"sector": self._sector, "band": self._band, "interval_minutes": self._interval}
        return self._start_task(Task.SCAN, "Scan", lambda: self._run_scan(*args, force_rescan=force_rescan, **options))

    def fetch_missing(self) -> bool:
        if not self.can_fetch or self._scan is None or self._scan_dir is None:
            self._fail("Nothing to fetch: scan a folder with missing frames first.")
            return False
        scan, folder = self._scan_for_fetch(), self._scan_dir
        return self._start_task(Task.FETCH, "Fetch", lambda: self._run_fetch(scan, folder))

    def export_csv(self, path: str) -> bool:
        if not self.can_export or not path.strip():
            self._fail("Nothing to export: scan a folder first.")
            return False
        slots = list(self.slots)
        return self._start_task(Task.EXPORT, "Export", lambda: self._run_export(Path(path), slots))

    def cancel(self) -> None:
        if self._task is not None and not self._task.done() and self.can_cancel:
            self._set_status("Cancelling...")
            self._task.cancel()

    def suggested_csv_name(self) -> str:
        scan = self._scan
        if scan is None:
            return "integrity_report.csv"
        return (
            f"integrity_{scan.satellite.value}_{scan.sector.value}_C{scan.band:02d}_"
            f"{scan.start:%Y%m%dT%H%M}Z_{scan.end:%Y%m%dT%H%M}Z.csv"
        )

    def detect_archive(self) -> None:
        """Guess satellite, sector and band from the folder's file names (in the background)."""
        if not self._directory or self.busy:
            return
        if self._detect_task is not None:
            self._detect_task.cancel()
        folder = Path(self._directory)
        self._detect_task = self._spawn(lambda: self._run_detect(folder))

    def refresh_disk_space(self) -> None:
        if self._directory:
            folder = Path(self._directory)
            self._spawn(lambda: self._run_disk(folder))

    def report_exception(self, exc: BaseException) -> None:
        """The application's last-resort hook: an exception nobody caught becomes a message."""
        self._fail(user_message(exc))

    async def aclose(self) -> None:
        """Cancel running work and close the cache (the application calls this on exit)."""
        tasks = [t for t in (self._task, *self._side_tasks) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._progress_timer.stop()
        self._disk_timer.stop()
        await self._close_manager()
        if self._cache is not None:
            await self._cache.close()
            self._cache = None

    # ---- internals ----------------------------------------------------------------------------------

    def _check_inputs(self) -> str | None:
        if self.busy:
            return "Wait for the running task to finish, or cancel it."
        if not self._directory:
            return "Choose a folder to scan first (Browse...)."
        if self._end <= self._start:
            return "The end time must be after the start time."
        if self._start >= self.now():
            return "The start time is in the future: no frames exist yet."
        last = self._satellite.served[1]
        if last is not None and self._start >= last:
            return self._satellite.coverage_warning(self._start, self._end)
        return None

    def _scan_for_fetch(self) -> ScanResult:
        """The scan with what is still unresolved as its missing list (so Fetch again retries failures)."""
        scan = self._scan
        assert scan is not None
        done = {s.timestamp: s.path for s in self.slots if s.status is SlotStatus.FETCHED and s.path is not None}
        missing = [s.timestamp for s in self.slots if s.status in (SlotStatus.MISSING, SlotStatus.FAILED)]
        return ScanResult(
            satellite=scan.satellite,
            sector=scan.sector,
            band=scan.band,
            start=scan.start,
            end=scan.end,
            interval_minutes=scan.interval_minutes,
            expected=scan.expected,
            existing={**scan.existing, **done},
            missing=missing,
            warnings=list(scan.warnings),
        )

    def _loop_for_tasks(self) -> asyncio.AbstractEventLoop | None:
        """The loop given at construction, else the running (qasync) loop; None outside an event loop."""
        if self._loop is not None:
            return self._loop
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return None

    def _spawn(self, work: Callable[[], Coroutine[Any, Any, None]]) -> asyncio.Task[None] | None:
        """A background task (detection, disk space) whose failures become a message, never a traceback."""

        async def guarded() -> None:
            try:
                await work()
            except Exception as exc:
                self._fail(user_message(exc))

        loop = self._loop_for_tasks()
        if loop is None:  # background niceties (detection, disk space) wait until the loop runs
            log.debug("no running event loop: background refresh skipped")
            return None
        task = loop.create_task(guarded())
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)
        return task

    def _start_task(self, kind: Task, title: str, work: Callable[[], Coroutine[Any, Any, Outcome]]) -> bool:
        loop = self._loop_for_tasks()
        if loop is None:
            self._fail("The Integrity Check needs a running qasync event loop (see INTEGRATION.md).")
            return False
        self._task_kind = kind
        self._last_error = None
        self._pending = self._shown = None
        self._logged = ""
        self._task = loop.create_task(self._guard(kind, title, work))
        self._progress_timer.start()
        self._disk_timer.start()
        self.state_changed.emit()
        return True

    async def _guard(self, kind: Task, title: str, work: Callable[[], Coroutine[Any, Any, Outcome]]) -> None:
        started = time.monotonic()
        try:
            message, ok = await work()
        except asyncio.CancelledError:
            self._log("warning", f"{title} cancelled.")
            self._set_status(f"{title} cancelled.")
            raise
        except Exception as exc:  # the guarded path: every failure becomes a message, never a traceback
            self._fail(f"{title} failed: {user_message(exc)}")
        else:
            elapsed = time.monotonic() - started
            if ok:
                self._set_status(message)
            else:
                self._fail(message)
            if kind in (Task.SCAN, Task.FETCH) and elapsed >= LONG_TASK_SECONDS:
                self.task_finished.emit(f"{title} finished", message, elapsed)
        finally:
            self._progress_timer.stop()
            self._disk_timer.stop()
            self._pending = self._shown = None
            self.progress_changed.emit(None)
            self._task_kind = Task.IDLE
            self._task = None
            self.state_changed.emit()
            self.refresh_disk_space()

    async def _manager(self) -> ReconcileManager:
        """The manager for the current settings: kept between commands (its stores' sessions and clients
        are costly to build), replaced when the settings change."""
        settings = self.fetch_settings
        if self._managed is not None and self._managed[0] == settings:
            return self._managed[1]
        await self._close_manager()
        if self._cache is None:
            from .cache_db import CacheDB

            self._cache = CacheDB(self._cache_path)
        if self._factory is not None:
            manager = self._factory(settings, self._cache)
        else:
            from .reconcile_manager import ReconcileManager

            manager = ReconcileManager(self._cache, settings=settings, now=self._now, disk_free=self._disk_free)
        self._managed = (settings, manager)
        return manager

    async def _close_manager(self) -> None:
        if self._managed is not None:
            manager, self._managed = self._managed[1], None
            await manager.close()

    async def _run_scan(self, directory: Path, satellite: SatellitePattern, start: datetime, end: datetime,
                        **options: Any) -> Outcome:  # fmt: skip
        self._set_status(f"Scanning {directory} ...")
        self._log("info", f"Scan of {directory}: {satellite.display_name}, {utc_text(start)} -> {utc_text(end)}.")
        await asyncio.to_thread(preload, SCAN_MODULES)
        manager = await self._manager()
        scan = await manager.scan(directory, satellite, start, end, progress_callback=self._on_progress, **options)
        digest = await asyncio.to_thread(lambda: digest_slots(scan.slots()))  # both off the GUI thread
        for warning in scan.warnings:
            self._log("warning", warning)
        self._set_results(scan, digest, directory)
        self.scan_completed.emit(scan)
        summary = self._summary_line(digest)
        self._log("info", summary)
        if not digest.unresolved:
            return f"No gaps: all {len(digest.slots):,} expected frames are present.", True
        return summary, True

    async def _run_fetch(self, scan: ScanResult, directory: Path) -> Outcome:
        count = len(scan.missing)
        self._set_status(f"Fetching {count:,} missing frames ...")
        self._log("info", f"Fetching {count:,} frames into {directory}.")
        await asyncio.to_thread(preload, FETCH_MODULES)
        manager = await self._manager()
        slots = await manager.fetch_missing(scan, directory, progress_callback=self._on_progress)
        digest = await asyncio.to_thread(digest_slots, slots)
        self._set_results(self._scan, digest, directory)
        self._log_fetch_outcome(slots)
        self.fetch_completed.emit(slots)
        fetched, unresolved = digest.counts[SlotStatus.FETCHED], digest.unresolved
        if not unresolved:
            return f"Fetched all {count:,} missing frames. {self._summary_line(digest)}", True
        if not fetched:
            return f"Could not fetch any of the {count:,} missing frames: the activity log says why.", False
        return (
            f"Fetched {fetched:,} of {count:,} missing frames; {unresolved:,} could not be fetched (see the log).",
            True,
        )

    async def _run_export(self, path: Path, slots: list[SlotResult]) -> Outcome:
        from .report import write_csv

        await asyncio.to_thread(write_csv, path, slots)
        self._log("info", f"Report written: {path} ({len(slots):,} rows).")
        self.export_completed.emit(str(path))
        return f"Report written to {path}.", True

    async def _run_detect(self, directory: Path) -> None:
        guess = await asyncio.to_thread(sample_archive, directory)
        if guess.files == 0 or self._directory != str(directory) or self.busy:
            return
        found = []
        if guess.satellite is not None and guess.satellite is not self._satellite:
            self.set_satellite(guess.satellite)
        if guess.satellite is not None:
            found.append(guess.satellite.display_name)
        if guess.sector is not None:
            self.set_sector(guess.sector)
            found.append(guess.sector.display_name)
        if guess.band is not None and 1 <= guess.band <= 16:
            self.set_band(guess.band)
            found.append(f"band {guess.band}")
        if found:
            self._log("info", f"Detected {', '.join(found)} from {guess.files:,} file names.")
            self.inputs_changed.emit()

    async def _run_disk(self, directory: Path) -> None:
        threshold = self._prefs.fetch.disk_threshold
        try:
            free: int | None = await asyncio.to_thread(self._disk_free, directory)
        except OSError:
            free = None
        if str(directory) != self._directory:
            return
        self._disk = DiskSpace(str(directory), free, threshold)
        self.disk_space_changed.emit(self._disk)

    def _on_progress(self, progress: Progress) -> None:
        self._pending = progress  # may run on a worker thread: only a store, the timer publishes it

    def _flush_progress(self) -> None:
        pending = self._pending
        if pending is None or pending is self._shown:
            return
        if pending.stage in (Stage.LIST, Stage.PLAN) and pending.message and pending.message != self._logged:
            self._logged = pending.message  # listing and planning steps; per-file steps only show in the status
            self._log("info", pending.message)
        self._shown = pending
        self.progress_changed.emit(pending)

    def _set_results(self, scan: ScanResult | None, digest: ResultsDigest | None, folder: Path | None = None) -> None:
        self._scan, self._digest, self._scan_dir = scan, digest, folder
        self.results_changed.emit(digest)
        self.state_changed.emit()

    def _summary_line(self, digest: ResultsDigest) -> str:
        counts = digest.counts
        parts = [f"{len(digest.slots):,} expected", f"{counts[SlotStatus.PRESENT]:,} present"]
        if counts[SlotStatus.FETCHED]:
            parts.append(f"{counts[SlotStatus.FETCHED]:,} fetched")
        parts.append(f"{counts[SlotStatus.MISSING]:,} missing")
        if counts[SlotStatus.FAILED]:
            parts.append(f"{counts[SlotStatus.FAILED]:,} failed")
        return ", ".join(parts) + "."

    def _log_fetch_outcome(self, slots: list[SlotResult]) -> None:
        sources = Counter(s.source for s in slots if s.status is SlotStatus.FETCHED and s.source is not None)
        if sources:
            parts = [
                f"{count:,} from {'the CDN' if source is Source.CDN else 'S3'}" for source, count in sources.items()
            ]
            self._log("info", f"Fetched {' and '.join(parts)}.")
        errors: dict[str, int] = {}
        for slot in slots:
            if slot.status in (SlotStatus.FAILED, SlotStatus.MISSING) and slot.error:
                errors[slot.error] = errors.get(slot.error, 0) + 1
        for error, count in sorted(errors.items(), key=lambda item: -item[1])[:10]:
            self._log("error", f"{count:,} frame(s): {error}" if count > 1 else error)
        if len(errors) > 10:
            self._log("error", f"... and {len(errors) - 10} other errors (see the CSV report).")

    def _set_status(self, text: str) -> None:
        self._status = text
        self.status_changed.emit(text)

    def _log(self, level: str, text: str) -> None:
        getattr(log, level)(text)
        self.log_added.emit(level, text)

    def _fail(self, message: str) -> None:
        self._last_error = message
        self._set_status(message)
        self._log("error", message)
        self.error_occurred.emit(message)


def _timer(parent: QObject, interval_ms: int, slot: Callable[[], None]) -> QTimer:
    timer = QTimer(parent)
    timer.setInterval(interval_ms)
    timer.timeout.connect(slot)
    return timer


def _enum(kind: type[Enum], value: object, default: Enum) -> Any:
    try:
        return kind(value)
    except ValueError:
        return default
