"""The calendar: a year at a glance. One cell per UTC day (weeks in columns, Monday at the top), or per hour
when zoomed (one row per day of a week, 24 hour columns), coloured by the share of frames present, missing and
unavailable (classes and colours from :mod:`goesvfi.integrity_check.calendar_bins`, shared with the HTML report).

Clicking a cell emits ``cell_clicked(start, end)`` (epoch seconds): the tab selects those rows. Double-click
or the mouse wheel over a day zooms to the hours of its week; *Days* (or the wheel back) returns.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from PyQt6.QtCore import QPoint, QRect, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QWheelEvent
from PyQt6.QtWidgets import QPushButton, QSizePolicy, QToolTip, QVBoxLayout, QWidget

from goesvfi.integrity_check.calendar_bins import (
    CELL_COLORS,
    DAY,
    HOUR,
    LEGEND,
    CalendarBins,
    CellClass,
    bin_slots,
    week_column,
    weekday,
)

_MARGIN, _TOP, _LEFT, _LEGEND_H = 6, 16, 74, 20
_MIN_CELL, _MAX_CELL, _MAX_HOUR_W = 5, 18, 44
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAYS, HOURS = "days", "hours"


class CalendarWidget(QWidget):
    """Paints day (or hour) cells. Data: slot times (epoch seconds, ascending) and category codes."""

    cell_clicked = pyqtSignal(int, int)  # [start, end) epoch seconds of the clicked day or hour
    mode_changed = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calendarView")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(_TOP + 7 * _MIN_CELL + _LEGEND_H + 2 * _MARGIN)
        self._times = np.zeros(0, dtype=np.float64)
        self._codes = np.zeros(0, dtype=np.uint8)
        self._days = bin_slots(self._times, self._codes, DAY)
        self._hours = bin_slots(self._times, self._codes, HOUR)
        self._mode = DAYS
        self._week = 0  # hours mode: the first day (epoch seconds) of the week shown
        self._selected: tuple[int, int] | None = None

    def sizeHint(self) -> QSize:
        return QSize(600, _TOP + 7 * (_MAX_CELL - 2) + _LEGEND_H + 2 * _MARGIN)

    # ---- data ---------------------------------------------------------------------------------------

    def set_data(self, times: np.ndarray, codes: np.ndarray) -> None:
        """Slots as epoch seconds (ascending) and category codes (``calendar_bins.categories``)."""
        self._times = np.asarray(times, dtype=np.float64)
        self._codes = np.asarray(codes, dtype=np.uint8)
        self._rebin()
        self._selected = None
        span_days = len(self._days)
        self._mode = HOURS if 0 < span_days <= 7 else DAYS  # a day or a week reads better by the hour
        self._week = self._days.first
        self.mode_changed.emit(self._mode)
        self.update()

    def update_codes(self, positions: np.ndarray, codes: np.ndarray) -> None:
        """New categories for some slots (a running fetch); the mode and week stay."""
        positions = np.asarray(positions, dtype=np.intp)
        if positions.size == 0 or int(positions.max()) >= self._codes.size:
            return
        self._codes[positions] = codes
        self._rebin()
        self.update()

    def _rebin(self) -> None:
        self._days = bin_slots(self._times, self._codes, DAY)
        self._hours = bin_slots(self._times, self._codes, HOUR)

    @property
    def mode(self) -> str:
        return self._mode

    def days(self) -> CalendarBins:
        return self._days

    def hours(self) -> CalendarBins:
        return self._hours

    def set_mode(self, mode: str, focus: int | None = None) -> None:
        """DAYS or HOURS; ``focus`` (epoch seconds) picks the week shown by the hour."""
        if focus is not None:
            day = int(focus // DAY) * DAY
            self._week = max(self._days.first, day - weekday(day) * DAY) if len(self._days) > 7 else self._days.first
        if mode != self._mode:
            self._mode = mode
            self.mode_changed.emit(mode)
        self.update()

    def step_week(self, weeks: int) -> None:
        """Hours mode: show the next (or previous) seven days."""
        if not len(self._days):
            return
        last = self._days.start(len(self._days) - 1)
        self._week = int(min(max(self._days.first, self._week + 7 * DAY * weeks), max(self._days.first, last)))
        self.update()

    def shown_days(self) -> list[int]:
        """Hours mode: the days (epoch seconds) shown as rows."""
        if not len(self._days):
            return []
        last = self._days.start(len(self._days) - 1)
        return [d for d in range(self._week, self._week + 7 * DAY, DAY) if d <= last]

    # ---- geometry -----------------------------------------------------------------------------------

    def _cell(self) -> int:
        """Cell height (and width in days mode)."""
        width = (self.width() - _LEFT - 2 * _MARGIN) // max(1, self._columns())
        height = (self.height() - _TOP - _LEGEND_H - 2 * _MARGIN) // 7
        return int(max(_MIN_CELL, min(_MAX_CELL, width, height)))

    def _cell_width(self) -> int:
        """Hours mode stretches cells sideways (24 columns), up to _MAX_HOUR_W; days mode keeps them square."""
        if self._mode == DAYS:
            return self._cell()
        width = (self.width() - _LEFT - 2 * _MARGIN) // 24
        return int(max(self._cell(), min(_MAX_HOUR_W, width)))

    def _columns(self) -> int:
        if self._mode == HOURS:
            return 24
        if not len(self._days):
            return 1
        return week_column(self._days.start(len(self._days) - 1), self._days.first) + 1

    def cell_rect(self, start: int) -> QRect | None:
        """The rectangle of the day (DAYS) or hour (HOURS) starting at ``start`` (epoch seconds), if shown."""
        cell, cell_w = self._cell(), self._cell_width()
        x0, y0 = _MARGIN + _LEFT, _MARGIN + _TOP
        if self._mode == DAYS:
            if not len(self._days) or not 0 <= self._days.index_of(start) < len(self._days):
                return None
            column, row = week_column(start, self._days.first), weekday(start)
        else:
            day = (start // DAY) * DAY
            days = self.shown_days()
            if day not in days:
                return None
            column, row = (start - day) // HOUR, days.index(day)
        return QRect(x0 + column * cell_w, y0 + row * cell, cell_w - 1, cell - 1)

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        """``(start, end)`` epoch seconds of the cell under ``pos`` that has expected frames, else None."""
        cell = self._cell()
        column = (pos.x() - _MARGIN - _LEFT) // self._cell_width()
        row = (pos.y() - _MARGIN - _TOP) // cell
        if pos.x() < _MARGIN + _LEFT or pos.y() < _MARGIN + _TOP or not 0 <= row < 7 or column < 0:
            return None
        if self._mode == DAYS:
            if column >= self._columns():
                return None
            first_monday = (self._days.first // DAY + 3) // 7 * 7 - 3
            start = (first_monday + column * 7 + row) * DAY
            bins, unit = self._days, DAY
        else:
            days = self.shown_days()
            if row >= len(days) or column >= 24:
                return None
            start, bins, unit = days[row] + column * HOUR, self._hours, HOUR
        index = bins.index_of(start)
        if not 0 <= index < len(bins) or bins.total(index) == 0:
            return None
        return start, start + unit

    # ---- events -------------------------------------------------------------------------------------

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:
        if event is None or event.button() != Qt.MouseButton.LeftButton:
            return
        hit = self.cell_at(event.position().toPoint())
        if hit is not None:
            self._selected = hit
            self.update()
            self.cell_clicked.emit(*hit)

    def mouseDoubleClickEvent(self, event: QMouseEvent | None) -> None:
        if event is not None and self._mode == DAYS:
            hit = self.cell_at(event.position().toPoint())
            if hit is not None:
                self.set_mode(HOURS, hit[0])

    def wheelEvent(self, event: QWheelEvent | None) -> None:
        if event is None:
            return
        delta = event.angleDelta().y()
        if delta > 0 and self._mode == DAYS:
            hit = self.cell_at(event.position().toPoint())
            self.set_mode(HOURS, hit[0] if hit else self._days.first)
        elif delta < 0 and self._mode == HOURS:
            self.set_mode(DAYS)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:
        if event is None:
            return
        hit = self.cell_at(event.position().toPoint())
        if hit is None:
            QToolTip.hideText()
            return
        bins = self._days if self._mode == DAYS else self._hours
        when = datetime.fromtimestamp(hit[0], UTC)
        label = f"{when:%a %Y-%m-%d}" if self._mode == DAYS else f"{when:%Y-%m-%d %H}:00-{when.hour + 1:02d}:00"
        QToolTip.showText(event.globalPosition().toPoint(), f"{label} UTC\n{bins.describe(bins.index_of(hit[0]))}")

    # ---- painting -----------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        if not len(self._days):
            painter.setPen(palette.placeholderText().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Run a scan to see each day's frames")
            return
        colors = {cls: QColor(hex_) for cls, hex_ in CELL_COLORS.items()}
        if self._mode == DAYS:
            self._paint_days(painter, colors)
        else:
            self._paint_hours(painter, colors)
        self._paint_legend(painter, colors)

    def _paint_days(self, painter: QPainter, colors: dict[CellClass, QColor]) -> None:
        bins, text = self._days, self.palette().text().color()
        painter.setPen(text)
        metrics = painter.fontMetrics()
        for row in (0, 2, 4):
            painter.drawText(_MARGIN, _MARGIN + _TOP + row * self._cell() + metrics.ascent() - 1, _WEEKDAYS[row])
        last_label_x = -1000
        for index in range(len(bins)):
            start = bins.start(index)
            rect = self.cell_rect(start)
            if rect is None:
                continue
            painter.fillRect(rect, colors[bins.cell_class(index)])
            when = datetime.fromtimestamp(start, UTC)
            if (when.day == 1 or index == 0) and rect.x() - last_label_x > metrics.horizontalAdvance("Sep 2026 "):
                label = f"{when:%b %Y}" if when.month == 1 or index == 0 else f"{when:%b}"
                painter.drawText(rect.x(), _MARGIN + metrics.ascent(), label)
                last_label_x = rect.x()
        self._paint_selection(painter)

    def _paint_hours(self, painter: QPainter, colors: dict[CellClass, QColor]) -> None:
        bins, text = self._hours, self.palette().text().color()
        painter.setPen(text)
        metrics = painter.fontMetrics()
        cell, cell_w = self._cell(), self._cell_width()
        step = 1 if cell_w >= metrics.horizontalAdvance("00 ") else 3
        for hour in range(0, 24, step):
            painter.drawText(_MARGIN + _LEFT + hour * cell_w, _MARGIN + metrics.ascent(), f"{hour:02d}")
        for row, day in enumerate(self.shown_days()):
            label = datetime.fromtimestamp(day, UTC).strftime("%a %m-%d")
            painter.setPen(text)
            painter.drawText(_MARGIN, _MARGIN + _TOP + row * cell + metrics.ascent() - 1, label)
            for hour in range(24):
                start = day + hour * HOUR
                index = bins.index_of(start)
                if not 0 <= index < len(bins):
                    continue
                rect = self.cell_rect(start)
                if rect is not None:
                    painter.fillRect(rect, colors[bins.cell_class(index)])
        self._paint_selection(painter)

    def _paint_selection(self, painter: QPainter) -> None:
        if self._selected is None:
            return
        rect = self.cell_rect(self._selected[0])
        if rect is not None:
            painter.setPen(QPen(self.palette().text().color(), 2))
            painter.drawRect(rect.adjusted(-1, -1, 1, 1))

    def _paint_legend(self, painter: QPainter, colors: dict[CellClass, QColor]) -> None:
        metrics = painter.fontMetrics()
        x = _MARGIN + _LEFT
        y = _MARGIN + _TOP + 7 * self._cell() + 4
        for cls in LEGEND:
            painter.fillRect(QRect(x, y + 3, 10, 10), colors[cls])
            painter.setPen(self.palette().text().color())
            painter.drawText(x + 14, y + metrics.ascent(), cls.value)
            x += 14 + metrics.horizontalAdvance(cls.value) + 14


class CalendarView(QWidget):
    """The calendar page, with its controls: *Days*, *Hours*, previous / next week (hours) and a hint.

    The page holds the calendar alone; the tab lays :attr:`controls` out in the row that switches its pages (shown
    while the calendar is), so that the page costs no more height than the calendar's cells.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.calendar = CalendarWidget()
        self.days_button = _tool("Days", "calendarDaysButton", "One cell per day (weeks in columns)")
        self.hours_button = _tool("Hours", "calendarHoursButton", "One cell per hour, a week at a time")
        self.previous_button = _tool("\u25c0", "calendarPreviousButton", "Previous week")
        self.next_button = _tool("\u25b6", "calendarNextButton", "Next week")
        self.calendar.setToolTip(
            "Click a day (or hour) to select its frames and set the time range to it; double-click or the mouse"
            " wheel shows a week by the hour."
        )
        for button in (self.days_button, self.hours_button):
            button.setCheckable(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.calendar)
        self.days_button.clicked.connect(lambda: self.calendar.set_mode(DAYS))
        self.hours_button.clicked.connect(lambda: self.calendar.set_mode(HOURS))
        self.previous_button.clicked.connect(lambda: self.calendar.step_week(-1))
        self.next_button.clicked.connect(lambda: self.calendar.step_week(1))
        self.calendar.mode_changed.connect(self._render_mode)
        self._render_mode(self.calendar.mode)

    @property
    def controls(self) -> tuple[QPushButton, ...]:
        """Days, Hours, previous week, next week: for the row above the page."""
        return (self.days_button, self.hours_button, self.previous_button, self.next_button)

    def _render_mode(self, mode: str) -> None:
        self.days_button.setChecked(mode == DAYS)
        self.hours_button.setChecked(mode == HOURS)
        for button in (self.previous_button, self.next_button):
            button.setEnabled(mode == HOURS)


def _tool(text: str, name: str, tip: str) -> QPushButton:
    """A push button: a host's style sheet styles and sizes it like its other buttons (style_fit)."""
    button = QPushButton(text)
    button.setObjectName(name)
    button.setToolTip(tip)
    return button
