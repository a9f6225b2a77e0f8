"""Every tab label, header title, button text and status word of the tab fits its widget, measured (the text's
QFontMetrics advance against the room the style leaves inside the widget), in both looks the tab lives in: the
standalone window (the platform's style) and GOES-VFI's qt-material dark theme (with a host rule for its own
vertical tabs, as GOES-VFI's style sheet has), at 1280 x 800 and at each window's default size.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PyQt6.QtCore import QRect, Qt
from PyQt6.QtGui import QFont, QFontMetrics
from PyQt6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QStyleOptionButton,
    QStyleOptionHeader,
    QTabBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from goesvfi.integrity_check.gui.app import DEFAULT_SIZE, MainWindow
from goesvfi.integrity_check.gui.tab import IntegrityCheckTab
from goesvfi.integrity_check.gui.view_model import EnhancedViewModel
from goesvfi.integrity_check.gui.widgets.style import STATUS_LABELS
from goesvfi.integrity_check.results import SlotResult, SlotStatus
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

qt_material = pytest.importorskip("qt_material")  # in the test extra: GOES-VFI's theme

HOST_DEFAULT = (1600, 1100)  # GOES-VFI's window as used (maximised on a 1600 x 1200 screen; issue 23)
# GOES-VFI's style sheet sizes the tabs of its vertical main tab bar; a rule like it applies to every QTabBar.
HOST_TAB_RULE = "QTabBar::tab { min-width: 150px; min-height: 160px; }"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


class HostWindow(QWidget):
    """GOES-VFI's main window in outline: a QWidget with its tabs on the left, the integrity tab among them."""

    def __init__(self, tab: IntegrityCheckTab) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.setTabPosition(QTabWidget.TabPosition.West)
        self.tabs.addTab(QLabel("main"), "Main")
        self.tabs.addTab(tab, "Satellite Integrity")
        self.tabs.setCurrentWidget(tab)
        layout.addWidget(self.tabs)


@pytest.fixture
def dark(qapp: QApplication) -> Iterator[None]:
    old = qapp.styleSheet()
    qt_material.apply_stylesheet(qapp, theme="dark_blue.xml")  # GOES-VFI's default theme
    qapp.setStyleSheet(qapp.styleSheet() + "\n" + HOST_TAB_RULE)
    yield
    qapp.setStyleSheet(old)


def _advance(font: QFont, text: str) -> int:
    """The text's width in ``font``, as drawn: upper-cased when the style says so (qt-material's buttons)."""
    if font.capitalization() == QFont.Capitalization.AllUppercase:
        text = text.upper()
    return QFontMetrics(font).horizontalAdvance(text.replace("&", ""))


def _button_room(button: QAbstractButton) -> int:
    """The width the style leaves for a button's text: its contents rect (inside border and padding)."""
    style = button.style()
    assert style is not None
    if isinstance(button, QCheckBox):
        check_option = QStyleOptionButton()
        button.initStyleOption(check_option)
        return style.subElementRect(QStyle.SubElement.SE_CheckBoxContents, check_option, button).width()
    option = QStyleOptionButton()
    assert isinstance(button, QPushButton)
    button.initStyleOption(option)
    return style.subElementRect(QStyle.SubElement.SE_PushButtonContents, option, button).width()


def _header_room(header: QHeaderView, section: int) -> int:
    """The width the style leaves for a section's title: SE_HeaderLabel inside the section (minus a sort arrow)."""
    option = QStyleOptionHeader()
    option.initFrom(header)  # the header is made by C++: its protected initStyleOption is out of reach
    option.orientation = Qt.Orientation.Horizontal
    option.textAlignment = header.defaultAlignment()
    option.rect = QRect(0, 0, header.sectionSize(section), header.height())
    option.section = section
    model = header.model()
    assert model is not None
    option.text = str(model.headerData(section, Qt.Orientation.Horizontal))
    if header.isSortIndicatorShown() and header.sortIndicatorSection() == section:
        option.sortIndicator = QStyleOptionHeader.SortIndicator.SortDown
    style = header.style()
    assert style is not None
    return style.subElementRect(QStyle.SubElement.SE_HeaderLabel, option, header).width()


def _problems(tab: IntegrityCheckTab) -> list[str]:
    out: list[str] = []
    for button in tab.findChildren(QAbstractButton):
        if not button.isVisibleTo(tab) or not button.text() or not isinstance(button, (QPushButton, QCheckBox)):
            continue
        need, room = _advance(button.font(), button.text()), _button_room(button)
        if need > room:
            out.append(f"button {button.objectName() or button.text()!r}: text {need} px in {room} px")
    for bar in tab.findChildren(QTabBar):  # none left, but any that comes back is measured as well
        for i in range(bar.count()):
            need, room = _advance(bar.font(), bar.tabText(i)), bar.tabRect(i).width()
            if not bar.isVisibleTo(tab) or need > room:
                out.append(f"tab {bar.tabText(i)!r}: text {need} px in {room} px")
    table = tab.ui.table
    header = table.horizontalHeader()
    assert header is not None
    bold = QFont(header.font())
    bold.setBold(True)
    right = table.viewport().width()
    model = tab.model
    for section in range(header.count()):
        title = str(model.headerData(section, Qt.Orientation.Horizontal))
        need = max(_advance(header.font(), title), QFontMetrics(bold).horizontalAdvance(title.upper()))
        room = _header_room(header, section)
        if need > room:
            out.append(f"header {title!r}: text {need} px in {room} px")
        if header.sectionViewportPosition(section) + header.sectionSize(section) > right:
            out.append(f"header {title!r}: runs past the table's right edge ({right} px)")
    column = model.STATUS
    swatch = model.DECORATIONS[column]
    for row in range(model.rowCount()):
        words = STATUS_LABELS[model.slot_at(row).status]
        need = table.fontMetrics().horizontalAdvance(words) + swatch
        room = table.visualRect(model.index(row, column)).width() - 8  # the cell's margins
        if need > room:
            out.append(f"status {words!r}: text {need} px in {room} px")
    return out


def _fill(tab: IntegrityCheckTab) -> None:
    """One row per status, so that the Status column is measured with every status's words."""
    start = NOW - timedelta(hours=1)
    slots = [
        SlotResult(start + timedelta(minutes=5 * i), SatellitePattern.GOES_18, Sector.CONUS, 13, status)
        for i, status in enumerate(SlotStatus)
    ]
    tab.model.set_slots(slots)


def _check(qtbot, qapp: QApplication, window: QWidget, tab: IntegrityCheckTab, size: tuple[int, int]) -> None:
    _fill(tab)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    for page in (0, 1):  # the timeline with its zoom buttons, then the calendar with its own
        tab.ui.views.setCurrentIndex(page)
        qtbot.wait(50)  # layouts and the splitter's share settle
        qapp.processEvents()
        assert _problems(tab) == [], (size, page)
    log = tab.ui.log
    assert log.height() >= 5 * log.fontMetrics().lineSpacing()  # a long error does not scroll away at once


def _tab(tmp_path: Path) -> IntegrityCheckTab:
    vm = EnhancedViewModel(cache_path=tmp_path / "cache.db", now=lambda: NOW)
    return IntegrityCheckTab(view_model=vm)


@pytest.mark.slow
@pytest.mark.parametrize("size", [(1280, 800), DEFAULT_SIZE], ids=["1280x800", "default"])
def test_standalone_window_every_text_fits(qtbot, qt_settings, qloop, qapp, tmp_path: Path, size) -> None:
    window = MainWindow(_tab(tmp_path))
    qtbot.addWidget(window)
    _check(qtbot, qapp, window, window.tab, size)


@pytest.mark.slow
@pytest.mark.parametrize("size", [(1280, 800), HOST_DEFAULT], ids=["1280x800", "host-default"])
def test_in_goes_vfis_dark_theme_every_text_fits(qtbot, qt_settings, qloop, qapp, dark, tmp_path: Path, size) -> None:
    tab = _tab(tmp_path)
    window = HostWindow(tab)
    qtbot.addWidget(window)
    _check(qtbot, qapp, window, tab, size)


@pytest.mark.slow
def test_the_measure_sees_a_clipped_button(qtbot, qt_settings, qloop, qapp, dark, tmp_path: Path) -> None:
    """The judge can fail: a button, a title and a status narrowed below their text are reported."""
    tab = _tab(tmp_path)
    window = HostWindow(tab)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    _fill(tab)
    tab.ui.export.setFixedWidth(60)
    header = tab.ui.table.horizontalHeader()
    assert header is not None
    header.setMinimumSectionSize(10)
    header.resizeSection(tab.model.STATUS, 50)
    qapp.processEvents()
    problems = _problems(tab)
    for start in ("button 'exportButton'", "header 'Status'", "status 'Not at NOAA'"):
        assert any(p.startswith(start) for p in problems), (start, problems)
