"""The timeline: every expected slot along time, coloured by status; zoom, pan, click a gap to select it.

Painting bins the slots per pixel column with numpy (a column takes the most urgent status among its slots,
so a single missing frame among 100,000 stays visible) and draws the bar as one scaled 1-pixel-high image,
so a repaint costs about the same at 100 or 100,000 slots.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from PyQt6.QtCore import QPointF, QRect, QRectF, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QWheelEvent
from PyQt6.QtWidgets import QSizePolicy, QToolTip, QWidget

from goesvfi.integrity_check.gui.slot_list import STATUS_ORDER
from goesvfi.integrity_check.gui.widgets.style import STATUS_COLORS, STATUS_LABELS, STATUS_PRIORITY
from goesvfi.integrity_check.results import SlotStatus

_CODE = {status: code for code, status in enumerate(STATUS_PRIORITY)}  # lower code = more urgent
_LUT = np.array([_CODE[s] for s in STATUS_ORDER], dtype=np.uint8)  # digest status index -> code
_BAD_CODES = (_CODE[SlotStatus.DAMAGED], _CODE[SlotStatus.FAILED], _CODE[SlotStatus.MISSING])
_ARGB = np.array([STATUS_COLORS[s].rgba() for s in STATUS_PRIORITY] + [0], dtype=np.uint32)
_EMPTY = len(STATUS_PRIORITY)
_ALWAYS_IN_LEGEND = (SlotStatus.PRESENT, SlotStatus.MISSING, SlotStatus.FETCHED, SlotStatus.FAILED)
_TICK_STEPS = [60 * m for m in (1, 2, 5, 10, 15, 30)] + [3600 * h for h in (1, 2, 3, 6, 12)]
_TICK_STEPS += [86400 * d for d in (1, 2, 7, 14, 30, 91, 182, 365)]
_MARGIN, _LEGEND_H, _BAR_H, _AXIS_H = 10, 22, 34, 20


class TimelineWidget(QWidget):
    """Paints slots along time. Signals carry slot positions in time order (``ResultsTableModel.slot_index``)."""

    gap_clicked = pyqtSignal(int, int)  # first and last slot of the clicked run of missing/failed slots
    slot_clicked = pyqtSignal(int)  # a present or fetched slot

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelineView")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(self.sizeHint().height())
        self.setToolTip("")
        self._times = np.zeros(0, dtype=np.float64)  # epoch seconds, ascending
        self._codes = np.zeros(0, dtype=np.uint8)
        self._counts: dict[SlotStatus, int] = dict.fromkeys(SlotStatus, 0)
        self._step = 300.0  # seconds one slot covers
        self._view = (0.0, 1.0)  # visible time window (epoch seconds)
        self._selection: tuple[int, int] | None = None
        self._marker: tuple[float, str] | None = None  # (epoch seconds, legend text), e.g. the CDN cutoff
        self._press: QPointF | None = None
        self._press_view = self._view
        self._dragged = False

    def sizeHint(self) -> QSize:
        return QSize(600, _LEGEND_H + _BAR_H + _AXIS_H + 2 * _MARGIN)

    # ---- data ---------------------------------------------------------------------------------------

    def set_data(self, times: np.ndarray, statuses: np.ndarray, keep_view: bool = False) -> None:
        """Show slots: epoch seconds (ascending) and status indices into ``STATUS_ORDER`` (see digest).

        ``keep_view`` keeps the zoom when only statuses changed (after a fetch).
        """
        self._times = np.asarray(times, dtype=np.float64)
        self._codes = _LUT[np.asarray(statuses, dtype=np.intp)] if len(statuses) else np.zeros(0, np.uint8)
        self._counts = {status: int(np.count_nonzero(self._codes == _CODE[status])) for status in SlotStatus}
        spacing = np.diff(self._times)
        self._step = float(np.median(spacing)) if spacing.size else 300.0
        self._selection = None
        if not keep_view or not self._view_fits():
            self.reset_zoom()
        self.update()

    def update_statuses(self, positions: np.ndarray, statuses: np.ndarray) -> None:
        """New statuses (indices into ``STATUS_ORDER``) for the slots at ``positions``, e.g. while a fetch runs;
        zoom and selection stay."""
        positions = np.asarray(positions, dtype=np.intp)
        if positions.size == 0 or int(positions.max()) >= self._codes.size:
            return
        self._codes[positions] = _LUT[np.asarray(statuses, dtype=np.intp)]
        self._counts = {status: int(np.count_nonzero(self._codes == _CODE[status])) for status in SlotStatus}
        self.update()

    def clear(self) -> None:
        self.set_data(np.zeros(0), np.zeros(0, np.uint8))

    def set_marker(self, when: datetime | None, label: str = "") -> None:
        """A dashed line at ``when`` (explained in the legend), or none."""
        self._marker = None if when is None else (when.timestamp(), label)
        self.update()

    def slot_count(self) -> int:
        return int(self._times.size)

    def counts(self) -> dict[SlotStatus, int]:
        return dict(self._counts)

    def select_range(self, first: int, last: int) -> None:
        self._selection = (first, last)
        self.update()

    def view_window(self) -> tuple[datetime, datetime]:
        return (datetime.fromtimestamp(self._view[0], UTC), datetime.fromtimestamp(self._view[1], UTC))

    # ---- zoom and pan -------------------------------------------------------------------------------

    def _extent(self) -> tuple[float, float]:
        if self._times.size == 0:
            return (0.0, 1.0)
        return (float(self._times[0]), float(self._times[-1]) + self._step)

    def _view_fits(self) -> bool:
        lo, hi = self._extent()
        return lo <= self._view[0] < self._view[1] <= hi

    def reset_zoom(self) -> None:
        self._view = self._extent()
        self.update()

    def zoom(self, factor: float, anchor: float | None = None) -> None:
        """Scale the visible span by ``1/factor`` around ``anchor`` (epoch seconds; default the centre)."""
        lo, hi = self._extent()
        v0, v1 = self._view
        anchor = (v0 + v1) / 2 if anchor is None else anchor
        min_span = min(hi - lo, self._step * max(2.0, self._bar_rect().width() / 120))  # slots up to 120 px wide
        span = min(hi - lo, max(min_span, (v1 - v0) / factor))
        start = anchor - (anchor - v0) * span / (v1 - v0)
        self._set_view(start, span)

    def zoom_in(self) -> None:
        self.zoom(2.0)

    def zoom_out(self) -> None:
        self.zoom(0.5)

    def _set_view(self, start: float, span: float) -> None:
        lo, hi = self._extent()
        start = min(max(start, lo), hi - span)
        self._view = (start, start + span)
        self.update()

    def _time_at(self, x: float) -> float:
        bar = self._bar_rect()
        v0, v1 = self._view
        return v0 + (x - bar.left()) / max(1, bar.width()) * (v1 - v0)

    def _x_of(self, t: float) -> float:
        bar = self._bar_rect()
        v0, v1 = self._view
        return bar.left() + (t - v0) / (v1 - v0) * bar.width()

    # ---- events -------------------------------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent | None) -> None:
        if event is None or self._times.size == 0:
            return
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(1.25**steps, self._time_at(event.position().x()))
        event.accept()

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        if event is not None and event.button() == Qt.MouseButton.LeftButton:
            self._press, self._press_view, self._dragged = event.position(), self._view, False

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:
        if event is None or self._times.size == 0:
            return
        if self._press is not None:
            dx = event.position().x() - self._press.x()
            if abs(dx) > 4:
                self._dragged = True
            if self._dragged:
                v0, v1 = self._press_view
                self._set_view(v0 - dx / max(1, self._bar_rect().width()) * (v1 - v0), v1 - v0)
            return
        index = self._slot_near(event.position().x())
        if index is None:
            QToolTip.hideText()
            return
        when = datetime.fromtimestamp(float(self._times[index]), UTC)
        status = STATUS_PRIORITY[int(self._codes[index])]
        QToolTip.showText(event.globalPosition().toPoint(), f"{when:%Y-%m-%d %H:%M} UTC  {STATUS_LABELS[status]}", self)

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:
        if event is None or self._press is None:
            return
        clicked = not self._dragged and event.button() == Qt.MouseButton.LeftButton
        self._press = None
        if not clicked:
            return
        index = self._slot_near(event.position().x())
        if index is None:
            return
        if int(self._codes[index]) in _BAD_CODES:
            first, last = self._run_around(index)
            self.select_range(first, last)
            self.gap_clicked.emit(first, last)
        else:
            self.select_range(index, index)
            self.slot_clicked.emit(index)

    def _slot_near(self, x: float) -> int | None:
        """The slot under ``x``: a missing/failed one within +-2 px first, else the one covering ``x``."""
        if self._times.size == 0 or not self._bar_rect().adjusted(-2, 0, 2, 0).contains(int(x), self._bar_rect().top()):
            return None
        t0, t1 = self._time_at(x - 2), self._time_at(x + 2)
        lo, hi = np.searchsorted(self._times, [t0 - self._step, t1])
        if hi > lo:
            window = self._codes[lo:hi]
            bad = np.flatnonzero(window <= max(_BAD_CODES))
            if bad.size:
                return int(lo + bad[np.argmin(np.abs(self._times[lo + bad] - self._time_at(x)))])
        index = int(np.searchsorted(self._times, self._time_at(x), side="right")) - 1
        return index if index >= 0 and self._time_at(x) < self._times[index] + self._step else None

    def _run_around(self, index: int) -> tuple[int, int]:
        bad = self._codes <= max(_BAD_CODES)
        first = last = index
        while first > 0 and bad[first - 1]:
            first -= 1
        while last + 1 < bad.size and bad[last + 1]:
            last += 1
        return first, last

    # ---- painting -----------------------------------------------------------------------------------

    def _bar_rect(self) -> QRect:
        return QRect(_MARGIN, _MARGIN + _LEGEND_H, max(1, self.width() - 2 * _MARGIN), _BAR_H)

    def column_codes(self, width: int) -> np.ndarray:
        """The status code painted in each of ``width`` pixel columns (``_EMPTY`` where there is no slot)."""
        out = np.full(width, _EMPTY, dtype=np.uint8)
        if self._times.size == 0:
            return out
        v0, v1 = self._view
        scale = width / (v1 - v0)
        lo, hi = np.searchsorted(self._times, [v0 - self._step, v1])
        times, codes = self._times[lo:hi], self._codes[lo:hi]
        # Slots that start inside a column (many slots per column when zoomed out).
        cols = ((times - v0) * scale).astype(np.int64)
        inside = (cols >= 0) & (cols < width)
        for code in range(_EMPTY - 1, -1, -1):
            hit = np.bincount(cols[inside & (codes == code)], minlength=width)[:width] > 0
            out[hit] = code
        # Slots that cover a column's centre (a slot wider than a column when zoomed in).
        centres = v0 + (np.arange(width) + 0.5) / scale
        idx = np.searchsorted(times, centres, side="right") - 1
        covered = (idx >= 0) & (centres < times[np.clip(idx, 0, None)] + self._step) if times.size else idx >= 0
        cover_codes = np.where(covered, codes[np.clip(idx, 0, max(0, times.size - 1))], _EMPTY)
        return np.minimum(out, cover_codes.astype(np.uint8))

    def paintEvent(self, event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        bar = self._bar_rect()
        self._paint_legend(painter)
        painter.setPen(QPen(palette.mid().color()))
        painter.drawRect(bar.adjusted(-1, -1, 0, 0))
        if self._times.size == 0:
            painter.setPen(palette.placeholderText().color())
            painter.drawText(bar, Qt.AlignmentFlag.AlignCenter, "Run a scan to see every expected frame along time")
            return
        argb = _ARGB[self.column_codes(bar.width())]
        image = QImage(argb.tobytes(), bar.width(), 1, QImage.Format.Format_ARGB32)
        painter.drawImage(bar, image)
        if self._selection is not None:
            first, last = self._selection
            x0 = self._x_of(float(self._times[first]))
            x1 = self._x_of(float(self._times[last]) + self._step)
            x0, x1 = max(x0, bar.left() - 1), min(x1, bar.right() + 1)
            if x1 >= bar.left() and x0 <= bar.right():
                painter.setPen(QPen(palette.text().color(), 2))
                painter.drawRect(QRectF(x0 - 1, bar.top() - 3, max(2.0, x1 - x0 + 2), bar.height() + 6))
        if self._marker_visible():
            x = round(self._x_of(self._marker[0]))  # type: ignore[index]
            pen = QPen(palette.text().color(), 2, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawLine(x, bar.top() - 4, x, bar.bottom() + 4)
        self._paint_axis(painter, bar)

    def _marker_visible(self) -> bool:
        return self._marker is not None and self._times.size > 0 and self._view[0] < self._marker[0] < self._view[1]

    def _paint_legend(self, painter: QPainter) -> None:
        metrics = painter.fontMetrics()
        x = _MARGIN
        y = _MARGIN + (_LEGEND_H - metrics.height()) // 2
        for status in reversed(STATUS_PRIORITY):  # present first; a rarer status only when it occurs
            if status not in _ALWAYS_IN_LEGEND and not self._counts[status]:
                continue
            painter.fillRect(QRect(x, y + 3, 11, 11), STATUS_COLORS[status])
            text = f"{STATUS_LABELS[status]} {self._counts[status]:,}"
            painter.setPen(self.palette().text().color())
            painter.drawText(x + 16, y + metrics.ascent(), text)
            x += 16 + metrics.horizontalAdvance(text) + 18
        if self._marker_visible():
            painter.setPen(QPen(self.palette().text().color(), 2, Qt.PenStyle.DashLine))
            painter.drawLine(x + 5, y + 1, x + 5, y + 15)
            text = self._marker[1]  # type: ignore[index]
            painter.setPen(self.palette().text().color())
            painter.drawText(x + 16, y + metrics.ascent(), text)
            x += 16 + metrics.horizontalAdvance(text) + 18
        if self._times.size:
            v0, v1 = self.view_window()
            span = f"{v0:%Y-%m-%d %H:%M} -> {v1:%Y-%m-%d %H:%M} UTC"
            painter.setPen(self.palette().placeholderText().color())
            right = self.width() - _MARGIN - metrics.horizontalAdvance(span)
            if right > x:
                painter.drawText(right, y + metrics.ascent(), span)

    def _paint_axis(self, painter: QPainter, bar: QRect) -> None:
        metrics = painter.fontMetrics()
        v0, v1 = self._view
        per_px = (v1 - v0) / max(1, bar.width())
        label_w = metrics.horizontalAdvance("2026-12-31 00:00") + 16
        step = next((s for s in _TICK_STEPS if s / per_px >= label_w), _TICK_STEPS[-1])
        fmt = "%H:%M" if step < 86400 else "%Y-%m-%d"
        first = np.ceil(v0 / step) * step
        painter.setPen(self.palette().text().color())
        previous_day = None
        tick = first
        while tick <= v1:
            x = int(self._x_of(tick))
            painter.drawLine(x, bar.bottom() + 1, x, bar.bottom() + 5)
            when = datetime.fromtimestamp(tick, UTC)
            label = when.strftime(fmt)
            if step < 86400 and when.date() != previous_day:
                label = when.strftime("%m-%d %H:%M")
                previous_day = when.date()
            width = metrics.horizontalAdvance(label)
            left = min(max(bar.left(), x - width // 2), bar.right() - width)
            painter.drawText(left, bar.bottom() + 6 + metrics.ascent(), label)
            tick += step
