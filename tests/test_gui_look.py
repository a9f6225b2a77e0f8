"""The folder's look in the tab: mismatched rows coloured, the summary says it, look settings persist (pytest-qt)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
from PIL import Image
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QBrush
from PyQt6.QtWidgets import QDialogButtonBox, QPushButton

from goesvfi.integrity_check.gui.widgets.settings_dialog import SettingsDialog
from goesvfi.integrity_check.gui.widgets.style import MISMATCH_COLOR
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.archive_support import START
from tests.names_support import png_name
from tests.tab_support import make_tab, scan_folder


def write_frames(folder: Path) -> tuple[Path, Path]:
    """24 real PNG frames at 416x250 RGB, one of them 2500x1500: (folder, the odd frame)."""
    folder.mkdir(parents=True)
    pixels = np.zeros((250, 416, 3), dtype=np.uint8)
    odd = folder
    for i in range(24):
        when = START + timedelta(minutes=1 + 5 * i)
        path = folder / png_name(SatellitePattern.GOES_18, Sector.CONUS, 13, when)
        image = Image.fromarray(pixels)
        if i == 7:
            image, odd = image.resize((2500, 1500)), path
        image.save(path)
    return folder, odd


def test_frames_off_the_folders_look_are_coloured_and_counted(qtbot, qt_settings, qloop, tmp_path: Path) -> None:
    tab = make_tab(qtbot, tmp_path)
    folder, odd = write_frames(tmp_path / "frames")
    with qtbot.waitSignal(tab.view_model.look_checked, timeout=15000):
        scan_folder(qtbot, tab, folder)
    check = tab.view_model.shown.look
    assert check is not None and check.mismatched == {odd} and check.count == 1
    rows = {tab.model.slot_at(r).path: r for r in range(tab.model.rowCount())}
    odd_row, fine_row = rows[odd], rows[next(p for p in rows if p != odd)]
    assert tab.model.is_mismatched(odd_row) and not tab.model.is_mismatched(fine_row)
    brush = tab.model.data(tab.model.index(odd_row, 0), Qt.ItemDataRole.BackgroundRole)
    assert isinstance(brush, QBrush) and brush.color() == MISMATCH_COLOR
    assert tab.model.data(tab.model.index(fine_row, 0), Qt.ItemDataRole.BackgroundRole) is None
    tip = tab.model.data(tab.model.index(odd_row, 2), Qt.ItemDataRole.ToolTipRole)
    assert "416x250 RGB" in tip and "--conform" in tip
    summary = tab.ui.summary.text()
    assert "Look 416x250 RGB unknown" in summary and ">1</b> frames off it" in summary
    assert any("1 of 24 frames do not match" in line for line in tab.ui.log.toPlainText().splitlines())
    for row, matches in ((odd_row, False), (fine_row, True)):  # the preview pane says it too
        tab.ui.table.selectRow(row)
        qtbot.waitUntil(lambda: tab.ui.preview.preview is not None and tab.ui.preview.preview.has_file, timeout=5000)
        qtbot.waitUntil(lambda r=row: tab.ui.preview.preview.slot.path == tab.model.slot_at(r).path, timeout=5000)
        assert tab.ui.preview.preview.frames[0].look_matches is matches
        assert f"look: {'matches the folder' if matches else 'differs from the folder'}" in tab.ui.preview.info.text()


def test_look_settings_persist(qtbot, qt_settings, qloop, tmp_path: Path) -> None:
    first = make_tab(qtbot, tmp_path)
    qtbot.mouseClick(first.ui.settings, Qt.MouseButton.LeftButton)
    dialog = first.findChild(SettingsDialog, "settingsDialog")
    assert dialog is not None and dialog.look.currentText() == "auto" and not dialog.allow_mixed.isChecked()
    ok: QPushButton = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    dialog.look_size.setText("big")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "not WIDTHxHEIGHT" in dialog.error_label.text()
    dialog.look_size.setText("1250x750")
    dialog.look.setCurrentText("no_such_map")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "Unknown look 'no_such_map'" in dialog.error_label.text()
    dialog.look.setCurrentText("grey")
    dialog.look_size.setText("1250x750")
    dialog.allow_mixed.setChecked(True)
    dialog.resample_cdn.setChecked(False)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)
    fetch = make_tab(qtbot, tmp_path).view_model.preferences.fetch
    assert (fetch.look, fetch.size, fetch.allow_mixed, fetch.resample_cdn) == ("grey", (1250, 750), True, False)
