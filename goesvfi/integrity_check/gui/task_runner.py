"""TaskRunner: the view model's asyncio plumbing on the qasync loop.

One command task at a time (scan, fetch, export) plus background tasks (folder detection, disk space), and
progress throttling: the core's callback may run on a worker thread, so :meth:`TaskRunner.report` only stores
the latest report and a 20 Hz timer on the GUI thread publishes it as the ``progress`` signal. Reports that
carry a slot's final result (``Progress.result``) are not lost to the throttling: the results are queued and
published in batches (``results`` signal) with the same timer.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from goesvfi.integrity_check.results import Progress, SlotResult

log = logging.getLogger(__name__)
PROGRESS_INTERVAL_MS = 50  # at most 20 progress updates per second
Work = Callable[[], Coroutine[Any, Any, None]]


class TaskRunner(QObject):
    progress = pyqtSignal(object)  # the latest Progress, at most every PROGRESS_INTERVAL_MS
    results = pyqtSignal(object)  # list[SlotResult]: slots finished since the last batch, in report order

    def __init__(self, parent: QObject | None = None, loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(parent)
        self._loop = loop
        self._command: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._pending: Progress | None = None
        self._shown: Progress | None = None
        self._finished: deque[SlotResult] = deque()  # append / popleft are safe across threads
        self._timer = QTimer(self)
        self._timer.setInterval(PROGRESS_INTERVAL_MS)
        self._timer.timeout.connect(self._flush)

    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The loop given at construction, else the running (qasync) loop; None outside an event loop."""
        if self._loop is not None:
            return self._loop
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return None

    @property
    def command_running(self) -> bool:
        return self._command is not None and not self._command.done()

    @property
    def background_busy(self) -> bool:
        return bool(self._background)

    @property
    def last_progress(self) -> Progress | None:
        """The latest report published (None between commands)."""
        return self._shown

    def start(self, work: Work) -> bool:
        """Run a command; False when there is no running event loop. Progress is published while it runs."""
        loop = self.loop()
        if loop is None:
            return False
        self._command = loop.create_task(self._run_command(work))
        self.begin_progress()
        return True

    async def _run_command(self, work: Work) -> None:
        try:
            await work()
        finally:
            self.end_progress()
            self._command = None

    def begin_progress(self) -> None:
        """Start publishing reports (a command does it itself; an Auto-fetch cycle calls it)."""
        self._pending = self._shown = None
        self._finished.clear()
        self._timer.start()

    def end_progress(self) -> None:
        """Stop publishing; reports not published yet are dropped (the caller publishes the final results)."""
        self._timer.stop()
        self._pending = self._shown = None
        self._finished.clear()

    def spawn(self, work: Work, on_error: Callable[[Exception], None]) -> asyncio.Task[None] | None:
        """A background task whose failure goes to ``on_error``; None (skipped) outside an event loop."""

        async def guarded() -> None:
            try:
                await work()
            except Exception as exc:
                on_error(exc)

        loop = self.loop()
        if loop is None:
            log.debug("no running event loop: background work skipped")
            return None
        task = loop.create_task(guarded())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def cancel(self) -> bool:
        """Cancel the running command (its clean-up runs before it ends); False when none runs."""
        if not self.command_running:
            return False
        assert self._command is not None
        self._command.cancel()
        return True

    def report(self, progress: Progress) -> None:
        """The core's progress callback: any thread; only stores the report (and queues its slot result)."""
        if progress.result is not None:
            self._finished.append(progress.result)
        self._pending = progress

    def _flush(self) -> None:
        if self._finished:
            batch = []
            while self._finished:
                batch.append(self._finished.popleft())
            self.results.emit(batch)
        pending = self._pending
        if pending is not None and pending is not self._shown:
            self._shown = pending
            self.progress.emit(pending)

    async def aclose(self) -> None:
        """Cancel everything and wait for it to finish."""
        tasks = [t for t in (self._command, *self._background) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._timer.stop()
