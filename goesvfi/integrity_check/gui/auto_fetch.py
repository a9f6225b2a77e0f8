"""Auto-fetch: the tab keeps the trailing window of its folder complete by itself, with the watch command's loop.

The view model runs :class:`~goesvfi.integrity_check.watch.WatchLoop` (the core loop of ``goesvfi-integrity
watch``) on the qasync loop, with its own ReconcileManager and the clock and sleep it was given (tests inject
both). Each cycle reconciles ``[now - window, now - latency)`` for the folder, satellite, sector, band and
interval chosen in the tab: it scans the window and shows it (table, timeline, summary, the window in the time
pickers), fetches what is missing with live row updates, then shows the result and the next run time (UTC).
On/off, period and window are saved in QSettings; Auto-fetch resumes when the tab is built again.

One task at a time: a cycle is a task like a manual scan or fetch (``Task.AUTO``), so Scan, Fetch, Export and
the inputs wait while it runs. A cycle that comes due while a manual scan, fetch or export runs waits for it to
end, then runs. Turning Auto-fetch off cancels a running cycle cleanly (no partial files); closing the tab
(:meth:`AutoFetchModel.stop_auto_fetch`) stops it without changing the saved state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QObject, QSettings, QTimer, pyqtSignal

from goesvfi.integrity_check.gui import messages
from goesvfi.integrity_check.gui.auto_fetch_state import AutoFetchState, hm, load_auto_fetch, save_auto_fetch
from goesvfi.integrity_check.gui.core_session import CoreSession, ManagerFactory
from goesvfi.integrity_check.gui.digest import FETCH_MODULES, SCAN_MODULES, digest_slots, preload
from goesvfi.integrity_check.gui.view_state import Task, ViewModelState
from goesvfi.integrity_check.results import ProgressSink, SlotStatus
from goesvfi.integrity_check.time_index import DEFAULT_BAND, SatellitePattern, Sector

if TYPE_CHECKING:
    from goesvfi.integrity_check.fetch.manager import ReconcileReport
    from goesvfi.integrity_check.watch import CycleResult, WatchConfig

__all__ = ["AutoFetchModel", "AutoFetchState"]

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]
AUTO_MODULES = (*SCAN_MODULES, *FETCH_MODULES, "watch")


class _CycleRunner:
    """The manager a WatchLoop drives: each cycle runs as a task of the view model (see the module docstring)."""

    def __init__(self, model: AutoFetchModel) -> None:
        self._model = model

    async def reconcile_detailed(
        self,
        directory: Path,
        satellite: SatellitePattern,
        start_time: datetime,
        end_time: datetime,
        interval_minutes: int = 0,
        progress_callback: ProgressSink | None = None,
        *,
        sector: Sector = Sector.CONUS,
        band: int = DEFAULT_BAND,
    ) -> ReconcileReport:
        window = (start_time, end_time)
        return await self._model._run_cycle(directory, satellite, window, interval_minutes, progress_callback,
                                            sector, band)  # fmt: skip


class AutoFetchModel(ViewModelState):
    """Auto-fetch state and commands; :class:`~..enhanced_view_model.EnhancedViewModel` builds on it."""

    auto_fetch_changed = pyqtSignal(object)  # AutoFetchState

    def __init__(
        self,
        parent: QObject | None,
        settings: QSettings | None,
        now: Callable[[], datetime] | None,
        disk_free: Callable[[Path], int] | None,
        loop: asyncio.AbstractEventLoop | None,
        *,
        cache_path: Path | None,
        manager_factory: ManagerFactory | None,
        sleep: Sleep | None,
    ) -> None:
        super().__init__(parent, settings, now, disk_free, loop)
        self._core = CoreSession(cache_path, manager_factory, self._now, self._disk_free)
        self._sleep: Sleep = sleep or asyncio.sleep
        self._auto = load_auto_fetch(self._qsettings)
        self._auto_task: asyncio.Task[None] | None = None
        self._auto_stop: asyncio.Event | None = None  # set: the running loop stops (off, or inputs changed)
        self._auto_key: tuple[object, ...] | None = None  # the inputs the running loop keeps complete
        self._idle = asyncio.Event()
        self.state_changed.connect(self._wake_if_idle)
        if self._auto.enabled:  # resume after the host had a chance to pre-fill the inputs
            QTimer.singleShot(0, self._resume_auto_fetch)

    @property
    def auto_fetch(self) -> AutoFetchState:
        return self._auto

    @property
    def auto_fetch_active(self) -> bool:
        """The loop runs (it may still be stopping after Auto-fetch was turned off)."""
        return self._auto_task is not None and not self._auto_task.done()

    # ---- commands -----------------------------------------------------------------------------------

    def set_auto_fetch(self, enabled: bool) -> bool:
        """On: a cycle runs at once (after a running manual task), then every period. Off: a running cycle is
        cancelled cleanly. False (with a message) when it cannot start."""
        if enabled == self._auto.enabled:
            return True
        if enabled:
            problem = self._auto_problem()
            if problem is None and not self._start_driver():
                problem = messages.NO_EVENT_LOOP
            if problem is not None:
                self._fail(problem)
                self.auto_fetch_changed.emit(self._auto)
                return False
            self._auto = replace(self._auto, enabled=True, last=None, next_run=None)
            self._log("info", f"Auto-fetch on: {self._directory}, the last {self._auto.window_hours} h every "
                              f"{self._auto.period_minutes} min.")  # fmt: skip
        else:
            self._auto = replace(self._auto, enabled=False, waiting=False, next_run=None)
            if self._auto_stop is not None:
                self._auto_stop.set()
            self._log("info", "Auto-fetch off.")
            if not self.busy:
                self._set_status("Auto-fetch off.")
        save_auto_fetch(self._qsettings, self._auto)
        self.auto_fetch_changed.emit(self._auto)
        return True

    def set_auto_fetch_period(self, minutes: int) -> None:
        """Minutes between cycles (one of ``PERIOD_CHOICES``); while on, a cycle with the new period runs now."""
        self._change_auto(replace(self._auto, period_minutes=int(minutes)))

    def set_auto_fetch_window(self, hours: int) -> None:
        """Hours of the trailing window (one of ``WINDOW_CHOICES``); while on, a cycle over it runs now."""
        self._change_auto(replace(self._auto, window_hours=int(hours)))

    async def stop_auto_fetch(self) -> None:
        """Stop Auto-fetch, cancelling a running cycle cleanly, without changing the saved state (closing the tab
        or the application: it resumes when the tab is built again)."""
        task = self._auto_task
        self._auto = replace(self._auto, enabled=False)
        if self._auto_stop is not None:
            self._auto_stop.set()
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    # ---- the loop -----------------------------------------------------------------------------------

    def _change_auto(self, state: AutoFetchState) -> None:
        if state == self._auto:
            return
        self._auto = state
        save_auto_fetch(self._qsettings, state)
        if self._auto_stop is not None:
            self._auto_stop.set()  # the loop starts again with the new period or window
        self.auto_fetch_changed.emit(state)

    def _inputs_key(self) -> tuple[object, ...]:
        return (self._directory, self._satellite, self._sector, self._band, self._interval)

    def _auto_inputs_changed(self) -> None:
        """The folder or archive inputs changed: a running loop starts again on the new ones."""
        if self._auto_stop is not None and self._auto_key not in (None, self._inputs_key()):
            self._log("info", "Auto-fetch follows the new folder and archive settings.")
            self._auto_stop.set()

    def _auto_problem(self) -> str | None:
        if not self._directory:
            return "Choose a folder first: Auto-fetch keeps that folder complete."
        last = self._satellite.served[1]
        start = self.now() - self._auto.span
        if last is not None and start >= last:
            return self._satellite.coverage_warning(start, self.now())
        return None

    def _resume_auto_fetch(self) -> None:
        if self._auto.enabled and self._auto_task is None and not self._start_driver():
            self._auto = replace(self._auto, enabled=False)  # not saved: it resumes when a loop runs
            self._fail(messages.NO_EVENT_LOOP)
            self.auto_fetch_changed.emit(self._auto)

    def _start_driver(self) -> bool:
        if self._auto_task is not None and not self._auto_task.done():
            return True  # still stopping after "off": it carries on, since Auto-fetch is on again
        loop = self._runner.loop()
        if loop is None:
            return False
        self._auto_task = loop.create_task(self._drive())
        return True

    async def _drive(self) -> None:
        try:
            await asyncio.to_thread(preload, AUTO_MODULES)
            from goesvfi.integrity_check.watch import WatchLoop

            while self._auto.enabled:
                stop = self._auto_stop = asyncio.Event()
                config = await self._watch_config()
                self._auto_key = self._inputs_key()
                watch = WatchLoop(config, _CycleRunner(self), now=self._now, sleep=self._auto_sleep,
                                  progress_callback=self._runner.report)  # fmt: skip
                await self._until_idle(stop)
                if not stop.is_set():
                    await watch.run_forever(stop, self._on_cycle)
        except Exception as exc:  # bad inputs, another watcher on the folder: Auto-fetch goes off, with why
            self._auto = replace(self._auto, enabled=False)
            save_auto_fetch(self._qsettings, self._auto)
            self._fail(f"Auto-fetch is off: {messages.user_message(exc)}")
        finally:
            self._auto_task = self._auto_stop = self._auto_key = None
            self._auto = replace(self._auto, running=False, waiting=False, next_run=None)
            self.auto_fetch_changed.emit(self._auto)

    async def _watch_config(self) -> WatchConfig:
        from goesvfi.integrity_check.watch import WatchConfig

        problem = self._auto_problem()
        if problem is not None:
            raise ValueError(problem)
        folder = Path(self._directory)
        if not await asyncio.to_thread(folder.is_dir):
            raise ValueError(f"{folder} is not a folder (or cannot be reached)")
        cfg = WatchConfig(folder, self._satellite, self._sector, self._band, window=self._auto.span,
                          every=self._auto.period, interval_minutes=self._interval)  # fmt: skip
        return cfg.validate()

    async def _auto_sleep(self, seconds: float) -> None:
        await self._sleep(seconds)
        await self._until_idle(self._auto_stop)

    async def _until_idle(self, stop: asyncio.Event | None) -> None:
        """Wait while a manual scan, fetch or export runs (and no longer once ``stop`` is set)."""
        while self.busy and not (stop is not None and stop.is_set()):
            self._set_waiting(True)
            self._idle.clear()
            waits = [asyncio.ensure_future(self._idle.wait())]
            if stop is not None:
                waits.append(asyncio.ensure_future(stop.wait()))
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiting in waits:
                    waiting.cancel()
        self._set_waiting(False)

    def _wake_if_idle(self) -> None:
        if not self.busy:
            self._idle.set()

    def _set_waiting(self, waiting: bool) -> None:
        if waiting != self._auto.waiting:
            self._auto = replace(self._auto, waiting=waiting)
            self.auto_fetch_changed.emit(self._auto)

    # ---- one cycle ----------------------------------------------------------------------------------

    async def _run_cycle(self, directory: Path, satellite: SatellitePattern, window: tuple[datetime, datetime],
                         interval: int, progress: ProgressSink | None, sector: Sector,
                         band: int) -> ReconcileReport:  # fmt: skip
        from goesvfi.integrity_check.fetch.manager import ReconcileReport

        await self._until_idle(None)  # a manual task may have started since the loop woke up
        self._begin_cycle(window)
        try:
            manager = await self._core.manager(self.fetch_settings)
            scan = await manager.scan(directory, satellite, *window, sector=sector, band=band,
                                      interval_minutes=interval, progress_callback=progress)  # fmt: skip
            self._start, self._end = window
            self.inputs_changed.emit()
            self._set_results(scan, await asyncio.to_thread(digest_slots, scan.slots()), directory)
            slots = await manager.fetch_missing(scan, directory, progress_callback=progress)
            digest = await asyncio.to_thread(digest_slots, slots)
            self._set_results(scan, digest, directory)
            if digest.counts[SlotStatus.FETCHED]:
                self.fetch_completed.emit(slots)
            return ReconcileReport(scan, slots)
        finally:
            self._end_cycle()

    def _begin_cycle(self, window: tuple[datetime, datetime]) -> None:
        self._task_kind, self._last_error = Task.AUTO, None
        self._auto = replace(self._auto, running=True, waiting=False, window=window)
        self._runner.begin_progress()
        self._disk_timer.start()
        self._set_status(f"Auto-fetch: checking {messages.utc_text(window[0])} -> {messages.utc_text(window[1])} ...")
        self.state_changed.emit()
        self.auto_fetch_changed.emit(self._auto)

    def _end_cycle(self) -> None:
        self._runner.end_progress()
        self._disk_timer.stop()
        self.progress_changed.emit(None)
        self._task_kind = Task.IDLE
        self._auto = replace(self._auto, running=False)
        if not self._auto.enabled:
            self._set_status("Auto-fetch off: the running cycle was cancelled, nothing half-written was left.")
        self.state_changed.emit()
        self.auto_fetch_changed.emit(self._auto)
        self.refresh_disk_space()

    def _on_cycle(self, result: CycleResult, next_run: datetime) -> None:
        self._auto = replace(self._auto, last=result, next_run=next_run)
        failed = result.error is not None and not result.busy
        self._log("info" if result.ok else "error" if failed else "warning", f"Auto-fetch: {result.summary()}")
        if failed:
            self._fail(f"Auto-fetch cycle failed: {result.error} (next try {hm(next_run)} UTC)")
        else:
            self._set_status(f"Auto-fetch: {result.fetched} fetched, {result.failed} failed; "
                             f"next run {hm(next_run)} UTC.")  # fmt: skip
        self.auto_fetch_changed.emit(self._auto)
