"""The tab's progress bars repaint with the window's next frame, never synchronously inside ``setValue``."""

from __future__ import annotations

from PyQt6.QtCore import QCoreApplication, QEvent, QObject
from PyQt6.QtWidgets import QProgressBar, QWidget
from pytestqt.qtbot import QtBot

from goesvfi.integrity_check.gui.widgets.progress_bar import ProgressBar


class PaintCounter(QObject):
    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, _watched: QObject | None, event: QEvent | None) -> bool:
        if event is not None and event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def settle() -> None:
    """Deliver every posted event (update requests included): no clock involved."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()


def moved(bar: QProgressBar, qtbot: QtBot) -> tuple[PaintCounter, int]:
    """Show ``bar``, then move its value and range: (its paint counter, paints inside the calls)."""
    bar.resize(600, 24)
    bar.setRange(0, 100)
    bar.show()
    qtbot.waitExposed(bar)
    settle()  # the first paint is done before counting
    counter = PaintCounter(bar)
    bar.setValue(40)
    bar.setRange(0, 200)
    bar.setValue(150)
    return counter, counter.count


def test_progress_bar_paints_once_with_the_next_frame(qtbot: QtBot) -> None:
    # Control: the same calls on Qt's own bar paint synchronously, so the counter does see paints inside them.
    plain = QProgressBar()
    qtbot.addWidget(plain)
    assert moved(plain, qtbot)[1] >= 1
    bar = ProgressBar()
    qtbot.addWidget(bar)
    counter, during = moved(bar, qtbot)
    assert during == 0
    qtbot.waitUntil(lambda: counter.count > 0, timeout=5000)
    settle()
    assert counter.count == 1  # three changes, one coalesced paint
    assert (bar.minimum(), bar.maximum(), bar.value()) == (0, 200, 150)
    assert bar.updatesEnabled()
