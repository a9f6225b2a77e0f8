"""Colours, labels and number formats shared by the tab's widgets."""

from __future__ import annotations

from PyQt6.QtGui import QColor

from goesvfi.integrity_check.results import SlotStatus
from goesvfi.integrity_check.status_names import STATUSES

# Words and colours per status: one table, goesvfi.integrity_check.status_names (shared with the HTML report).
STATUS_COLORS: dict[SlotStatus, QColor] = {SlotStatus(s.value): QColor(s.colour) for s in STATUSES}
STATUS_LABELS: dict[SlotStatus, str] = {SlotStatus(s.value): s.label for s in STATUSES}
# Which status wins when several share one pixel column of the timeline: problems must stay visible.
STATUS_PRIORITY: tuple[SlotStatus, ...] = tuple(SlotStatus(s.value) for s in STATUSES)
WARNING_COLOR = QColor("#c0392b")
MISMATCH_COLOR = QColor(227, 155, 18, 70)
"""Row background of a frame that does not match the folder's look (translucent amber: any palette)."""
UTC_DISPLAY_FORMAT = "yyyy-MM-dd HH:mm 'UTC'"
