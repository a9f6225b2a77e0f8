"""TaskRunner: the view model's asyncio plumbing on the qasync loop: run a workflow, turn its failure into a message.

One task at a time (:class:`Task`: a scan, fetch or export command, or an Auto-fetch cycle); :meth:`TaskRunner.run`
runs a command inside a guard that turns its outcome into the status line and any exception into a message and a
log entry (through the owner's :class:`~.messages.CommandLog`): no traceback reaches the user. Scans and fetches
longer than ``LONG_TASK_SECONDS`` end with ``finished_long`` (a desktop notification). ``began`` and ``ended``
frame every task. Besides the one task: background tasks (folder detection, disk space, look checks), whose
failures become messages too. And progress throttling: the core's callback may run on a worker thread, so
:meth:`TaskRunner.report` only stores the latest report and a 20 Hz timer on the GUI thread publishes it as the
``progress`` signal. Reports that carry a slot's final result (``Progress.result``) are not lost to the throttling:
the results are queued and published in batches (``results`` signal) with the same timer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from goesvfi.integrity_check.gui import messages
from goesvfi.integrity_check.gui.messages import CommandLog
from goesvfi.integrity_check.results import Progress, SlotResult

log = logging.getLogger(__name__)
PROGRESS_INTERVAL_MS = 50  # at most 20 progress updates per second
LONG_TASK_SECONDS = 20.0  # scans / fetches longer than this end with a desktop notification
Work = Callable[[], Coroutine[Any, Any, None]]
Outcome = tuple[str, bool]  # a finished command's status message, and whether it went well


class Task(Enum):
    IDLE = "idle"
    SCAN = "scan"
    FETCH = "fetch"
    EXPORT = "export"
    AUTO = "auto-fetch"  # an Auto-fetch cycle


class TaskRunner(QObject):
    progress = pyqtSignal(object)  # the latest Progress, at most every PROGRESS_INTERVAL_MS
    results = pyqtSignal(object)  # list[SlotResult]: slots finished since the last batch, in report order
    began = pyqtSignal()  # a task started (``kind`` says which)
    ended = pyqtSignal()  # it ended (``kind`` is IDLE again)
    finished_long = pyqtSignal(str, str, float)  # title, message, seconds: a long scan or fetch finished

    def __init__(
        self,
        parent: QObject | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        say: CommandLog | None = None,  # where messages go (by default: the Python log only)
    ) -> None:
        super().__init__(parent)
        self.say = say or CommandLog("", lambda _text: None, lambda _level, _text: None, lambda _text: None)
        self.kind = Task.IDLE
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
    def busy(self) -> bool:
        """A task (command or Auto-fetch cycle) runs."""
        return self.kind is not Task.IDLE

    def run(self, kind: Task, title: str, work: Callable[[], Coroutine[Any, Any, Outcome]]) -> bool:
        """Run a command as the task (guarded, see the module docstring); False, with a message, outside an event
        loop."""
        if self.loop() is None:
            self.say.fail(messages.NO_EVENT_LOOP)
            return False
        self._begin(kind)
        self.start(lambda: self._guard(kind, title, work))
        return True

    @contextmanager
    def held(self, kind: Task) -> Iterator[None]:
        """The task for the duration of the block (an Auto-fetch cycle, which reports its own outcome), with
        progress published."""
        self._begin(kind)
        self.begin_progress()
        try:
            yield
        finally:
            self.end_progress()
            self._end()

    def _begin(self, kind: Task) -> None:
        self.kind = kind
        self.say.begin()
        self.began.emit()

    def _end(self) -> None:
        self.kind = Task.IDLE
        self.ended.emit()

    async def _guard(self, kind: Task, title: str, work: Callable[[], Coroutine[Any, Any, Outcome]]) -> None:
        started, say = time.monotonic(), self.say
        try:
            message, ok = await work()
        except asyncio.CancelledError:
            say.notify("warning", f"{title} cancelled.")
            say.show_status(f"{title} cancelled.")
            raise
        except Exception as exc:  # the guarded path: every failure becomes a message, never a traceback
            say.fail(f"{title} failed: {messages.user_message(exc)}")
        else:
            elapsed = time.monotonic() - started
            if ok:
                say.show_status(message)
            else:
                say.fail(message)
            if kind in (Task.SCAN, Task.FETCH) and elapsed >= LONG_TASK_SECONDS:
                self.finished_long.emit(f"{title} finished", message, elapsed)
        finally:
            self._end()

    @property
    def command_running(self) -> bool:
        return self._command is not None and not self._command.done()

    @property
    def background_busy(self) -> bool:
        return bool(self._background)

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

    def spawn(self, work: Work, on_error: Callable[[Exception], None] | None = None) -> asyncio.Task[None] | None:
        """A background task whose failure goes to ``on_error`` (by default: a message); None (skipped) outside an
        event loop."""
        on_error = on_error or self.say.report

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
