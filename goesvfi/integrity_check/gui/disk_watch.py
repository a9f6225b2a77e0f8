"""DiskWatch: the free space of the folder commands use (``ArchiveInputs.archive_folder``), refreshed in the
background (owned by the view model, which republishes it as ``disk_space_changed``).

A refresh measures the folder (the session's ``disk_space``, in a worker thread) through the task runner; while
a task runs, a timer refreshes every two seconds. A measurement of a folder no longer chosen is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QObject, QTimer, pyqtSignal

if TYPE_CHECKING:
    from goesvfi.integrity_check.gui.inputs import ArchiveInputs
    from goesvfi.integrity_check.gui.session import DiskSpace, IntegritySession
    from goesvfi.integrity_check.gui.task_runner import TaskRunner

DISK_INTERVAL_MS = 2000  # free space is refreshed this often while a task runs


class DiskWatch(QObject):
    """``changed`` carries each new :class:`~.session.DiskSpace`; ``space`` is the latest (None before one)."""

    changed = pyqtSignal(object)  # DiskSpace

    def __init__(
        self,
        runner: TaskRunner,
        session: IntegritySession,
        inputs: ArchiveInputs,
        threshold: Callable[[], int],
        on_error: Callable[[Exception], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner, self._session, self._inputs, self._threshold = runner, session, inputs, threshold
        self._on_error = on_error
        self.space: DiskSpace | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(DISK_INTERVAL_MS)
        self._timer.timeout.connect(self.refresh)

    def refresh(self) -> None:
        folder = Path(self._inputs.archive_folder)
        self._runner.spawn(lambda: self._measure(folder), self._on_error)

    def start(self) -> None:
        """Refresh every two seconds (while a task runs)."""
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    async def _measure(self, directory: Path) -> None:
        space = await self._session.disk_space(directory, self._threshold())
        if str(directory) != self._inputs.archive_folder:  # another folder was chosen meanwhile
            return
        self.space = space
        self.changed.emit(space)
