"""A row of panels that stacks them when the window is too narrow to show them side by side.

The tab's two input panels (Archive, Time range) sit side by side in a wide window. Under a host's style sheet
(GOES-VFI's qt-material adds large paddings) side by side they need more width than the host's own tabs do, and
a tab's minimum width becomes the whole window's. This row's minimum width is the widest panel's, not the sum:
below the side-by-side width it lays the panels out top to bottom (the host's window is tall: GOES-VFI's main
tab needs more height than the stacked panels add).
"""

from __future__ import annotations

from PyQt6.QtCore import QSize
from PyQt6.QtGui import QResizeEvent
from PyQt6.QtWidgets import QBoxLayout, QWidget

_SIDE_BY_SIDE = QBoxLayout.Direction.LeftToRight
_STACKED = QBoxLayout.Direction.TopToBottom


class AdaptiveRow(QWidget):
    """Panels side by side when the width allows their size hints, else stacked (see the module docstring)."""

    def __init__(self, panels: list[tuple[QWidget, int]], parent: QWidget | None = None) -> None:
        """``panels``: each widget with its stretch factor when side by side."""
        super().__init__(parent)
        self._panels = [panel for panel, _ in panels]
        self._box = QBoxLayout(_SIDE_BY_SIDE, self)
        self._box.setContentsMargins(0, 0, 0, 0)
        for panel, stretch in panels:
            self._box.addWidget(panel, stretch)

    @property
    def stacked(self) -> bool:
        return self._box.direction() == _STACKED

    def side_by_side_width(self) -> int:
        """The width the panels need next to each other (their size hints, so no text is squeezed)."""
        margins = self._box.contentsMargins()
        spacing = max(0, self._box.spacing()) * (len(self._panels) - 1)
        hints = sum(max(panel.sizeHint().width(), panel.minimumSizeHint().width()) for panel in self._panels)
        return hints + spacing + margins.left() + margins.right()

    def minimumSizeHint(self) -> QSize:
        margins = self._box.contentsMargins()
        width = max((panel.minimumSizeHint().width() for panel in self._panels), default=0)
        # The height of the current arrangement: the row changes arrangement only with the width.
        height = self._box.minimumSize().height()
        return QSize(width + margins.left() + margins.right(), height)

    def resizeEvent(self, event: QResizeEvent | None) -> None:
        super().resizeEvent(event)
        self.arrange(self.width())

    def arrange(self, width: int) -> None:
        """Choose the arrangement for ``width``; the parent layout learns the new minimum height."""
        direction = _SIDE_BY_SIDE if width >= self.side_by_side_width() else _STACKED
        if direction != self._box.direction():
            self._box.setDirection(direction)
            self.updateGeometry()
