"""Small input widgets of the tab: UTC date-time pickers and the satellite / sector combos."""

from __future__ import annotations

from datetime import UTC, datetime

from PyQt6.QtCore import QDate, QDateTime, QTime, QTimeZone
from PyQt6.QtWidgets import QComboBox, QDateTimeEdit, QLineEdit, QSpinBox, QWidget

from goesvfi.integrity_check.gui.auto_fetch_state import PERIOD_CHOICES, WINDOW_CHOICES
from goesvfi.integrity_check.gui.widgets.style import UTC_DISPLAY_FORMAT
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from goesvfi.integrity_check.time_index.operational import View, operational, satellite_label


def to_qdatetime(when: datetime) -> QDateTime:
    when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return QDateTime(QDate(when.year, when.month, when.day), QTime(when.hour, when.minute), QTimeZone.utc())


def from_qdatetime(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), UTC)


class UtcDateTimeEdit(QDateTimeEdit):
    """A date-time picker that shows and returns UTC ("2026-11-28 20:00 UTC"), with a calendar popup."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setTimeZone(QTimeZone.utc())
        self.setDisplayFormat(UTC_DISPLAY_FORMAT)
        self.setCalendarPopup(True)
        self.setMinimumDateTime(to_qdatetime(datetime(2017, 1, 1, tzinfo=UTC)))
        self.setToolTip("Times are UTC, as in GOES file names.")

    def utc(self) -> datetime:
        return from_qdatetime(self.dateTime())

    def set_utc(self, when: datetime) -> None:
        self.setDateTime(to_qdatetime(when))


def satellite_combo() -> QComboBox:
    combo = QComboBox()
    combo.setObjectName("satelliteCombo")
    now = datetime.now(UTC)
    for view in View:  # the views first (East the default): each slot from the satellite operational then
        current = operational(view, now)
        since = "" if current is None else f" ({current.display_name} now)"
        combo.addItem(f"{view.display_name}{since}", view)
    for satellite in SatellitePattern.real():  # "GOES-19 (East since 2025-04-07)": when it was operational
        combo.addItem(satellite_label(satellite), satellite)
    combo.setToolTip("Detected from the folder's file names when you choose a folder.")
    return combo


def sector_combo() -> QComboBox:
    combo = QComboBox()
    combo.setObjectName("sectorCombo")
    for sector in Sector:
        combo.addItem(sector.display_name, sector)
    return combo


def band_spin() -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName("bandSpin")
    spin.setRange(1, 16)
    spin.setValue(13)
    spin.setPrefix("C")
    spin.setToolTip("ABI band: 13 is Clean IR (10.3 µm), the GOES-VFI default.")
    return spin


def interval_spin() -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName("intervalSpin")
    spin.setRange(0, 1440)
    spin.setSingleStep(5)
    spin.setSuffix(" min")
    spin.setSpecialValueText("Auto")
    spin.setToolTip("Minutes between frames. Auto detects it from the files (else the sector's schedule).")
    return spin


def auto_period_combo() -> QComboBox:
    combo = QComboBox()
    combo.setObjectName("autoFetchPeriod")
    for minutes in PERIOD_CHOICES:
        combo.addItem(f"{minutes} min", minutes)
    combo.setToolTip("How often Auto-fetch checks the window (on the clock: every 10 min runs at :00, :10 ...).")
    return combo


def auto_window_combo() -> QComboBox:
    combo = QComboBox()
    combo.setObjectName("autoFetchWindow")
    for hours in WINDOW_CHOICES:
        combo.addItem(f"{hours} h" if hours < 48 else f"{hours // 24} days", hours)
    combo.setToolTip("The trailing window Auto-fetch keeps complete (up to 20 minutes ago: NOAA publishes late).")
    return combo


def auto_notify_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName("autoFetchNotify")
    edit.setPlaceholderText("alerts to (optional): https://ntfy.sh/TOPIC or a webhook URL")
    edit.setToolTip(
        "Auto-fetch sends an alert here when frames stay missing, NOAA goes stale, cycles keep failing or the disk "
        "runs low, and once more when it is back to normal (at most one per kind an hour). A webhook URL gets "
        "JSON, an ntfy topic plain text; several URLs: separate them with spaces."
    )
    return edit


def select_data(combo: QComboBox, data: object) -> None:
    index = combo.findData(data)
    if index >= 0 and index != combo.currentIndex():
        combo.setCurrentIndex(index)
