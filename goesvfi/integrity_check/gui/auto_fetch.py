"""Auto-fetch: the tab keeps the trailing window of its folder complete by itself, with the watch command's loop.

:class:`AutoFetch` is owned by the view model, which it knows only as an :class:`AutoFetchPort` (the few calls it
makes: is a task running, log and status lines, run a cycle shown in the tab). It runs
:class:`~goesvfi.integrity_check.watch.WatchLoop` (the core loop of ``goesvfi-integrity watch``) on the qasync loop
with the session's clock and the sleep it was given (tests inject both). Each cycle is the port's scan and fetch
(``AutoFetchPort.reconcile_shown``, the same as the buttons') over
``[now - window, now - latency)`` for the folder, satellite, sector, band and interval chosen in the tab: it shows
the window (table, timeline, summary, time pickers), fetches what is missing with live row updates, then shows
the result and the next run time (UTC). On/off, period and window are saved in QSettings; Auto-fetch resumes when
the tab is built again.

One task at a time: a cycle is a task like a manual scan or fetch (``Task.AUTO``), so Scan, Fetch, Export and the
inputs wait while it runs. A cycle that comes due while a manual task runs waits for it to end, then runs.
Turning Auto-fetch off cancels a running cycle cleanly (no partial files); closing the tab (:meth:`AutoFetch.stop`)
stops it without changing the saved state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PyQt6.QtCore import QObject, QSettings, QTimer, pyqtSignal

from goesvfi.integrity_check.gui import messages
from goesvfi.integrity_check.gui.auto_fetch_state import AutoFetchState, hm, load_auto_fetch, save_auto_fetch
from goesvfi.integrity_check.gui.core_imports import FETCH_MODULES, SCAN_MODULES, preload
from goesvfi.integrity_check.gui.inputs import ArchiveInputs
from goesvfi.integrity_check.gui.session import IntegritySession
from goesvfi.integrity_check.gui.task_runner import TaskRunner
from goesvfi.integrity_check.query import ArchiveQuery, ViewQuery
from goesvfi.integrity_check.results import ProgressSink

if TYPE_CHECKING:
    from goesvfi.integrity_check.fetch.manager import ReconcileReport
    from goesvfi.integrity_check.watch import CycleResult, WatchConfig
    from goesvfi.integrity_check.watch_ops import WatchOps

__all__ = ["AutoFetch", "AutoFetchPort", "AutoFetchState"]

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]
AUTO_MODULES = (*SCAN_MODULES, *FETCH_MODULES, "watch", "watch_ops")


class AutoFetchPort(Protocol):
    """What Auto-fetch asks of the view model that owns it."""

    @property
    def busy(self) -> bool:
        """A scan, fetch, export or cycle runs."""
        ...

    def notify(self, level: str, text: str) -> None:
        """A log line (``info``, ``warning`` or ``error``)."""
        ...

    def show_status(self, text: str) -> None: ...

    def fail(self, message: str) -> None:
        """An error: the status line, the log and the error signal."""
        ...

    async def reconcile_shown(
        self,
        directory: Path,
        query: ArchiveQuery | ViewQuery,
        skip: Mapping[datetime, str] | None = None,
        audit: int = 0,
    ) -> ReconcileReport:
        """One cycle's scan and fetch, shown in the tab as it goes."""
        ...


class AutoFetch(QObject):
    """Auto-fetch's state, its commands and its loop. Given: the port to its owner, the inputs it keeps complete,
    the runner (the loop and the progress sink), the session (the clock), the disk threshold of its alerts, the
    settings it saves its state in and the wait between cycles. The owner calls :meth:`wake_if_idle` when a task
    ends."""

    changed = pyqtSignal(object)  # AutoFetchState

    def __init__(
        self,
        port: AutoFetchPort,
        inputs: ArchiveInputs,
        runner: TaskRunner,
        session: IntegritySession,
        disk_threshold: Callable[[], int],
        settings: QSettings,
        sleep: Sleep | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._port = port
        self._inputs, self._runner, self._session, self._disk_threshold = inputs, runner, session, disk_threshold
        self._settings = settings
        self._sleep: Sleep = sleep or asyncio.sleep
        self.state = load_auto_fetch(settings)
        self._task: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None  # set: the running loop stops (off, or inputs changed)
        self._key: tuple[object, ...] | None = None  # the inputs the running loop keeps complete
        self._idle = asyncio.Event()
        self._ops: WatchOps | None = None  # the watch record and the alerts of the running loop's product
        self._product: tuple[Path, ArchiveQuery | ViewQuery] | None = None  # the folder and query of the last cycle
        self._closing: set[asyncio.Future[None]] = set()
        inputs.changed.connect(self._inputs_changed)
        if self.state.enabled:  # resume after the host had a chance to pre-fill the inputs
            QTimer.singleShot(0, self._resume)

    @property
    def active(self) -> bool:
        """The loop runs (it may still be stopping after Auto-fetch was turned off)."""
        return self._task is not None and not self._task.done()

    # ---- commands -----------------------------------------------------------------------------------

    def set_enabled(self, enabled: bool) -> bool:
        """On: a cycle runs at once (after a running manual task), then every period. Off: a running cycle is
        cancelled cleanly. False (with a message) when it cannot start."""
        if enabled == self.state.enabled:
            return True
        if enabled:
            problem = self._problem()
            if problem is None and not self._start_driver():
                problem = messages.NO_EVENT_LOOP
            if problem is not None:
                self._port.fail(problem)
                self.changed.emit(self.state)
                return False
            self.state = replace(self.state, enabled=True, last=None, next_run=None)
            folder, state = self._inputs.archive_folder, self.state
            self._port.notify(
                "info", f"Auto-fetch on: {folder}, the last {state.window_hours} h every {state.period_minutes} min."
            )
        else:
            self.state = replace(self.state, enabled=False, waiting=False, next_run=None)
            if self._stop is not None:
                self._stop.set()
            self._port.notify("info", "Auto-fetch off.")
            if not self._port.busy:
                self._port.show_status("Auto-fetch off.")
        save_auto_fetch(self._settings, self.state)
        self.changed.emit(self.state)
        return True

    def set_period(self, minutes: int) -> None:
        """Minutes between cycles (one of ``PERIOD_CHOICES``); while on, a cycle with the new period runs now."""
        self._change(replace(self.state, period_minutes=int(minutes)))

    def set_window(self, hours: int) -> None:
        """Hours of the trailing window (one of ``WINDOW_CHOICES``); while on, a cycle over it runs now."""
        self._change(replace(self.state, window_hours=int(hours)))

    def set_notify(self, text: str) -> bool:
        """Alert receivers (space-separated URLs, as ``watch --notify``; empty: none); saved. False, with a
        message, when one is not a URL alerts can go to (the saved ones stay)."""
        from goesvfi.integrity_check.notify import check_receiver

        urls = tuple(text.split())
        try:
            for url in urls:
                check_receiver(url)
        except ValueError as exc:
            self._port.fail(f"Auto-fetch alerts: {messages.user_message(exc)}")
            self.changed.emit(self.state)
            return False
        if urls != self.state.notify:
            self.state = replace(self.state, notify=urls)
            save_auto_fetch(self._settings, self.state)
            self._port.notify(
                "info", f"Auto-fetch alerts go to {', '.join(urls)}." if urls else "Auto-fetch alerts off."
            )
            self.changed.emit(self.state)
        return True

    def _inputs_changed(self) -> None:
        """The folder or archive inputs changed: a running loop starts again on the new ones."""
        if self._stop is not None and self._key not in (None, self._inputs.key()):
            self._port.notify("info", "Auto-fetch follows the new folder and archive settings.")
            self._stop.set()

    async def stop(self) -> None:
        """Stop, cancelling a running cycle cleanly, without changing the saved state (closing the tab or the
        application: it resumes when the tab is built again)."""
        task = self._task
        self.state = replace(self.state, enabled=False)
        if self._stop is not None:
            self._stop.set()
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    # ---- the loop -----------------------------------------------------------------------------------

    def _change(self, state: AutoFetchState) -> None:
        if state == self.state:
            return
        self.state = state
        save_auto_fetch(self._settings, state)
        if self._stop is not None:
            self._stop.set()  # the loop starts again with the new period or window
        self.changed.emit(state)

    def _problem(self) -> str | None:
        inputs = self._inputs
        now = self._session.now()
        last = inputs.satellite.served[1]
        start = now - self.state.span
        if last is not None and start >= last:
            return inputs.satellite.coverage_warning(start, now)
        return None

    def _resume(self) -> None:
        if self.state.enabled and self._task is None and not self._start_driver():
            self.state = replace(self.state, enabled=False)  # not saved: it resumes when a loop runs
            self._port.fail(messages.NO_EVENT_LOOP)
            self.changed.emit(self.state)

    def _start_driver(self) -> bool:
        if self._task is not None and not self._task.done():
            return True  # still stopping after "off": it carries on, since Auto-fetch is on again
        loop = self._runner.loop()
        if loop is None:
            return False
        self._task = loop.create_task(self._drive())
        return True

    async def _drive(self) -> None:
        try:
            await asyncio.to_thread(preload, AUTO_MODULES)
            from goesvfi.integrity_check.watch import WatchLoop

            while self.state.enabled:
                stop = self._stop = asyncio.Event()
                config = await self._watch_config()
                self._key = self._inputs.key()
                watch = WatchLoop(
                    config,
                    self._cycle,
                    now=self._session.now,
                    sleep=self._between_cycles,
                    progress_callback=self._runner.report,
                )
                await self.until_idle(stop)
                if not stop.is_set():
                    await watch.run_forever(stop, self._on_cycle)
        except Exception as exc:  # bad inputs, another watcher on the folder: Auto-fetch goes off, with why
            self.state = replace(self.state, enabled=False)
            save_auto_fetch(self._settings, self.state)
            self._port.fail(f"Auto-fetch is off: {messages.user_message(exc)}")
        finally:
            if self._ops is not None:
                ops, self._ops = self._ops, None
                await ops.close()
            self._task = self._stop = self._key = None
            self.state = replace(self.state, running=False, waiting=False, next_run=None)
            self.changed.emit(self.state)

    async def _watch_config(self) -> WatchConfig:
        from goesvfi.integrity_check.watch import WatchConfig

        problem = self._problem()
        if problem is not None:
            raise ValueError(problem)
        inputs = self._inputs
        folder = Path(inputs.archive_folder)
        if not inputs.directory:  # the per-user default folder (first run): made here, as a first fetch makes it
            await asyncio.to_thread(lambda: folder.mkdir(parents=True, exist_ok=True))
        if not await asyncio.to_thread(folder.is_dir):
            raise ValueError(f"{folder} is not a folder (or cannot be reached)")
        cfg = WatchConfig(
            folder,
            inputs.satellite,
            inputs.sector,
            inputs.band,
            window=self.state.span,
            every=self.state.period,
            interval_minutes=inputs.interval_minutes,
            view=inputs.view,
        )
        return cfg.validate()

    async def _cycle(
        self,
        directory: Path,
        query: ArchiveQuery | ViewQuery,
        *,
        progress_callback: ProgressSink | None = None,
        skip: Mapping[datetime, str] | None = None,
        audit: int = 0,
    ) -> ReconcileReport:
        """One cycle: the port's scan and fetch, shown in the tab (after a manual task that just started)."""
        await self.until_idle(None)
        self._product = (directory, query)
        self.state = replace(self.state, running=True, waiting=False, window=(query.start, query.end))
        self.changed.emit(self.state)
        try:
            return await self._port.reconcile_shown(directory, query, skip, audit)
        finally:
            self.state = replace(self.state, running=False)
            if not self.state.enabled:
                self._port.show_status(
                    "Auto-fetch off: the running cycle was cancelled, nothing half-written was left."
                )
            self.changed.emit(self.state)

    async def _between_cycles(self, seconds: float) -> None:
        await self._sleep(seconds)
        await self.until_idle(self._stop)

    async def until_idle(self, stop: asyncio.Event | None) -> None:
        """Wait while a manual scan, fetch or export runs (and no longer once ``stop`` is set)."""
        while self._port.busy and not (stop is not None and stop.is_set()):
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

    def wake_if_idle(self) -> None:
        """A task started or ended: a cycle waiting for the end of a manual task runs if none runs now."""
        if not self._port.busy:
            self._idle.set()

    def _set_waiting(self, waiting: bool) -> None:
        if waiting != self.state.waiting:
            self.state = replace(self.state, waiting=waiting)
            self.changed.emit(self.state)

    def _ops_for(self, directory: Path, query: ArchiveQuery | ViewQuery) -> WatchOps:
        """The record-and-alerts hook of this product, made again when the product or the receivers changed."""
        from goesvfi.integrity_check.notify import AlertRules
        from goesvfi.integrity_check.watch_ops import WatchOps
        from goesvfi.integrity_check.watch_record import WatchProduct

        view = query.view if isinstance(query, ViewQuery) else None
        one = query.latest() if isinstance(query, ViewQuery) else query
        product = WatchProduct(one.satellite, one.sector, one.band, directory, view)
        ops = self._ops
        receivers = list(self.state.notify)
        if ops is None or ops.product != product or ops.receivers != receivers:
            if ops is not None:  # messages under way finish in the background
                closing = asyncio.ensure_future(ops.close())
                self._closing.add(closing)
                closing.add_done_callback(self._closing.discard)
            rules = AlertRules(disk_threshold=self._disk_threshold())
            ops = self._ops = WatchOps(product, now=self._session.now, receivers=receivers, rules=rules)
        return ops

    def _on_cycle(self, result: CycleResult, next_run: datetime) -> None:
        if self._product is not None:
            try:
                self._ops_for(*self._product)(result, next_run)
            except ValueError as exc:  # a saved receiver that is not a URL (settings edited by hand)
                self._port.notify("error", f"Auto-fetch alerts: {messages.user_message(exc)}")
        self.state = replace(self.state, last=result, next_run=next_run)
        failed = result.error is not None and not result.busy
        self._port.notify("info" if result.ok else "error" if failed else "warning", f"Auto-fetch: {result.summary()}")
        if failed:
            self._port.fail(f"Auto-fetch cycle failed: {result.error} (next try {hm(next_run)} UTC)")
        else:
            self._port.show_status(
                f"Auto-fetch: {result.fetched} fetched, {result.failed} failed; next run {hm(next_run)} UTC."
            )
        self.changed.emit(self.state)
