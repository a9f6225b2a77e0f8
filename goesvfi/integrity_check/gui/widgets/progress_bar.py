"""A progress bar that repaints with the window's next frame instead of at once.

``QProgressBar.setValue`` calls ``repaint()`` whenever the bar or its text changes: a synchronous paint, which
also paints every other region of the window waiting for a repaint (the timeline, the table) before it returns.
During a fetch the bars change several times a second, and each change froze the GUI thread for a whole paint:
profiled with ``scripts/bench_ui.py`` (py-spy, native stacks), most of the GUI thread's painting during a fetch
came from these calls, and Qt's Fusion style fills the bar's chunk on Qt's own painting threads and waits for
them, which on a machine whose cores are busy converting frames took up to 80 ms. Here a change only marks the
bar for an ordinary (asynchronous, coalesced) update.
"""

from __future__ import annotations

from PyQt6.QtWidgets import QProgressBar


class ProgressBar(QProgressBar):
    """A ``QProgressBar`` whose value and range changes schedule an update instead of painting at once."""

    def setValue(self, value: int) -> None:
        self.setUpdatesEnabled(False)
        try:
            super().setValue(value)
        finally:
            self.setUpdatesEnabled(True)  # re-enabling updates calls update(): painted with the next frame

    def setRange(self, minimum: int, maximum: int) -> None:
        self.setUpdatesEnabled(False)
        try:
            super().setRange(minimum, maximum)
        finally:
            self.setUpdatesEnabled(True)
