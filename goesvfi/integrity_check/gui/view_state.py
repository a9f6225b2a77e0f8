"""The view model's state and signals: what the Integrity Check tab shows, without the commands that change it.

Also the upkeep of what is shown: live slot results from a running fetch, and the folder's free disk space.
:class:`~.auto_fetch.AutoFetchModel` adds Auto-fetch, and
:class:`~goesvfi.integrity_check.gui.view_model.EnhancedViewModel` the inputs and the commands.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, QSettings, QTimer, pyqtSignal

from goesvfi.integrity_check.gui import messages
from goesvfi.integrity_check.gui.digest import ResultsDigest, update_digest
from goesvfi.integrity_check.gui.preferences import Preferences, env_locked, load_enum, load_preferences, load_value
from goesvfi.integrity_check.gui.task_runner import TaskRunner
from goesvfi.integrity_check.results import Progress, ScanResult, SlotResult
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import DEFAULT_BAND, SatellitePattern, Sector, to_utc

log = logging.getLogger(__name__)
DISK_INTERVAL_MS = 2000  # free space is refreshed this often while a task runs


class Task(Enum):
    IDLE = "idle"
    SCAN = "scan"
    FETCH = "fetch"
    EXPORT = "export"
    AUTO = "auto-fetch"  # an Auto-fetch cycle


@dataclass(frozen=True, slots=True)
class DiskSpace:
    path: str
    free: int | None  # None: the folder does not exist (yet) or cannot be read
    threshold: int

    @property
    def low(self) -> bool:
        return self.free is not None and self.free < self.threshold


class ViewModelState(QObject):
    """Signals and read-only state; the setters and commands live in the subclass."""

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
    fetch_completed = pyqtSignal(object)  # list[SlotResult]
    export_completed = pyqtSignal(str)  # CSV path
    task_finished = pyqtSignal(str, str, float)  # title, message, seconds

    def __init__(
        self,
        parent: QObject | None,
        settings: QSettings | None,
        now: Callable[[], datetime] | None,
        disk_free: Callable[[Path], int] | None,
        loop: asyncio.AbstractEventLoop | None,
    ) -> None:
        super().__init__(parent)
        self._qsettings = settings if settings is not None else QSettings()
        self._now = now or (lambda: datetime.now(UTC))
        self._disk_free = disk_free or (lambda path: shutil.disk_usage(path).free)
        self._runner = TaskRunner(self, loop)
        self._runner.results.connect(self._apply_slot_results)
        self._prefs = load_preferences(self._qsettings)
        end = self.now().replace(second=0, microsecond=0)
        self._directory = str(load_value(self._qsettings, "ui/directory", ""))
        self._start, self._end = end - timedelta(hours=24), end
        self._satellite = load_enum(self._qsettings, "ui/satellite", SatellitePattern.GOES_18)
        self._sector = load_enum(self._qsettings, "ui/sector", Sector.CONUS)
        self._band = int(load_value(self._qsettings, "ui/band", DEFAULT_BAND))  # type: ignore[call-overload]
        self._interval = int(load_value(self._qsettings, "ui/interval", 0))  # type: ignore[call-overload]
        self._task_kind = Task.IDLE
        self._scan: ScanResult | None = None
        self._scan_dir: Path | None = None
        self._digest: ResultsDigest | None = None
        self._status = messages.ready(self._directory)
        self._last_error: str | None = None
        self._disk: DiskSpace | None = None
        self._disk_timer = QTimer(self)
        self._disk_timer.setInterval(DISK_INTERVAL_MS)
        self._disk_timer.timeout.connect(self.refresh_disk_space)

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
    def background_busy(self) -> bool:
        """Folder detection or a disk-space check is running."""
        return self._runner.background_busy

    @property
    def progress(self) -> Progress | None:
        """The latest progress report of the running command."""
        return self._runner.last_progress

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

    # ---- upkeep ------------------------------------------------------------------------------------

    def refresh_disk_space(self) -> None:
        if self._directory:
            folder = Path(self._directory)
            self._spawn(lambda: self._run_disk(folder))

    def _spawn(self, work: Callable[[], Coroutine[Any, Any, None]]) -> asyncio.Task[None] | None:
        """A background task (detection, disk space) whose failures become a message, never a traceback."""
        return self._runner.spawn(work, lambda exc: self._fail(messages.user_message(exc)))

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

    # ---- publishing -------------------------------------------------------------------------------

    def _set_results(self, scan: ScanResult | None, digest: ResultsDigest | None, folder: Path | None = None) -> None:
        self._scan, self._digest, self._scan_dir = scan, digest, folder
        self.results_changed.emit(digest)
        self.state_changed.emit()

    def _apply_slot_results(self, results: list[SlotResult]) -> None:
        """Slots a running fetch finished: update the shown results in place (rows, timeline, counts)."""
        if self._digest is None:
            return
        updated = update_digest(self._digest, results)
        if updated is not None:
            self._digest = updated[0]
            self.slots_updated.emit(*updated)

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
