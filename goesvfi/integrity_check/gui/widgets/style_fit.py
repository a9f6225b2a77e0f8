"""Sizes that follow the style in force, so a host's style sheet neither clips nor hides anything.

A host (GOES-VFI applies qt-material to the whole application) may pad buttons and header sections far more
than Qt's own styles. Sizes fixed in pixels at construction then clip text ("STATUS" cut in the header) or
hide it (a 40 px *Fit* button whose padding alone is 32 px). The tab calls :func:`fit_to_style` when it is
first shown and whenever the style changes: every width becomes at least what the style asks for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from PyQt6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PyQt6.QtGui import QFont, QFontMetrics
from PyQt6.QtWidgets import (
    QAbstractButton,
    QHeaderView,
    QPlainTextEdit,
    QSplitter,
    QStyle,
    QStyleOptionHeader,
    QTableView,
)

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
    sorted_by = header.sortIndicatorSection() if header.isSortIndicatorShown() else -1
    stretched = [c for c in range(header.count()) if c not in values and c != sorted_by]
    for column in range(header.count()):
        if column in stretched:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            continue
        # A column of known values, or the one sorted by (its title and the arrow beside it): a width of its own.
        widest = max((metrics.horizontalAdvance(v) for v in values.get(column, ())), default=0)
        content = widest + decorations.get(column, 0) + CELL_PADDING
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(column, max(title_width(header, column), content))
    header.setStretchLastSection(False)
    titles = [title_width(header, c) for c in stretched]
    header.setMinimumSectionSize(max(titles, default=header.minimumSectionSize()))


def title_width(header: QHeaderView, section: int) -> int:
    """The width a section needs for its whole title (bold or capitalised, as a style may draw it) in the style in
    force, with room for the sort arrow only in the section sorted by. (Qt's own size hint keeps that room in
    every section: under qt-material's header padding it would push the last title off an 800-pixel window.)"""
    model, style = header.model(), header.style()
    if model is None or style is None:
        return header.sectionSizeHint(section)
    title = str(model.headerData(section, header.orientation()))
    bold = QFont(header.font())
    bold.setBold(True)
    option = QStyleOptionHeader()
    option.initFrom(header)
    option.orientation = header.orientation()
    option.section = section
    option.fontMetrics = QFontMetrics(bold)
    if header.isSortIndicatorShown() and header.sortIndicatorSection() == section:
        option.sortIndicator = QStyleOptionHeader.SortIndicator.SortDown
    widths = []
    for text in (title, title.upper()):
        option.text = text
        widths.append(style.sizeFromContents(QStyle.ContentsType.CT_HeaderSection, option, QSize(), header).width())
    return max(widths)


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
    table gets the width of its column titles, the preview the rest. Where the width cannot hold both (GOES-VFI's
    window opens 800 pixels wide), the panes stack, the second under the first, ``STACKED_SHARE`` of the height
    to the first."""

    STACKED_SHARE = 0.6

    def __init__(self, splitter: QSplitter, need: Callable[[], int], share: float = 0.55) -> None:
        super().__init__(splitter)
        self._splitter, self._need, self.share = splitter, need, share
        splitter.installEventFilter(self)
        splitter.splitterMoved.connect(self._moved)

    def _moved(self, _pos: int, _index: int) -> None:
        first, *rest = self._splitter.sizes() or [0]
        total = first + sum(rest)
        if len(rest) == 1 and total and not self.stacked:
            self.share = first / total

    @property
    def stacked(self) -> bool:
        return self._splitter.orientation() == Qt.Orientation.Vertical

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:
        if watched is self._splitter and event is not None and event.type() == QEvent.Type.Resize:
            QTimer.singleShot(0, self.apply)  # after the splitter has laid out its new width (filters run first)
        return False

    def apply(self) -> None:
        splitter = self._splitter
        other = splitter.widget(1)
        total = splitter.width()
        if splitter.count() != 2 or other is None or not total:
            return
        other_min = max(other.minimumSizeHint().width(), other.minimumWidth())
        side_by_side = self._need() + splitter.handleWidth() + other_min <= total
        if side_by_side == self.stacked:
            splitter.setOrientation(Qt.Orientation.Horizontal if side_by_side else Qt.Orientation.Vertical)
            if not side_by_side:  # heights in proportion (setSizes scales them to the splitter)
                splitter.setSizes([round(1000 * self.STACKED_SHARE), round(1000 * (1 - self.STACKED_SHARE))])
        if not side_by_side:
            return
        sizes = splitter.sizes()
        total = sum(sizes)
        if len(sizes) != 2 or not total:
            return
        spare = total - other_min
        want = max(0, min(max(self._need(), round(self.share * total)), spare))
        if want != sizes[0]:
            splitter.setSizes([want, total - want])


def fit_rows(table: QTableView, rows: int = TABLE_ROWS) -> None:
    """At least the header and ``rows`` rows tall, in the style in force."""
    header, vertical = table.horizontalHeader(), table.verticalHeader()
    head = 0 if header is None else header.sizeHint().height()
    row = table.fontMetrics().height() + 6 if vertical is None else vertical.defaultSectionSize()
    table.setMinimumHeight(head + rows * row + 2 * table.frameWidth())
