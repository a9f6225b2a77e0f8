"""Colours, labels and number formats shared by the tab's widgets."""

from __future__ import annotations

from datetime import timedelta

from PyQt6.QtGui import QColor

from goesvfi.integrity_check.results import SlotStatus

# Distinct in hue and lightness, readable on light and dark palettes, and not red/green only.
STATUS_COLORS: dict[SlotStatus, QColor] = {
    SlotStatus.PRESENT: QColor("#4c9a52"),
    SlotStatus.MISSING: QColor("#d64541"),
    SlotStatus.FETCHED: QColor("#2f7bc4"),
    SlotStatus.FAILED: QColor("#e39b12"),
}
STATUS_LABELS: dict[SlotStatus, str] = {
    SlotStatus.PRESENT: "Present",
    SlotStatus.MISSING: "Missing",
    SlotStatus.FETCHED: "Fetched",
    SlotStatus.FAILED: "Failed",
}
# Which status wins when several share one pixel column of the timeline: problems must stay visible.
STATUS_PRIORITY: tuple[SlotStatus, ...] = (
    SlotStatus.FAILED,
    SlotStatus.MISSING,
    SlotStatus.FETCHED,
    SlotStatus.PRESENT,
)
WARNING_COLOR = QColor("#c0392b")
UTC_DISPLAY_FORMAT = "yyyy-MM-dd HH:mm 'UTC'"


def format_bytes(count: float) -> str:
    """``1.5 GB``, ``812 MB``: binary units with the usual short names."""
    value = float(count)
    units = ("B", "KB", "MB", "GB", "TB")
    index = 0
    while abs(value) >= 1024 and index < len(units) - 1:
        value /= 1024
        index += 1
    return f"{value:.1f} {units[index]}" if index >= 3 else f"{value:.0f} {units[index]}"


def format_duration(delta: timedelta) -> str:
    """``45 min``, ``2 h 05 min``, ``3 d 4 h``."""
    minutes = round(delta.total_seconds() / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"
