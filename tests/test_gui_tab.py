"""IntegrityCheckTab with real widgets (offscreen): names, button states, table, timeline, settings, messages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from PyQt6.QtCore import QPoint, Qt, QTimeZone
from PyQt6.QtWidgets import QDialogButtonBox, QLabel, QPushButton

from goesvfi.integrity_check.gui.tab import EnhancedIntegrityCheckTab, IntegrityCheckTab
from goesvfi.integrity_check.gui.view_model import EnhancedViewModel
from goesvfi.integrity_check.gui.widgets.settings_dialog import SettingsDialog
from goesvfi.integrity_check.results import SlotStatus
from goesvfi.integrity_check.settings import GIB
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.archive_support import END, NOW, REMOVED, START, write_archive
from tests.tab_support import child, make_tab, scan_folder

OBJECT_NAMES = [
    "directoryEdit",
    "browseButton",
    "startDateTimeEdit",
    "endDateTimeEdit",
    "satelliteCombo",
    "sectorCombo",
    "bandSpin",
    "intervalSpin",
    "scanButton",
    "fetchButton",
    "cancelButton",
    "exportButton",
    "settingsButton",
    "resultsTable",
    "timelineView",
    "progressBar",
    "statusLabel",
    "summaryLabel",
    "diskSpaceLabel",
    "activityLog",
]


@pytest.fixture
def tab(qtbot, qt_settings, qloop, tmp_path: Path) -> IntegrityCheckTab:
    return make_tab(qtbot, tmp_path)


def test_every_widget_has_its_object_name_and_the_alias_is_the_same_class(tab: IntegrityCheckTab) -> None:
    for name in OBJECT_NAMES:
        child(tab, name)
    assert EnhancedIntegrityCheckTab is IntegrityCheckTab


def test_a_tab_built_with_no_arguments_works(qtbot, qt_settings, qloop) -> None:
    tab = IntegrityCheckTab()
    qtbot.addWidget(tab)
    assert isinstance(tab.view_model, EnhancedViewModel)
    assert tab.ui.band.value() == 13 and tab.ui.interval.text() == "Auto"


def test_date_pickers_are_utc_and_say_so(tab: IntegrityCheckTab) -> None:
    for edit in (tab.ui.start, tab.ui.end):
        assert edit.timeZone() == QTimeZone.utc()
        assert edit.text().endswith(" UTC")
    assert tab.ui.end.utc() == NOW and tab.ui.start.utc() == NOW - timedelta(hours=24)
    qtbot_click_preset = tab.ui.preset_week
    qtbot_click_preset.click()
    assert tab.ui.start.utc() == NOW - timedelta(days=7)
    assert tab.view_model.inputs.start == NOW - timedelta(days=7)


def test_buttons_are_enabled_only_when_they_make_sense(qtbot, tab: IntegrityCheckTab, tmp_path: Path) -> None:
    ui = tab.ui
    assert ui.scan.isEnabled() and not ui.fetch.isEnabled()  # an empty folder field: the default folder
    assert not ui.cancel.isEnabled() and not ui.export.isEnabled() and ui.settings.isEnabled()
    qtbot.keyClicks(ui.directory, str(tmp_path))
    assert ui.scan.isEnabled() and not ui.fetch.isEnabled()
    ui.directory.clear()
    assert ui.scan.isEnabled()  # cleared: the default folder again
    folder = write_archive(tmp_path / "frames")
    tab.ask_directory = lambda _p, _c: str(folder)
    seen_busy: list[tuple[bool, bool, bool]] = []
    tab.view_model.state_changed.connect(
        lambda: seen_busy.append((ui.scan.isEnabled(), ui.cancel.isEnabled(), ui.directory.isEnabled()))
    )
    scan_folder(qtbot, tab, folder)
    assert (False, True, False) in seen_busy  # while scanning: Cancel only, inputs locked
    assert ui.scan.isEnabled() and ui.fetch.isEnabled() and ui.export.isEnabled() and not ui.cancel.isEnabled()


def test_scan_fills_table_timeline_and_summary(qtbot, tab: IntegrityCheckTab, tmp_path: Path) -> None:
    scan_folder(qtbot, tab, write_archive(tmp_path / "frames"))
    assert tab.model.rowCount() == 24 and tab.ui.timeline.slot_count() == 24
    assert tab.ui.timeline.counts()[SlotStatus.MISSING] == 3
    summary = tab.ui.summary.text()
    assert "Expected <b>24</b>" in summary and "Present <b" in summary and ">21</b>" in summary
    assert "2 gaps, longest <b>10 min</b> (2 frames from 2026-11-27 00:11 UTC)" in summary
    tab.ui.filter.setCurrentText("Missing")
    assert tab.model.rowCount() == 3
    assert [tab.model.slot_at(r).timestamp for r in range(3)] == REMOVED
    tab.ui.filter.setCurrentIndex(0)
    tab.ui.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # status: problems first
    assert [tab.model.slot_at(r).status for r in range(4)] == [SlotStatus.MISSING] * 3 + [SlotStatus.PRESENT]
    assert tab.ui.table.horizontalHeader().sortIndicatorSection() == 1


def test_clicking_a_gap_on_the_timeline_selects_its_rows(qtbot, tab: IntegrityCheckTab, tmp_path: Path) -> None:
    scan_folder(qtbot, tab, write_archive(tmp_path / "frames"))
    timeline = tab.ui.timeline
    gap_time = REMOVED[0].timestamp() + 150  # inside the first missing slot
    x = round(timeline._x_of(gap_time))
    y = timeline._bar_rect().center().y()
    with qtbot.waitSignal(timeline.gap_clicked, timeout=1000) as blocker:
        qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    assert blocker.args == [2, 3]  # 00:11 and 00:16 are slots 2 and 3 of 00:01, 00:06, ...
    rows = sorted({index.row() for index in tab.ui.table.selectionModel().selectedRows()})
    assert [tab.model.slot_at(r).timestamp for r in rows] == REMOVED[:2]


def test_timeline_zoom_buttons(qtbot, tab: IntegrityCheckTab, tmp_path: Path) -> None:
    scan_folder(qtbot, tab, write_archive(tmp_path / "frames"))
    start, end = tab.ui.timeline.view_window()
    assert (end - start) == timedelta(hours=2)
    qtbot.mouseClick(tab.ui.zoom_in, Qt.MouseButton.LeftButton)
    zoomed = tab.ui.timeline.view_window()
    assert zoomed[1] - zoomed[0] == timedelta(hours=1)
    qtbot.mouseClick(tab.ui.zoom_fit, Qt.MouseButton.LeftButton)
    assert tab.ui.timeline.view_window() == (start, end)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("end_before_start", "must be after the start"),
        ("goes16_after_2025", "GOES-16 stopped producing ABI data on 2025-04-07"),
        ("not_there", "does not exist"),
    ],
)
def test_bad_input_shows_a_clear_message_in_the_tab(qtbot, tab: IntegrityCheckTab, tmp_path: Path, setup: str,
                                                    expected: str) -> None:  # fmt: skip
    folder = write_archive(tmp_path / "frames")
    tab.ui.directory.setText(str(tmp_path / "missing-folder") if setup == "not_there" else str(folder))
    tab.ui.directory.editingFinished.emit()
    qtbot.waitUntil(lambda: not tab.view_model.background_busy, timeout=5000)
    tab.ui.start.set_utc(START)
    tab.ui.end.set_utc(START - timedelta(hours=1) if setup == "end_before_start" else END)
    if setup == "goes16_after_2025":
        tab.ui.satellite.setCurrentIndex(tab.ui.satellite.findData(SatellitePattern.GOES_16))
    with qtbot.waitSignal(tab.view_model.error_occurred, timeout=10000):
        qtbot.mouseClick(tab.ui.scan, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.view_model.busy, timeout=5000)
    status: QLabel = tab.ui.status
    assert expected in status.text() and "Traceback" not in status.text()
    assert "font-weight: bold" in status.styleSheet()  # shown as an error
    assert expected in tab.ui.log.toPlainText()
    if setup == "goes16_after_2025":
        assert "GOES-19 is the East satellite now" in status.text()


def test_settings_persist_across_a_new_tab(qtbot, qt_settings, qloop, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("GOESVFI_CDN_URL", raising=False)
    monkeypatch.setenv("GOESVFI_S3_ENDPOINT", "http://127.0.0.1:9")
    first = make_tab(qtbot, tmp_path)
    qtbot.mouseClick(first.ui.settings, Qt.MouseButton.LeftButton)
    dialog = first.findChild(SettingsDialog, "settingsDialog")
    assert dialog is not None and dialog.isVisible()
    assert not dialog.s3_endpoint.isEnabled() and dialog.cdn_url.isEnabled()
    notes = [label.text() for label in dialog.findChildren(QLabel) if "environment variable" in label.text()]
    assert notes == ["Set by the environment variable GOESVFI_S3_ENDPOINT for this session."]
    dialog.cdn_url.setText("not a url")
    ok: QPushButton = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "must be a web address" in dialog.error_label.text()
    dialog.cdn_url.setText("https://cdn.example.org/")
    dialog.concurrency.setValue(5)
    dialog.cdn_days.setValue(3.0)
    dialog.select_cdn_size(Sector.FULL_DISK, (678, 678))
    dialog.colormap.setCurrentText("enhanced_ir")
    dialog.disk_threshold.setValue(2.5)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)

    second = make_tab(qtbot, tmp_path)
    fetch = second.view_model.preferences.fetch
    assert (fetch.cdn_url, fetch.concurrency, fetch.cdn_days, fetch.colormap) == (
        "https://cdn.example.org", 5, 3.0, "enhanced_ir")  # fmt: skip
    assert fetch.disk_threshold == round(2.5 * GIB) and fetch.s3_endpoint == "http://127.0.0.1:9"
    assert second.view_model.preferences.cdn_sizes[Sector.FULL_DISK] == (678, 678)
    reopened = second.open_settings()
    assert reopened.concurrency.value() == 5 and reopened.cdn_size(Sector.FULL_DISK) == (678, 678)
    reopened.reject()


def test_disk_space_label_warns_when_low(qtbot, qt_settings, qloop, tmp_path: Path) -> None:
    tab = make_tab(qtbot, tmp_path, disk_free=lambda _p: 200 * 1024**2)
    tab.view_model.set_directory(str(tmp_path), detect=False)
    qtbot.waitUntil(lambda: "Low disk space" in tab.ui.disk.text(), timeout=5000)
    assert tab.ui.disk.text() == "Low disk space: 200 MB free (keep 1.0 GB)"
    assert "font-weight: bold" in tab.ui.disk.styleSheet()


def test_long_task_end_notifies(qtbot, tab: IntegrityCheckTab) -> None:
    shown: list[tuple[str, str]] = []
    tab.notifier.shown.connect(lambda title, message: shown.append((title, message)))
    tab.view_model.task_finished.emit("Fetch finished", "24 expected, 24 present.", 42.0)
    assert shown == [("Fetch finished", "24 expected, 24 present.")]
    if not tab.notifier.tray_available():  # offscreen: no tray, the status line says it
        assert tab.ui.status.text() == "Fetch finished: 24 expected, 24 present."


def test_the_host_hears_about_the_folder(qtbot, tab: IntegrityCheckTab, tmp_path: Path) -> None:
    tab.ask_directory = lambda _p, _c: str(tmp_path)
    with qtbot.waitSignal(tab.directory_selected, timeout=1000) as blocker:
        qtbot.mouseClick(tab.ui.browse, Qt.MouseButton.LeftButton)
    assert blocker.args == [str(tmp_path)]


@pytest.mark.slow
def test_the_table_model_filters_and_sorts_100000_rows(qapp) -> None:
    from goesvfi.integrity_check.gui.widgets.results_model import ResultsTableModel
    from goesvfi.integrity_check.results import SlotResult

    first = START + timedelta(minutes=1)
    statuses = [SlotStatus.MISSING if i % 97 == 0 else SlotStatus.PRESENT for i in range(100_000)]
    slots = [SlotResult(first + timedelta(minutes=5 * i), SatellitePattern.GOES_18, Sector.CONUS, 13, status)
             for i, status in enumerate(statuses)]  # fmt: skip
    model = ResultsTableModel()
    model.set_slots(slots)
    assert model.rowCount() == 100_000
    model.set_status_filter({SlotStatus.MISSING})
    missing = [i for i in range(100_000) if i % 97 == 0]
    assert model.rowCount() == len(missing) == 1031
    assert [model.slot_index(r) for r in range(model.rowCount())] == missing
    model.set_status_filter(None)
    model.sort(ResultsTableModel.STATUS, Qt.SortOrder.AscendingOrder)
    assert [model.slot_index(r) for r in range(1031)] == missing  # problems first, in time order
    assert model.data(model.index(0, ResultsTableModel.STATUS)) == "Missing"
    assert model.data(model.index(1031, ResultsTableModel.STATUS)) == "Present"
    model.sort(ResultsTableModel.TIME, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, 0)) == (first + timedelta(minutes=5 * 99_999)).strftime("%Y-%m-%d %H:%M:%S")
    assert model.view_rows(99_990, 99_999) == [(0, 9)]


def test_the_summary_counts_a_lone_missing_frame_in_the_singular() -> None:
    from goesvfi.integrity_check.gui.results_digest import digest_slots
    from goesvfi.integrity_check.gui.tab import summary_html
    from goesvfi.integrity_check.results import SlotResult

    first = START + timedelta(minutes=1)
    slots = [SlotResult(first + timedelta(minutes=5 * i), SatellitePattern.GOES_18, Sector.CONUS, 13, status)
             for i, status in enumerate([SlotStatus.PRESENT, SlotStatus.MISSING, SlotStatus.PRESENT])]  # fmt: skip
    summary = summary_html(digest_slots(slots))
    assert "1 gap, longest <b>5 min</b> (1 frame from 2026-11-27 00:06 UTC)" in summary
