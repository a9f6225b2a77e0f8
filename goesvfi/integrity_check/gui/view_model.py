"""EnhancedViewModel: the Integrity Check tab's state and commands, bridging Qt and the asyncio core.

It is the only place that creates or cancels asyncio tasks (on the qasync loop, through its
:class:`~.gui.task_runner.TaskRunner`). The core reports progress to a callback that may run on a worker
thread; the runner publishes the latest report at most 20 times a second, so the UI never floods. Every
command runs inside a guard that turns any exception into a status message and a log entry: no traceback
reaches the user. Testable without widgets.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, QSettings

from goesvfi.integrity_check.gui import messages
from goesvfi.integrity_check.gui.auto_fetch import AutoFetchModel
from goesvfi.integrity_check.gui.core_session import ManagerFactory
from goesvfi.integrity_check.gui.digest import (
    FETCH_MODULES,
    SCAN_MODULES,
    digest_slots,
    preload,
    sample_archive,
    unresolved_scan,
)
from goesvfi.integrity_check.gui.messages import user_message, utc_text
from goesvfi.integrity_check.gui.preferences import (
    Preferences,
    save_preferences,
    save_values,
)
from goesvfi.integrity_check.gui.view_state import DiskSpace, Task
from goesvfi.integrity_check.results import Progress, ScanResult, SlotResult, Stage
from goesvfi.integrity_check.time_index import SatellitePattern, Sector, to_utc

__all__ = ["DiskSpace", "EnhancedViewModel", "Task"]

LONG_TASK_SECONDS = 20.0  # scans / fetches longer than this end with a desktop notification
Outcome = tuple[str, bool]  # a finished command's status message, and whether it went well


class EnhancedViewModel(AutoFetchModel):
    """State, inputs and commands of the tab (see the module docstring); Auto-fetch comes from AutoFetchModel.

    ``now`` and ``sleep`` are the clock and the wait between Auto-fetch cycles (tests inject both).
    """

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
        super().__init__(parent, settings, now, disk_free, loop, cache_path=cache_path,
                         manager_factory=manager_factory, sleep=sleep)  # fmt: skip
        self._runner.progress.connect(self._publish_progress)
        self._detect_task: asyncio.Task[None] | None = None
        self._logged = ""

    # ---- inputs -------------------------------------------------------------------------------------

    def set_directory(self, directory: str, *, detect: bool = True) -> None:
        """Choose the folder; ``detect`` then guesses satellite, sector and band from its file names."""
        directory = directory.strip()
        if directory == self._directory:
            return
        self._directory = directory
        save_values(self._qsettings, {"ui/directory": directory})
        self._auto_inputs_changed()
        if self._digest is not None and not self.busy:
            self._set_results(None, None)
        self.directory_selected.emit(directory)
        if not self.busy:
            self._set_status(messages.ready(directory))
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
        self._auto_inputs_changed()

    def set_sector(self, sector: Sector) -> None:
        self._sector = sector
        save_values(self._qsettings, {"ui/sector": sector.value})
        self._auto_inputs_changed()

    def set_band(self, band: int) -> None:
        self._band = int(band)
        save_values(self._qsettings, {"ui/band": self._band})
        self._auto_inputs_changed()

    def set_interval(self, minutes: int) -> None:
        self._interval = max(0, int(minutes))
        save_values(self._qsettings, {"ui/interval": self._interval})
        self._auto_inputs_changed()

    def set_preferences(self, prefs: Preferences) -> None:
        self._prefs = prefs
        save_preferences(self._qsettings, prefs)
        self.preferences_changed.emit()
        self._log("info", "Settings saved.")
        self.refresh_disk_space()

    # ---- commands -----------------------------------------------------------------------------------

    def scan(self, force_rescan: bool = False) -> bool:
        """Start a scan; False (with a message) when the inputs are not usable."""
        if self.busy:
            self._fail(messages.busy(self._task_kind is Task.AUTO))
            return False
        problem = messages.input_problem(self._directory, self._start, self._end, self._satellite, self.now())
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
        scan, folder = unresolved_scan(self._scan, self.slots), self._scan_dir
        return self._start_task(Task.FETCH, "Fetch", lambda: self._run_fetch(scan, folder))

    def export_csv(self, path: str) -> bool:
        if not self.can_export or not path.strip():
            self._fail("Nothing to export: scan a folder first.")
            return False
        slots = list(self.slots)
        return self._start_task(Task.EXPORT, "Export", lambda: self._run_export(Path(path), slots))

    def cancel(self) -> None:
        if self.can_cancel and self._runner.cancel():
            self._set_status("Cancelling...")

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

    def report_exception(self, exc: BaseException) -> None:
        """The application's last-resort hook: an exception nobody caught becomes a message."""
        self._fail(user_message(exc))

    async def aclose(self) -> None:
        """Stop Auto-fetch (its saved state stays), cancel running work, close the stores and the cache (the
        application calls this on exit)."""
        await self.stop_auto_fetch()
        await self._runner.aclose()
        self._disk_timer.stop()
        await self._core.close()

    # ---- internals ----------------------------------------------------------------------------------

    def _start_task(self, kind: Task, title: str, work: Callable[[], Coroutine[Any, Any, Outcome]]) -> bool:
        self._task_kind, self._last_error, self._logged = kind, None, ""
        if not self._runner.start(lambda: self._guard(kind, title, work)):
            self._task_kind = Task.IDLE
            self._fail(messages.NO_EVENT_LOOP)
            return False
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
            self._disk_timer.stop()
            self.progress_changed.emit(None)
            self._task_kind = Task.IDLE
            self.state_changed.emit()
            self.refresh_disk_space()

    async def _run_scan(self, directory: Path, satellite: SatellitePattern, start: datetime, end: datetime,
                        **options: Any) -> Outcome:  # fmt: skip
        self._set_status(f"Scanning {directory} ...")
        self._log("info", f"Scan of {directory}: {satellite.display_name}, {utc_text(start)} -> {utc_text(end)}.")
        await asyncio.to_thread(preload, SCAN_MODULES)
        manager = await self._core.manager(self.fetch_settings)
        scan = await manager.scan(directory, satellite, start, end, progress_callback=self._runner.report, **options)
        digest = await asyncio.to_thread(lambda: digest_slots(scan.slots()))  # both off the GUI thread
        for warning in scan.warnings:
            self._log("warning", warning)
        self._set_results(scan, digest, directory)
        self.scan_completed.emit(scan)
        self._log("info", messages.summary_line(digest))
        return messages.scan_outcome(digest), True

    async def _run_fetch(self, scan: ScanResult, directory: Path) -> Outcome:
        count = len(scan.missing)
        self._set_status(f"Fetching {count:,} missing frames ...")
        self._log("info", f"Fetching {count:,} frames into {directory}.")
        await asyncio.to_thread(preload, FETCH_MODULES)
        manager = await self._core.manager(self.fetch_settings)
        slots = await manager.fetch_missing(scan, directory, progress_callback=self._runner.report)
        digest = await asyncio.to_thread(digest_slots, slots)
        self._set_results(self._scan, digest, directory)
        for level, line in messages.fetch_log_lines(slots):
            self._log(level, line)
        self.fetch_completed.emit(slots)
        return messages.fetch_outcome(count, digest)

    async def _run_export(self, path: Path, slots: list[SlotResult]) -> Outcome:
        from goesvfi.integrity_check.report import write_csv

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

    def _publish_progress(self, progress: Progress) -> None:
        if progress.stage in (Stage.LIST, Stage.PLAN) and progress.message and progress.message != self._logged:
            self._logged = progress.message  # listing and planning steps; per-file steps only show in the status
            self._log("info", progress.message)
        self.progress_changed.emit(progress)
