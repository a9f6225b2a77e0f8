"""Issue 24: the Settings dialog's bandwidth cap (a spin box in KB/s; 0 = no cap), saved across tabs."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QDialogButtonBox, QPushButton

from goesvfi.integrity_check.gui.widgets.settings_dialog import SettingsDialog
from tests.tab_support import make_tab


def _ok(dialog: SettingsDialog) -> QPushButton:
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    button = box.button(QDialogButtonBox.StandardButton.Ok)
    assert button is not None
    return button


def test_the_bandwidth_cap_is_a_setting_that_persists(qtbot, qt_settings, qloop, tmp_path: Path) -> None:
    first = make_tab(qtbot, tmp_path)
    assert first.view_model.preferences.fetch.max_rate is None
    dialog = first.open_settings()
    assert dialog.max_rate.value() == 0 and dialog.max_rate.text() == "no cap"
    dialog.max_rate.setValue(2000)  # KB/s
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)

    second = make_tab(qtbot, tmp_path)
    assert second.view_model.preferences.fetch.max_rate == 2_000_000  # bytes per second
    reopened = second.open_settings()
    assert reopened.max_rate.value() == 2000
    reopened.max_rate.setValue(0)
    qtbot.mouseClick(_ok(reopened), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not reopened.isVisible(), timeout=2000)

    third = make_tab(qtbot, tmp_path)
    assert third.view_model.preferences.fetch.max_rate is None
