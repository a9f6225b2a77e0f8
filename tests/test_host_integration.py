"""The tab inside a host shaped like GOES-VFI, added the way INTEGRATION.md says (no GOES-VFI needed).

The host here has what GOES-VFI has that matters to the tab (checked on GOES-VFI's code, see INTEGRATION.md):
a ``QWidget`` main window whose tabs sit on the left, an application-wide style sheet (qt-material's, as GOES-VFI
applies it, when installed), a logging helper ``goesvfi.utils.log.get_logger`` that attaches one handler to each
named logger (the root logger has none), and its own ``QSettings(org, app)`` object, named differently from the
application.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from PyQt6.QtCore import QSettings, pyqtSignal
from PyQt6.QtWidgets import QApplication, QLabel, QTabWidget, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from goesvfi.integrity_check.gui.host import PACKAGE_LOGGER, auto_fetch_saved_on, close_tabs, connect_host, create_tab
from goesvfi.integrity_check.gui_tab import IntegrityCheckTab
from tests.fit_support import header_room, title_need

ROOT = Path(__file__).resolve().parents[1]
HOST_MAIN_TAB_MIN = (696, 1127)  # GOES-VFI's main tab under its qt-material theme, measured (INTEGRATION.md)
# A style sheet with paddings like qt-material's (16 px a side on buttons, bold upper-case), for when it is absent.
PADDED_STYLE = """
QPushButton { padding: 1px 16px; font-weight: bold; text-transform: uppercase; border: 2px solid #448aff; }
QToolButton { padding: 3px; margin: 3px; border-left: 12px solid #31363b; border-right: 12px solid #31363b; }
QHeaderView::section { padding: 8px 32px 8px 16px; text-transform: uppercase; }
"""


class _ListHandler(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__()
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class HostLog:
    """GOES-VFI's ``goesvfi.utils.log``: ``get_logger(name)`` adds one shared handler to each named logger."""

    def __init__(self) -> None:
        self.records: list[logging.LogRecord] = []
        self.handler = _ListHandler(self.records)

    def get_logger(self, name: str | None = None) -> logging.Logger:
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        if self.handler not in logger.handlers:
            logger.addHandler(self.handler)
        return logger


class HostWindow(QWidget):
    """GOES-VFI's MainWindow in outline: a QWidget, tabs on the left, its own QSettings, a preview signal."""

    request_previews_update = pyqtSignal()

    def __init__(self, settings: QSettings) -> None:
        super().__init__()
        self.settings = settings
        self.in_dir: Path | None = None
        self.input_dirs: list[Path] = []
        self.previews = 0
        self.request_previews_update.connect(self._count_preview)
        layout = QVBoxLayout(self)
        self.tab_widget = QTabWidget()
        self.tab_widget.setTabPosition(QTabWidget.TabPosition.West)
        self.tab_widget.setDocumentMode(True)
        main_tab = QLabel("main")
        main_tab.setMinimumSize(*HOST_MAIN_TAB_MIN)
        self.tab_widget.addTab(main_tab, "Main")
        self.tab_widget.addTab(QLabel("ffmpeg"), "FFmpeg Settings")
        layout.addWidget(self.tab_widget)

    def _set_in_dir_from_sorter(self, directory: Path) -> None:
        self.in_dir = directory
        self.input_dirs.append(directory)

    def _count_preview(self) -> None:
        self.previews += 1

    def add_integrity_tab(self) -> IntegrityCheckTab:
        """What the install script puts in GOES-VFI's ``create_integrity_check_tab`` (INTEGRATION.md, by hand)."""
        tab = create_tab(self, settings=self.settings)
        connect_host(
            tab,
            set_input_directory=self._set_in_dir_from_sorter,
            refresh_frames=self.request_previews_update.emit,
            input_directory=lambda: self.in_dir,
        )
        self.integrity_check_tab = tab
        self.tab_widget.insertTab(1, tab, "Satellite Integrity")
        return tab


def _close(qtbot: QtBot, qloop: asyncio.AbstractEventLoop, window: QWidget) -> int:
    """What the host's entry point does on exit (``run_host_window``): close the tabs, on the qasync loop."""
    task = qloop.create_task(close_tabs(window))
    qtbot.waitUntil(task.done, timeout=10_000)
    return task.result()


@pytest.fixture
def host_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[HostLog]:
    """GOES-VFI's logging helper importable as ``goesvfi.utils.log``; the package logger restored afterwards."""
    host = HostLog()
    utils = types.ModuleType("goesvfi.utils")
    module = types.ModuleType("goesvfi.utils.log")
    module.get_logger = host.get_logger  # type: ignore[attr-defined]
    utils.log = module  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "goesvfi.utils", utils)
    monkeypatch.setitem(sys.modules, "goesvfi.utils.log", module)
    logger = logging.getLogger(PACKAGE_LOGGER)
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield host
    logger.handlers[:], logger.level, logger.propagate = saved[0], saved[1], saved[2]


@pytest.fixture
def host_settings(qt_settings: Path) -> QSettings:
    """The host's own settings file, named unlike the application (GOES-VFI: ``QSettings(org, app)``)."""
    settings = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "host-org", "host-app")
    settings.setFallbacksEnabled(False)
    settings.setValue("main/in_dir", "/somewhere")  # a host key the tab must leave alone
    return settings


@pytest.fixture
def host_window(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, host_log: HostLog, host_settings: QSettings
) -> HostWindow:
    window = HostWindow(host_settings)
    qtbot.addWidget(window)
    return window


def test_the_tab_saves_in_the_hosts_settings_under_integrity_check(
    host_window: HostWindow, qt_settings: Path, tmp_path: Path, qtbot: QtBot, qloop: asyncio.AbstractEventLoop
) -> None:
    tab = host_window.add_integrity_tab()
    tab.view_model.set_directory(str(tmp_path), detect=False)
    host_window.settings.sync()
    host_file = Path(host_window.settings.fileName())
    text = host_file.read_text()
    assert "[integrity_check]" in text and "ui\\directory=" in text  # keys under integrity_check/ (INI)
    assert host_window.settings.value("integrity_check/ui/directory") == str(tmp_path)
    assert host_window.settings.value("main/in_dir") == "/somewhere"  # the host's own keys untouched
    assert not QSettings().contains("integrity_check/ui/directory")  # not in the application-named file
    fixture_file = Path(QSettings().fileName()).name  # the test fixture's own (it turns Check NOAA off there)
    assert {p.name for p in qt_settings.rglob("*.ini")} - {fixture_file} == {host_file.name}
    _close(qtbot, qloop, host_window)


def test_the_tabs_log_lines_reach_the_hosts_handler(
    host_window: HostWindow, host_log: HostLog, qtbot: QtBot, qloop: asyncio.AbstractEventLoop
) -> None:
    logging.getLogger("goesvfi.integrity_check.reconciler").info("before the tab: no handler")
    host_window.add_integrity_tab()
    logging.getLogger("goesvfi.integrity_check.reconciler").info("scan of %s", "/data")
    logging.getLogger("goesvfi.integrity_check.remote.s3_store").debug("below the host's level")
    messages = [record.getMessage() for record in host_log.records]
    assert messages == ["scan of /data"]
    assert host_log.records[0].name == "goesvfi.integrity_check.reconciler"
    _close(qtbot, qloop, host_window)


def test_signals_reach_the_hosts_slots(
    host_window: HostWindow, tmp_path: Path, qtbot: QtBot, qloop: asyncio.AbstractEventLoop
) -> None:
    tab = host_window.add_integrity_tab()
    other = tmp_path / "other"
    other.mkdir()
    tab.view_model.set_directory(str(tmp_path), detect=False)
    assert host_window.input_dirs == [tmp_path]  # the main tab's input folder follows the tab's folder
    tab.fetch_completed.emit([])
    assert host_window.previews == 1  # frames fetched into the host's input folder: previews refresh
    host_window.in_dir = other
    tab.fetch_completed.emit([])
    assert host_window.previews == 1  # another folder: the host's previews are not disturbed
    assert _close(qtbot, qloop, host_window) == 1


def _apply_theme(app: QApplication) -> str:
    try:
        import qt_material
    except ImportError:
        app.setStyleSheet(PADDED_STYLE)
        return "padded"
    qt_material.apply_stylesheet(app, theme="dark_blue.xml")  # GOES-VFI's default theme
    return "qt-material"


@pytest.mark.parametrize("theme_first", [True, False], ids=["theme-then-tab", "tab-then-theme"])
def test_under_the_hosts_style_sheet_nothing_is_clipped_hidden_or_wider(
    host_window: HostWindow, qapp: QApplication, qtbot: QtBot, qloop: asyncio.AbstractEventLoop, theme_first: bool
) -> None:
    old_style = qapp.styleSheet()
    try:
        if theme_first:
            _apply_theme(qapp)
        host_window.resize(*HOST_MAIN_TAB_MIN)
        host_window.show()
        qtbot.waitExposed(host_window)
        host_min = host_window.minimumSizeHint().width()
        tab = host_window.add_integrity_tab()
        host_window.tab_widget.setCurrentWidget(tab)
        if not theme_first:
            _apply_theme(qapp)
        qtbot.waitUntil(tab.isVisible)
        qapp.processEvents()
        # The host's window gets no wider for the tab (GOES-VFI: 762 px, was 980 with the tab before): the tab
        # needs no more width than the host's widest tab.
        assert tab.minimumSizeHint().width() <= HOST_MAIN_TAB_MIN[0]
        if theme_first:
            assert host_window.minimumSizeHint().width() <= host_min
        host_window.resize(host_window.minimumSizeHint())
        qapp.processEvents()
        ui = tab.ui
        for button in (ui.browse, ui.detect, ui.scan, ui.fetch, ui.cancel, ui.export, ui.settings, ui.zoom_in,
                       ui.zoom_out, ui.zoom_fit, ui.preset_day, ui.preset_week):  # fmt: skip
            assert button.isVisible(), button.objectName()
            assert button.width() >= button.sizeHint().width(), button.objectName()  # text not clipped
        header = ui.table.horizontalHeader()
        assert header is not None
        for column in range(header.count()):
            assert title_need(header, column) <= header_room(header, column), column  # no clipped title
        assert header.height() >= header.sizeHint().height()
        assert ui.detect.styleSheet() == "" and not ui.detect.isFlat()  # a bordered button like the others
    finally:
        qapp.setStyleSheet(old_style)
        _close(qtbot, qloop, host_window)


@pytest.mark.slow
def test_run_host_window_runs_the_window_on_qasync_and_closes_the_tab(tmp_path: Path) -> None:
    """GOES-VFI's new entry point in outline: the window on a qasync loop; closing it closes the tab's work."""
    code = """
        import asyncio
        from PyQt6.QtCore import QSettings, QTimer
        from PyQt6.QtWidgets import QApplication, QTabWidget, QVBoxLayout, QWidget
        from goesvfi.integrity_check.gui.host import create_tab, run_host_window

        seen = {}

        def make_window():
            window = QWidget()
            window.settings = QSettings()
            tabs = QTabWidget(window)
            QVBoxLayout(window).addWidget(tabs)
            tab = create_tab(window, settings=window.settings)
            tabs.addTab(tab, "Satellite Integrity")
            real_aclose = tab.view_model.aclose

            async def aclose():
                seen["loop"] = type(asyncio.get_running_loop()).__module__
                await real_aclose()
                seen["closed"] = True

            tab.view_model.aclose = aclose
            tab.view_model.set_directory(".", detect=False)  # saved in the host's settings
            QTimer.singleShot(500, window.close)
            return window

        code = run_host_window(make_window, organization="host-org", application="host-app", argv=["host"])
        app = QApplication.instance()
        print("EXIT", code, seen, app.organizationName(), app.applicationName())
    """
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               GOESVFI_CACHE_DIR=str(tmp_path / "cache"))  # fmt: skip
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "EXIT 0 {'loop': 'qasync', 'closed': True} host-org host-app" in result.stdout, result.stdout
    assert list((tmp_path / "config" / "host-org").glob("host-app*")), "settings not in the host's file"


def test_auto_fetch_left_on_tells_the_host_to_build_the_tab_at_start(host_settings: QSettings) -> None:
    """GOES-VFI builds tabs on first click; with Auto-fetch saved on, it builds this one at start to resume it."""
    assert not auto_fetch_saved_on(host_settings)
    host_settings.setValue("integrity_check/auto/enabled", True)
    assert auto_fetch_saved_on(host_settings)
    host_settings.setValue("integrity_check/auto/enabled", "false")
    assert not auto_fetch_saved_on(host_settings)


def test_goes_vfis_old_names_are_the_new_classes() -> None:
    """What GOES-VFI's ui_setup_manager.py and tests import, where a thin alias serves (INTEGRATION.md, section 6)."""
    from goesvfi.integrity_check.combined_tab import CombinedIntegrityAndImageryTab
    from goesvfi.integrity_check.enhanced_gui_tab import EnhancedIntegrityCheckTab
    from goesvfi.integrity_check.enhanced_view_model import EnhancedIntegrityCheckViewModel, EnhancedViewModel
    from goesvfi.integrity_check.view_model import IntegrityCheckViewModel

    assert CombinedIntegrityAndImageryTab is IntegrityCheckTab is EnhancedIntegrityCheckTab
    assert EnhancedIntegrityCheckViewModel is EnhancedViewModel is IntegrityCheckViewModel


def test_inside_the_host_the_tab_shows_damaged_frames(
    host_window: HostWindow, qapp: QApplication, qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    from goesvfi.integrity_check.results import SlotStatus
    from tests.archive_support import write_archive
    from tests.tab_support import scan_folder

    old_style = qapp.styleSheet()
    try:
        _apply_theme(qapp)
        folder = write_archive(tmp_path / "frames")
        first = sorted(folder.iterdir())[0]
        first.write_bytes(b"")  # a download that crashed before writing anything
        tab = host_window.add_integrity_tab()
        host_window.tab_widget.setCurrentWidget(tab)
        host_window.show()
        scan_folder(qtbot, tab, folder)
        assert tab.ui.timeline.counts()[SlotStatus.DAMAGED] == 1
        assert "Damaged <b" in tab.ui.summary.text()
        tab.ui.filter.setCurrentText("Damaged")
        assert tab.model.rowCount() == 1
        slot = tab.model.slot_at(0)
        assert slot.status is SlotStatus.DAMAGED and slot.path == first and slot.error == "empty file (0 bytes)"
    finally:
        qapp.setStyleSheet(old_style)
        _close(qtbot, qloop, host_window)
