"""Building and driving the tab in tests: a tab on a fresh view model, a scan through its buttons."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QWidget

from goesvfi.integrity_check.gui.tab import IntegrityCheckTab
from goesvfi.integrity_check.gui.view_model import EnhancedViewModel
from tests.archive_support import END, NOW, START


def make_tab(qtbot, tmp_path: Path, **vm_kwargs: object) -> IntegrityCheckTab:
    vm_kwargs.setdefault("now", lambda: NOW)
    vm = EnhancedViewModel(cache_path=tmp_path / "cache.db", **vm_kwargs)  # type: ignore[arg-type]
    tab = IntegrityCheckTab(view_model=vm)
    qtbot.addWidget(tab)
    tab.resize(1300, 850)
    tab.show()
    return tab


def child(tab: QWidget, name: str) -> QWidget:
    widget = tab.findChild(QWidget, name)
    assert widget is not None, name
    return widget


def scan_folder(qtbot, tab: IntegrityCheckTab, folder: Path) -> None:
    tab.ask_directory = lambda _parent, _current: str(folder)
    qtbot.mouseClick(child(tab, "browseButton"), Qt.MouseButton.LeftButton)
    tab.ui.start.set_utc(START)
    tab.ui.end.set_utc(END)
    qtbot.waitUntil(lambda: not tab.view_model.runner.background_busy, timeout=5000)  # detection done
    with qtbot.waitSignal(tab.scan_completed, timeout=15000):
        qtbot.mouseClick(child(tab, "scanButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.view_model.busy, timeout=5000)
