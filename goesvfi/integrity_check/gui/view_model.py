"""EnhancedViewModel: the Integrity Check tab's state and commands, bridging Qt and the asyncio core.

One object, composed of the parts it owns, which the tab and its views read directly: the inputs (``inputs``,
:class:`~.inputs.ArchiveInputs`, which announce their own changes), the task runner (``runner``,
:class:`~.task_runner.TaskRunner`: the only place that creates or cancels asyncio tasks, on the qasync loop; it
runs each command inside a guard that turns any exception into a message: no traceback reaches the user), the
messages (``messages``, :class:`~.messages.CommandLog`: status line, log, last error), the session
(:class:`~.session.IntegritySession`: the workflows, Qt-free), the shown results (``shown``,
:class:`~.shown.ShownResults`), the free space (``disk``, :class:`~.disk_watch.DiskWatch`), folder detection
(``detect``, :class:`~.folder_detect.FolderDetect`), the previewer and Auto-fetch (``auto``,
:class:`~.auto_fetch.AutoFetch`, whose cycles run this object's own scan and fetch). This object runs the session's
workflows as tasks and turns what they return into signals. The core reports progress to a callback that may run
on a worker thread; the runner publishes the latest report at most 20 times a second. Testable without widgets.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QObject, QSettings, pyqtSignal

from goesvfi.integrity_check.gui import messages
from goesvfi.integrity_check.gui.archive_session import OpenArchive
from goesvfi.integrity_check.gui.auto_fetch import AutoFetch, AutoFetchState
from goesvfi.integrity_check.gui.disk_watch import DiskWatch
from goesvfi.integrity_check.gui.folder_detect import FolderDetect
from goesvfi.integrity_check.gui.inputs import ArchiveInputs
from goesvfi.integrity_check.gui.messages import CommandLog
from goesvfi.integrity_check.gui.preferences import (
    Preferences,
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
from goesvfi.integrity_check.gui.task_runner import Outcome, Task, TaskRunner
from goesvfi.integrity_check.query import ArchiveQuery, ViewQuery
from goesvfi.integrity_check.results import Progress, ScanResult, SlotResult, SlotStatus
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from goesvfi.integrity_check.time_index.operational import View

if TYPE_CHECKING:
    from goesvfi.integrity_check.fetch.manager import ReconcileReport

__all__ = ["DiskSpace", "EnhancedViewModel", "Task"]

log = logging.getLogger(__name__)


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
        self.session = IntegritySession(cache_path, manager_factory, now, disk_free)
        self.inputs = ArchiveInputs(self._qsettings, self.session.now, self)
        say = CommandLog(messages.ready(self.inputs.archive_folder), self.status_changed.emit, self.log_added.emit,
                         self.error_occurred.emit, log)  # fmt: skip
        self.messages = say
        self.show_status, self.notify, self.fail = say.show_status, say.notify, say.fail  # also Auto-fetch's port
        self.runner = TaskRunner(self, loop, say)
        self.runner.results.connect(self._apply_slot_results)
        self.runner.progress.connect(self._publish_progress)
        self._prefs = load_preferences(self._qsettings)
        self.shown = ShownResults()
        self.archive = OpenArchive()  # the archive file opened in the tab
        self.disk = DiskWatch(self.runner, self.session, self.inputs, self._disk_threshold, self.report_exception, self)
        self.disk.changed.connect(self.disk_space_changed)  # the disk watch follows the runner's tasks itself
        self.runner.began.connect(self.state_changed)
        self.runner.ended.connect(lambda: self.progress_changed.emit(None))
        self.runner.ended.connect(self.state_changed)
        self.runner.finished_long.connect(self.task_finished)
        self.detect = FolderDetect(
            self.session, self.inputs, self.runner.spawn, lambda: self.busy, say.notify, self.inputs_changed.emit
        )
        self.auto = AutoFetch(
            self, self.inputs, self.runner, self.session, self._disk_threshold, self._qsettings, sleep, self
        )
        self.state_changed.connect(self.auto.wake_if_idle)
        self.auto_fetch_changed = self.auto.changed
        self.previewer = Previewer(self.runner, self.report_exception, self, lambda: self.shown.look)
        self.preview_ready = self.previewer.ready  # SlotPreview: the selected frame, or a missing one's neighbours

    # ---- state --------------------------------------------------------------------------------------

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
        return self._prefs.cdn_cutoff(self.inputs.sector, self.session.now())

    @property
    def task(self) -> Task:
        return self.runner.kind

    @property
    def busy(self) -> bool:
        return self.runner.busy

    @property
    def can_scan(self) -> bool:
        return not self.busy  # no folder chosen: the per-user default

    @property
    def can_fetch(self) -> bool:
        return not self.busy and self.shown.unresolved

    @property
    def can_cancel(self) -> bool:
        return self.runner.kind in (Task.SCAN, Task.FETCH)

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
        self.disk.refresh()
        if detect:
            self.detect.start()

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
        self.notify("info", messages.SETTINGS_SAVED)
        self.disk.refresh()

    # ---- commands -----------------------------------------------------------------------------------

    def scan(self, force_rescan: bool = False) -> bool:
        """Start a scan; False (with a message) when the inputs are not usable."""
        if self.busy:
            self.fail(messages.busy(self.runner.kind is Task.AUTO))
            return False
        query, line = self.inputs.scan_query(self.session.now())
        if query is None:
            self.fail(line)
            return False
        if line:
            self.notify("info", line)
        self.detect.cancel()
        folder = Path(self.inputs.archive_folder)
        return self.runner.run(Task.SCAN, "Scan", lambda: self._run_scan(folder, query, force_rescan))

    def open_archive(self, path: str) -> None:
        """Read an archive file and show each product's completeness over the range (in the background)."""
        self.runner.spawn(lambda: self._run_open_archive(Path(path)))

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
            self.fail(messages.NOTHING_TO_FETCH)
            return False
        shown, slots, folder = self.shown.scan, self.shown.slots, self.shown.folder
        return self.runner.run(Task.FETCH, "Fetch", lambda: self._run_fetch(shown, slots, folder))

    def export_csv(self, path: str) -> bool:
        if not self.can_export or not path.strip():
            self.fail(messages.NOTHING_TO_EXPORT)
            return False
        slots = self.shown.slots  # immutable: a running fetch publishes new lists
        return self.runner.run(Task.EXPORT, "Export", lambda: self._run_export(Path(path), slots))

    def cancel(self) -> None:
        if self.can_cancel and self.runner.cancel():
            self.show_status(messages.CANCELLING)

    def suggested_csv_path(self) -> str:
        """Where *Export CSV...* offers to save: the folder of the last export, else the user's documents folder."""
        return suggested_csv_path(str(load_value(self._qsettings, "ui/export_dir", "")), self.shown.scan)

    def suggested_csv_name(self) -> str:
        return suggested_csv_name(self.shown.scan)

    def report_exception(self, exc: BaseException) -> None:
        """The application's last-resort hook: an exception nobody caught becomes a message."""
        self.messages.report(exc)

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

        with self.runner.held(Task.AUTO):
            self.show_status(messages.auto_checking(query))
            self.inputs.set_range(query.start, query.end)
            self.inputs_changed.emit()
            scan = await self._scan_shown(directory, query, skip=skip, audit=audit)
            fetched = await self._fetch_shown(scan, scan, directory)
            if fetched.digest.counts[SlotStatus.FETCHED]:
                self.fetch_completed.emit(fetched.slots)
            return ReconcileReport(scan, fetched.slots)

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
        self.runner.spawn(lambda: self._run_look(scan, directory))  # one header per frame: after the rows show
        return scan

    async def _run_scan(self, directory: Path, query: ArchiveQuery | ViewQuery, force_rescan: bool) -> Outcome:
        self.messages.starting(*messages.scan_start(directory, query))
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
        self.messages.starting(*messages.fetch_start(count, directory))
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
        status, line = messages.report_written(path, len(slots))
        self.notify("info", line)
        self.export_completed.emit(str(path))
        return status, True

    async def _run_open_archive(self, path: Path) -> None:
        from goesvfi.integrity_check.archive import ArchiveFileError

        end = min(self.inputs.end, self.session.now())
        try:
            archive, rows = await self.session.archive_products(path, self.inputs.start, end, self.fetch_settings)
        except ArchiveFileError as exc:
            self.fail(str(exc))
            return
        self.archive.archive = archive
        self.notify("info", messages.archive_opened(path, len(rows)))
        self.archive_loaded.emit((str(archive.path), rows))

    async def _run_look(self, scan: ScanResult, directory: Path) -> None:
        report = await self.session.check_look(scan, directory, self.fetch_settings)
        if not self.shown.take_look(scan, report.view):  # another scan replaced it meanwhile
            return
        if report.warning:
            self.notify("warning", report.warning)
        self.look_checked.emit(report.view)

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
        self.messages.progress(progress)  # listing and planning steps are logged
        self.progress_changed.emit(progress)
