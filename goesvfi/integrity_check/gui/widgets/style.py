"""Colours, labels and number formats shared by the tab's widgets."""

from __future__ import annotations

from PyQt6.QtGui import QColor

from goesvfi.integrity_check.results import SlotStatus

# Distinct in hue and lightness, readable on light and dark palettes, and not red/green only.
STATUS_COLORS: dict[SlotStatus, QColor] = {
    SlotStatus.PRESENT: QColor("#4c9a52"),
    SlotStatus.MISSING: QColor("#d64541"),
    SlotStatus.FETCHED: QColor("#2f7bc4"),
    SlotStatus.FAILED: QColor("#e39b12"),
    SlotStatus.UNAVAILABLE: QColor("#8e7cc3"),  # NOAA never had it: nothing to fetch
    SlotStatus.DAMAGED: QColor("#8b4513"),  # a file is there, but not a whole frame: fetch replaces it
}
STATUS_LABELS: dict[SlotStatus, str] = {
    SlotStatus.PRESENT: "Present",
    SlotStatus.MISSING: "Missing",
    SlotStatus.FETCHED: "Fetched",
    SlotStatus.FAILED: "Failed",
    SlotStatus.UNAVAILABLE: "Not at NOAA",
    SlotStatus.DAMAGED: "Damaged",
}
# Which status wins when several share one pixel column of the timeline: problems must stay visible.
STATUS_PRIORITY: tuple[SlotStatus, ...] = (
    SlotStatus.DAMAGED,
    SlotStatus.FAILED,
    SlotStatus.MISSING,
    SlotStatus.UNAVAILABLE,
    SlotStatus.FETCHED,
    SlotStatus.PRESENT,
)
WARNING_COLOR = QColor("#c0392b")
MISMATCH_COLOR = QColor(227, 155, 18, 70)
"""Row background of a frame that does not match the folder's look (translucent amber: any palette)."""
UTC_DISPLAY_FORMAT = "yyyy-MM-dd HH:mm 'UTC'"
