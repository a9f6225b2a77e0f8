"""A one-line label for text of any length (the status line, Auto-fetch's state): where the text is wider than
the label it ends in an ellipsis instead of being cut mid-letter; the tab puts the whole text in its tooltip.
"""

from __future__ import annotations

from PyQt6.QtCore import QSize, Qt
from PyQt6.QtGui import QPainter, QPaintEvent
from PyQt6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """Plain text on one line, elided at the right to the label's width; it takes no minimum width of its own."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def shown_text(self) -> str:
        """The text as drawn: whole, or cut to the width with an ellipsis at its end."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width())

    def paintEvent(self, event: QPaintEvent | None) -> None:
        style = self.style()
        if style is None:
            return
        painter = QPainter(self)
        try:
            style.drawItemText(painter, self.contentsRect(), int(self.alignment()), self.palette(), self.isEnabled(),
                               self.shown_text(), self.foregroundRole())  # fmt: skip
        finally:
            painter.end()
