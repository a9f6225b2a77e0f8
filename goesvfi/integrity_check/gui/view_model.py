"""EnhancedViewModel: the Integrity Check tab's state and commands, bridging Qt and the asyncio core.

One object, composed of the parts it owns: the inputs (:class:`~.inputs.ArchiveInputs`, which announce their own
changes), the task runner (:class:`~.task_runner.TaskRunner`: it is the only place that creates or cancels asyncio
tasks, on the qasync loop), the session (:class:`~.session.IntegritySession`: the workflows, Qt-free) and
Auto-fetch (:class:`~.auto_fetch.AutoFetch`, whose cycles run this object's own scan and fetch). This object runs
the session's workflows as tasks and turns what they return into signals. The core reports progress to a callback
that may run on a worker thread; the runner publishes the latest report at most 20 times a second. Every command
runs inside a guard that turns any exception into a status message and a log entry: no traceback reaches the
user. Testable without widgets.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QObject, QSettings, pyqtSignal

from goesvfi.integrity_check.gui import messages
from goesvfi.integrity_check.gui.archive_session import OpenArchive
from goesvfi.integrity_check.gui.auto_fetch import AutoFetch, AutoFetchState
from goesvfi.integrity_check.gui.disk_watch import DiskWatch
from goesvfi.integrity_check.gui.inputs import ArchiveInputs
from goesvfi.integrity_check.gui.look_view import LookView
from goesvfi.integrity_check.gui.messages import user_message, utc_text
from goesvfi.integrity_check.gui.preferences import (
    Preferences,
    env_locked,
    load_preferences,
    load_value,
    save_preferences,
    save_values,
)
from goesvfi.integrity_check.gui.previewer import Previewer
from goesvfi.integrity_check.gui.results_digest import ResultsDigest
from goesvfi.integrity_check.gui.session import (
    DiskSpace,
    Fetched,
    IntegritySession,
    ManagerFactory,
    look_name_error,
    suggested_csv_name,
    suggested_csv_path,
)
from goesvfi.integrity_check.gui.shown import ShownResults
from goesvfi.integrity_check.gui.slot_list import SlotList
from goesvfi.integrity_check.gui.task_runner import TaskRunner
from goesvfi.integrity_check.query import ArchiveQuery, ViewQuery
from goesvfi.integrity_check.results import Progress, ScanResult, SlotResult, SlotStatus, Stage
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from goesvfi.integrity_check.time_index.operational import View

if TYPE_CHECKING:
    from goesvfi.integrity_check.fetch.manager import ReconcileReport

__all__ = ["DiskSpace", "EnhancedViewModel", "Task"]

log = logging.getLogger(__name__)
LONG_TASK_SECONDS = 20.0  # scans / fetches longer than this end with a desktop notification
Outcome = tuple[str, bool]  # a finished command's status message, and whether it went well


class Task(Enum):
    IDLE = "idle"
    SCAN = "scan"
    FETCH = "fetch"
    EXPORT = "export"
    AUTO = "auto-fetch"  # an Auto-fetch cycle


class EnhancedViewModel(QObject):
    """State and commands of the tab (see the module docstring); the inputs are :attr:`inputs`.

    ``now`` and ``sleep`` are the clock and the wait between Auto-fetch cycles (tests inject both).
    """

    directory_selected = pyqtSignal(str)
    inputs_changed = pyqtSignal()  # satellite / sector / band / interval / range changed by the model
    state_changed = pyqtSignal()  # task started or ended: what the buttons may do changed
    status_changed = pyqtSignal(str)
    log_added = pyqtSignal(str, str)  # level ("info", "warning", "error"), message
    progress_changed = pyqtSignal(object)  # Progress | None (throttled)
    results_changed = pyqtSignal(object)  # ResultsDigest | None
    slots_updated = pyqtSignal(object, object)  # ResultsDigest, positions that changed (np.ndarray): live fetch
    disk_space_changed = pyqtSignal(object)  # DiskSpace
    preferences_changed = pyqtSignal()
    error_occurred = pyqtSignal(str)
    scan_completed = pyqtSignal(object)  # ScanResult
    archive_loaded = pyqtSignal(object)  # (file name, [ProductRow]): an archive file's products and completeness
    look_checked = pyqtSignal(object)  # LookView of the shown scan (the folder's look, mismatched frames)
    fetch_completed = pyqtSignal(object)  # list[SlotResult]
    export_completed = pyqtSignal(str)  # CSV path
    task_finished = pyqtSignal(str, str, float)  # title, message, seconds

    look_name_error = staticmethod(look_name_error)

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
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(parent)
        self._qsettings = settings if settings is not None else QSettings()
        self.session = IntegritySession(
            cache_path,
            manager_factory,
            now or (lambda: datetime.now(UTC)),
            disk_free or (lambda path: shutil.disk_usage(path).free),
        )
        self.inputs = ArchiveInputs(self._qsettings, self.session.now, self)
        self.runner = TaskRunner(self, loop)
        self.runner.results.connect(self._apply_slot_results)
        self.runner.progress.connect(self._publish_progress)
        self._prefs = load_preferences(self._qsettings)
        self._task_kind = Task.IDLE
        self.shown = ShownResults()
        self.archive = OpenArchive()  # the archive file opened in the tab
        self._status = messages.ready(self.inputs.archive_folder)
        self._last_error: str | None = None
        self._logged = ""
        self.disk = DiskWatch(self.runner, self.session, self.inputs, self._disk_threshold, self.report_exception, self)
        self.disk.changed.connect(self.disk_space_changed)
        self._detect_task: asyncio.Task[None] | None = None
        self.auto = AutoFetch(
            self, self.inputs, self.runner, self.session, self._disk_threshold, self._qsettings, sleep, self
        )
        self.state_changed.connect(self.auto.wake_if_idle)
        self.auto_fetch_changed = self.auto.changed
        self.previewer = Previewer(self.runner, self.report_exception, self, lambda: self.shown.look)
        self.preview_ready = self.previewer.ready  # SlotPreview: the selected frame, or a missing one's neighbours

    # ---- state --------------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.session.now()

    @property
    def preferences(self) -> Preferences:
        return self._prefs

    def _disk_threshold(self) -> int:
        return self._prefs.fetch.disk_threshold

    @property
    def fetch_settings(self) -> FetchSettings:
        """The preferences' settings for the sector; the shown archive product's look when it has one."""
        inputs = self.inputs
        settings = self._prefs.for_sector(inputs.sector)
        return self.archive.settings(
            settings, inputs.archive_folder, inputs.view or inputs.satellite, inputs.sector, inputs.band
        )

    def cdn_cutoff(self) -> datetime | None:
        """Frames older than this come from S3 (None when the sector has no CDN images)."""
        return self._prefs.cdn_cutoff(self.inputs.sector, self.now())

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
    def background_busy(self) -> bool:
        """Folder detection or a disk-space check is running."""
        return self.runner.background_busy

    @property
    def progress(self) -> Progress | None:
        """The latest progress report of the running command."""
        return self.runner.last_progress

    @property
    def status(self) -> str:
        return self._status

    @property
    def last_error(self) -> str | None:
        return self._last_error

    @property
    def scan_result(self) -> ScanResult | None:
        return self.shown.scan

    @property
    def digest(self) -> ResultsDigest | None:
        return self.shown.digest

    @property
    def slots(self) -> SlotList:
        """The shown slots in time order (columns; each ``SlotResult`` is built when read)."""
        return self.shown.slots

    @property
    def look_check(self) -> LookView | None:
        """The shown scan's look check (None until it finished)."""
        return self.shown.look

    @property
    def disk_space(self) -> DiskSpace | None:
        return self.disk.space

    @property
    def can_scan(self) -> bool:
        return not self.busy  # no folder chosen: the per-user default

    @property
    def can_fetch(self) -> bool:
        return not self.busy and self.shown.unresolved

    @property
    def can_cancel(self) -> bool:
        return self._task_kind in (Task.SCAN, Task.FETCH)

    @property
    def can_export(self) -> bool:
        return not self.busy and self.shown.has_slots

    # ---- Auto-fetch (the owned AutoFetch object: its commands are on ``auto``) -----------------------

    @property
    def auto_fetch(self) -> AutoFetchState:
        return self.auto.state

    @property
    def auto_fetch_active(self) -> bool:
        return self.auto.active

    # ---- inputs (the rest are set on ``inputs`` directly) -------------------------------------------

    def set_directory(self, directory: str, *, detect: bool = True) -> None:
        """Choose the folder; ``detect`` then guesses satellite, sector and band from its file names."""
        directory = directory.strip()
        if directory == self.inputs.directory:
            return
        self.inputs.set_directory(directory)
        if self.shown.digest is not None and not self.busy:
            self._set_results(None, None)
        self.directory_selected.emit(directory)
        if not self.busy:
            self.show_status(messages.ready(self.inputs.archive_folder))
        self.state_changed.emit()
        self.refresh_disk_space()
        if detect:
            self.detect_archive()

    def apply_inputs(
        self,
        *,
        directory: str | None = None,
        satellite: SatellitePattern | View | None = None,
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
        self.inputs.apply(satellite, sector, band, interval_minutes, start, end)
        self.inputs_changed.emit()

    def apply_preset(self, hours: float) -> None:
        """The last ``hours`` up to now (minute precision)."""
        self.inputs.set_last_hours(hours)
        self.inputs_changed.emit()

    def set_preferences(self, prefs: Preferences) -> None:
        self._prefs = prefs
        save_preferences(self._qsettings, prefs)
        self.preferences_changed.emit()
        self.notify("info", "Settings saved.")
        self.refresh_disk_space()

    # ---- commands -----------------------------------------------------------------------------------

    def scan(self, force_rescan: bool = False) -> bool:
        """Start a scan; False (with a message) when the inputs are not usable."""
        if self.busy:
            self.fail(messages.busy(self._task_kind is Task.AUTO))
            return False
        query, line = self.inputs.scan_query(self.now())
        if query is None:
            self.fail(line)
            return False
        if line:
            self.notify("info", line)
        if self._detect_task is not None:
            self._detect_task.cancel()
        folder = Path(self.inputs.archive_folder)
        return self._start_task(Task.SCAN, "Scan", lambda: self._run_scan(folder, query, force_rescan))

    def open_archive(self, path: str) -> None:
        """Read an archive file and show each product's completeness over the range (in the background)."""
        self._spawn(lambda: self._run_open_archive(Path(path)))

    def select_product(self, index: int) -> bool:
        """Show product ``index`` of the open archive file: its folder, satellite, sector and band, scanned."""
        shown = self.archive.product(index)
        if shown is None:
            return False
        folder, satellite, sector, band = shown
        self.apply_inputs(directory=folder, satellite=satellite, sector=sector, band=band)
        return self.scan()

    def fetch_missing(self) -> bool:
        if not self.can_fetch or self.shown.scan is None or self.shown.folder is None:
            self.fail("Nothing to fetch: scan a folder with missing frames first.")
            return False
        shown, slots, folder = self.shown.scan, self.slots, self.shown.folder
        return self._start_task(Task.FETCH, "Fetch", lambda: self._run_fetch(shown, slots, folder))

    def export_csv(self, path: str) -> bool:
        if not self.can_export or not path.strip():
            self.fail("Nothing to export: scan a folder first.")
            return False
        slots = self.slots  # immutable: a running fetch publishes new lists
        return self._start_task(Task.EXPORT, "Export", lambda: self._run_export(Path(path), slots))

    def cancel(self) -> None:
        if self.can_cancel and self.runner.cancel():
            self.show_status("Cancelling...")

    def suggested_csv_path(self) -> str:
        """Where *Export CSV...* offers to save: the folder of the last export, else the user's documents folder."""
        return suggested_csv_path(str(load_value(self._qsettings, "ui/export_dir", "")), self.shown.scan)

    def suggested_csv_name(self) -> str:
        return suggested_csv_name(self.shown.scan)

    def detect_archive(self) -> None:
        """Guess satellite, sector and band from the folder's file names (in the background)."""
        if not self.inputs.directory or self.busy:
            return
        if self._detect_task is not None:
            self._detect_task.cancel()
        folder = Path(self.inputs.directory)
        self._detect_task = self._spawn(lambda: self._run_detect(folder))

    def refresh_disk_space(self) -> None:
        self.disk.refresh()

    def report_exception(self, exc: BaseException) -> None:
        """The application's last-resort hook: an exception nobody caught becomes a message."""
        self.fail(user_message(exc))

    async def aclose(self) -> None:
        """Stop Auto-fetch (its saved state stays), cancel running work, close the stores and the cache (the
        application calls this on exit)."""
        await self.auto.stop()
        await self.runner.aclose()
        self.disk.stop()
        await self.session.close()

    async def reconcile_shown(
        self,
        directory: Path,
        query: ArchiveQuery | ViewQuery,
        skip: Mapping[datetime, str] | None = None,
        audit: int = 0,
    ) -> ReconcileReport:
        """An Auto-fetch cycle: the same scan and fetch as the buttons, shown as they go (table, pickers, rows).

        ``skip``: slots NOAA has not had for a day (the watch loop's list): shown as not at NOAA, not tried.
        """
        from goesvfi.integrity_check.fetch.manager import ReconcileReport

        self._begin(Task.AUTO)
        self.runner.begin_progress()
        self.show_status(f"Auto-fetch: checking {utc_text(query.start)} -> {utc_text(query.end)} ...")
        try:
            self.inputs.set_range(query.start, query.end)
            self.inputs_changed.emit()
            scan = await self._scan_shown(directory, query, skip=skip, audit=audit)
            fetched = await self._fetch_shown(scan, scan, directory)
            if fetched.digest.counts[SlotStatus.FETCHED]:
                self.fetch_completed.emit(fetched.slots)
            return ReconcileReport(scan, fetched.slots)
        finally:
            self.runner.end_progress()
            self._end()

    # ---- messages (also used by the owned AutoFetch) ------------------------------------------------

    def show_status(self, text: str) -> None:
        self._status = text
        self.status_changed.emit(text)

    def notify(self, level: str, text: str) -> None:
        """A log line: to the Python logger and the tab's log pane."""
        getattr(log, level)(text)
        self.log_added.emit(level, text)

    def fail(self, message: str) -> None:
        self._last_error = message
        self.show_status(message)
        self.notify("error", message)
        self.error_occurred.emit(message)

    # ---- tasks --------------------------------------------------------------------------------------

    def _begin(self, kind: Task) -> None:
        self._task_kind, self._last_error, self._logged = kind, None, ""
        self.disk.start()
        self.state_changed.emit()

    def _end(self) -> None:
        self.disk.stop()
        self.progress_changed.emit(None)
        self._task_kind = Task.IDLE
        self.state_changed.emit()
        self.refresh_disk_space()

    def _start_task(self, kind: Task, title: str, work: Callable[[], Coroutine[Any, Any, Outcome]]) -> bool:
        if self.runner.loop() is None:
            self.fail(messages.NO_EVENT_LOOP)
            return False
        self._begin(kind)
        self.runner.start(lambda: self._guard(kind, title, work))
        return True

    async def _guard(self, kind: Task, title: str, work: Callable[[], Coroutine[Any, Any, Outcome]]) -> None:
        started = time.monotonic()
        try:
            message, ok = await work()
        except asyncio.CancelledError:
            self.notify("warning", f"{title} cancelled.")
            self.show_status(f"{title} cancelled.")
            raise
        except Exception as exc:  # the guarded path: every failure becomes a message, never a traceback
            self.fail(f"{title} failed: {user_message(exc)}")
        else:
            elapsed = time.monotonic() - started
            if ok:
                self.show_status(message)
            else:
                self.fail(message)
            if kind in (Task.SCAN, Task.FETCH) and elapsed >= LONG_TASK_SECONDS:
                self.task_finished.emit(f"{title} finished", message, elapsed)
        finally:
            self._end()

    def _spawn(self, work: Callable[[], Coroutine[Any, Any, None]]) -> asyncio.Task[None] | None:
        """A background task (detection, disk space) whose failures become a message, never a traceback."""
        return self.runner.spawn(work, lambda exc: self.fail(user_message(exc)))

    # ---- the work: the session's workflows, their results published ---------------------------------

    async def _scan_shown(
        self,
        directory: Path,
        query: ArchiveQuery | ViewQuery,
        force_rescan: bool = False,
        remote: bool = False,
        skip: Mapping[datetime, str] | None = None,
        audit: int = 0,
    ) -> ScanResult:
        self.shown.view_query = query if isinstance(query, ViewQuery) else None
        scanned = await self.session.scan(
            directory,
            query,
            self.fetch_settings,
            new_folder=self.inputs.is_new_default(directory),
            force_rescan=force_rescan,
            remote=remote,
            verify=self.inputs.verify_frames,
            audit=audit,
            skip=skip,
            progress=self.runner.report,
        )
        scan = scanned.scan
        self._set_results(scan, scanned.digest, directory)
        self.shown.look = None
        self._spawn(lambda: self._run_look(scan, directory))  # one header per frame: after the rows show
        return scan

    async def _run_scan(self, directory: Path, query: ArchiveQuery | ViewQuery, force_rescan: bool) -> Outcome:
        self.show_status(f"Scanning {directory} ...")
        what = query.view.display_name if isinstance(query, ViewQuery) else query.satellite.display_name
        self.notify("info", f"Scan of {directory}: {what}, {utc_text(query.start)} -> {utc_text(query.end)}.")
        scan = await self._scan_shown(directory, query, force_rescan, remote=self.inputs.check_noaa)
        digest = self.shown.digest
        assert digest is not None
        for warning in scan.warnings:
            self.notify("warning", warning)
        self.scan_completed.emit(scan)
        self.notify("info", messages.summary_line(digest))
        return messages.scan_outcome(digest), True

    async def _run_fetch(self, shown: ScanResult, shown_slots: SlotList, directory: Path) -> Outcome:
        scan = await self.session.unresolved(shown, shown_slots)
        count = len(scan.missing)
        self.show_status(f"Fetching {count:,} missing frames ...")
        self.notify("info", f"Fetching {count:,} frames into {directory}.")
        fetched = await self._fetch_shown(scan, shown, directory)
        for level, line in messages.fetch_log_lines(fetched.slots):
            self.notify(level, line)
        self.fetch_completed.emit(fetched.slots)
        return messages.fetch_outcome(count, fetched.digest)

    async def _fetch_shown(self, scan: ScanResult, shown: ScanResult, directory: Path) -> Fetched:
        """Fetch ``scan``'s missing frames; ``shown`` (of which ``scan`` may be the unresolved part) stays shown."""
        fetched = await self.session.fetch(
            scan,
            directory,
            self.fetch_settings,
            view=self.shown.view_query,
            new_folder=self.inputs.is_new_default(directory),
            progress=self.runner.report,
        )
        self._set_results(shown, fetched.digest, directory)
        return fetched

    async def _run_export(self, path: Path, slots: SlotList) -> Outcome:
        await self.session.export_csv(path, slots, self.shown.look)
        save_values(self._qsettings, {"ui/export_dir": str(path.parent)})
        self.notify("info", f"Report written: {path} ({len(slots):,} rows).")
        self.export_completed.emit(str(path))
        return f"Report written to {path}.", True

    async def _run_open_archive(self, path: Path) -> None:
        from goesvfi.integrity_check.archive import ArchiveFileError

        end = min(self.inputs.end, self.now())
        try:
            archive, rows = await self.session.archive_products(path, self.inputs.start, end, self.fetch_settings)
        except ArchiveFileError as exc:
            self.fail(str(exc))
            return
        self.archive.archive = archive
        self.notify("info", f"Archive file {path}: {len(rows)} products.")
        self.archive_loaded.emit((str(archive.path), rows))

    async def _run_detect(self, directory: Path) -> None:
        guess = await self.session.detect(directory)
        if guess.files == 0 or self.inputs.directory != str(directory) or self.busy:
            return
        found = self.inputs.take_guess(guess)
        if found:
            self.notify("info", f"Detected {', '.join(found)} from {guess.files:,} file names.")
            self.inputs_changed.emit()

    async def _run_look(self, scan: ScanResult, directory: Path) -> None:
        report = await self.session.check_look(scan, directory, self.fetch_settings)
        if not self.shown.take_look(scan, report.view):  # another scan replaced it meanwhile
            return
        if report.warning:
            self.notify("warning", report.warning)
        self.look_checked.emit(report.view)

    # ---- preview ------------------------------------------------------------------------------------

    def preview(self, path: str | Path) -> None:
        """Decode one frame in a worker thread; ``preview_ready`` carries it (a SlotPreview)."""
        self.previewer.request_path(path)

    def preview_slot(self, position: int) -> None:
        """Show the slot at ``position`` (time order) of the results: its frame, or its neighbours."""
        self.previewer.request(self.slots, position)

    # ---- publishing ---------------------------------------------------------------------------------

    def _set_results(self, scan: ScanResult | None, digest: ResultsDigest | None, folder: Path | None = None) -> None:
        self.shown.show(scan, digest, folder)
        self.results_changed.emit(digest)
        self.state_changed.emit()

    def _apply_slot_results(self, results: list[SlotResult]) -> None:
        """Slots a running fetch finished: update the shown results in place (rows, timeline, counts)."""
        updated = self.shown.update(results)
        if updated is not None:
            self.slots_updated.emit(*updated)

    def _publish_progress(self, progress: Progress) -> None:
        if progress.stage in (Stage.LIST, Stage.PLAN) and progress.message and progress.message != self._logged:
            self._logged = progress.message  # listing and planning steps; per-file steps only show in the status
            self.notify("info", progress.message)
        self.progress_changed.emit(progress)
