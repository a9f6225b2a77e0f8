"""Sizes that follow the style in force, so a host's style sheet neither clips nor hides anything.

A host (GOES-VFI applies qt-material to the whole application) may pad buttons and header sections far more
than Qt's own styles. Sizes fixed in pixels at construction then clip text ("STATUS" cut in the header) or
hide it (a 40 px *Fit* button whose padding alone is 32 px). The tab calls :func:`fit_to_style` when it is
first shown and whenever the style changes: every width becomes at least what the style asks for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from PyQt6.QtCore import QEvent, QObject, QTimer
from PyQt6.QtGui import QFontMetrics
from PyQt6.QtWidgets import QAbstractButton, QHeaderView, QPlainTextEdit, QSplitter, QTableView

ACTION_MIN_WIDTH = 90  # Scan, Fetch Missing, Cancel, Export: at least this wide, for a row of even buttons
ZOOM_MIN_WIDTH = 40
LOG_LINES = 5  # the activity log shows at least this many lines: a long error does not scroll away at once
TABLE_ROWS = 4  # the table shows at least this many rows beside it
CELL_PADDING = 16  # a cell's margins and focus frame, either side together, with room to spare


def fit_header(
    header: QHeaderView, values: Mapping[int, Sequence[str]], metrics: QFontMetrics, decorations: Mapping[int, int]
) -> None:
    """Columns with a few known values (time, status, source: ``values``) as wide as their title and their widest
    value (plus its icon, ``decorations``) in this style; the others share what is left of the table's width,
    none narrower than its title. So every title and every status shows whole, and no column runs off the right
    edge of the table (the last title cut) as long as the table is as wide as the titles."""
    stretched = [c for c in range(header.count()) if c not in values]
    for column in range(header.count()):
        if column in values:
            widest = max((metrics.horizontalAdvance(v) for v in values[column]), default=0)
            content = widest + decorations.get(column, 0) + CELL_PADDING
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, max(header.sectionSizeHint(column), content))
        else:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    header.setStretchLastSection(False)
    titles = [header.sectionSizeHint(c) for c in stretched]
    header.setMinimumSectionSize(max([header.minimumSectionSize(), *titles]))


def fit_buttons(buttons: Iterable[QAbstractButton], floor: int = 0) -> None:
    """Minimum width ``floor``, or the style's size hint when that is wider (a minimum below it clips)."""
    for button in buttons:
        button.setMinimumWidth(0)  # the hint of the style in force, not of an earlier minimum
        button.setMinimumWidth(max(floor, button.sizeHint().width()))


def fit_lines(edit: QPlainTextEdit, lines: int = LOG_LINES) -> None:
    """At least ``lines`` lines of text tall, in the font and frame of the style in force."""
    margins, document = edit.contentsMargins(), edit.document()
    chrome = margins.top() + margins.bottom() + (0 if document is None else 2 * round(document.documentMargin()))
    edit.setMinimumHeight(lines * edit.fontMetrics().lineSpacing() + chrome)


class FirstPaneWidth(QObject):
    """Splits a splitter's width by a share (``share`` to the first pane; the user's drag sets a new one), with the
    first pane at least ``need()`` pixels wide while the other can spare them (its minimum is left alone): the
    table gets the width of its column titles, the preview the rest."""

    def __init__(self, splitter: QSplitter, need: Callable[[], int], share: float = 0.55) -> None:
        super().__init__(splitter)
        self._splitter, self._need, self.share = splitter, need, share
        splitter.installEventFilter(self)
        splitter.splitterMoved.connect(self._moved)

    def _moved(self, _pos: int, _index: int) -> None:
        first, *rest = self._splitter.sizes() or [0]
        total = first + sum(rest)
        if len(rest) == 1 and total:
            self.share = first / total

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:
        if watched is self._splitter and event is not None and event.type() == QEvent.Type.Resize:
            QTimer.singleShot(0, self.apply)  # after the splitter has laid out its new width (filters run first)
        return False

    def apply(self) -> None:
        splitter = self._splitter
        sizes = splitter.sizes()
        other = splitter.widget(1)
        if len(sizes) != 2 or other is None or not sum(sizes):
            return
        total = sum(sizes)
        spare = total - max(other.minimumSizeHint().width(), other.minimumWidth())
        want = max(0, min(max(self._need(), round(self.share * total)), spare))
        if want != sizes[0]:
            splitter.setSizes([want, total - want])


def fit_rows(table: QTableView, rows: int = TABLE_ROWS) -> None:
    """At least the header and ``rows`` rows tall, in the style in force."""
    header, vertical = table.horizontalHeader(), table.verticalHeader()
    head = 0 if header is None else header.sizeHint().height()
    row = table.fontMetrics().height() + 6 if vertical is None else vertical.defaultSectionSize()
    table.setMinimumHeight(head + rows * row + 2 * table.frameWidth())
