"""The preview marks the empty rows of a damaged frame: a translucent red band with a border over them, scaled with
the picture. Real PNG files, a real scan with Verify frames, the real pane (offscreen); the judge reads pixels of
the grabbed widget where this test's own arithmetic puts the rows (the picture scaled to fit, centred).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image
from PyQt6.QtGui import QColor, QImage

from goesvfi.integrity_check.gui.tab import IntegrityCheckTab
from goesvfi.integrity_check.gui.view_model import EnhancedViewModel
from goesvfi.integrity_check.results import SlotStatus
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.names_support import png_name
from tests.scan_support import gradient

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
START = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
SAT, SECTOR = SatellitePattern.GOES_18, Sector.CONUS
WIDTH, HEIGHT = 250, 150
DAMAGED = 3  # this slot's frame has rows 60-99 of 150 empty (one value across each row)
FIRST, END = 60, 100


def slot_time(i: int) -> datetime:
    return START + timedelta(minutes=1 + 5 * i)


def write_frames(folder: Path) -> None:
    folder.mkdir(parents=True)
    for i in range(6):
        pixels = gradient(HEIGHT, WIDTH, base=7 * i)
        if i == DAMAGED:
            pixels[FIRST:END] = 0
        Image.fromarray(pixels, "L").save(folder / png_name(SAT, SECTOR, 13, slot_time(i)))


def red(color: QColor) -> bool:
    """Red over anything: a grey pixel under the band gains red, not green or blue."""
    return color.red() - max(color.green(), color.blue()) > 40


def column(image: QImage, x: int) -> list[bool]:
    return [red(QColor(image.pixel(x, y))) for y in range(image.height())]


def expected_rows(view_width: int, view_height: int) -> tuple[int, int]:
    """Where rows FIRST and END of the frame fall in the view: the picture scaled to fit it, aspect kept, centred."""
    scale = min(view_width / WIDTH, view_height / HEIGHT)
    top = (view_height - HEIGHT * scale) / 2
    return round(top + FIRST * scale), round(top + END * scale)


def test_a_damaged_frame_shows_its_empty_rows_marked(qtbot, qt_settings, qloop, tmp_path: Path) -> None:
    folder = tmp_path / "frames"
    write_frames(folder)
    vm = EnhancedViewModel(cache_path=tmp_path / "cache.db", now=lambda: NOW)
    tab = IntegrityCheckTab(view_model=vm)
    qtbot.addWidget(tab)
    tab.resize(1360, 880)
    tab.show()
    tab.ui.verify.setChecked(True)  # the full decode finds the empty rows
    vm.apply_inputs(directory=str(folder), satellite=SAT, sector=SECTOR, start=START,
                    end=START + timedelta(minutes=30))  # fmt: skip
    qtbot.waitUntil(lambda: not vm.background_busy, timeout=5000)
    with qtbot.waitSignal(vm.scan_completed, timeout=15000):
        tab.ui.scan.click()
    qtbot.waitUntil(lambda: not vm.busy, timeout=5000)
    digest = vm.digest
    assert digest is not None
    assert [s.status for s in digest.slots].count(SlotStatus.DAMAGED) == 1
    assert digest.slots[DAMAGED].status is SlotStatus.DAMAGED

    pane = tab.ui.preview
    tab.ui.table.selectRow(DAMAGED)
    qtbot.waitUntil(lambda: pane.preview is not None and pane.preview.position == DAMAGED, timeout=5000)
    view = pane.frame
    shot = view.grab().toImage()
    top, bottom = expected_rows(view.width(), view.height())
    middle = view.width() // 2
    marked = column(shot, middle)
    assert marked[(top + bottom) // 2], "the band's middle is red"
    rows = [y for y, is_red in enumerate(marked) if is_red]
    assert abs(rows[0] - top) <= 4 and abs(rows[-1] - bottom) <= 4, (rows[0], rows[-1], top, bottom)
    assert not marked[top - 15] and not marked[bottom + 15]  # the frame's whole rows are not marked
    assert "marked in red" in pane.info.text()

    tab.ui.table.selectRow(DAMAGED + 1)  # a whole frame: no mark anywhere
    qtbot.waitUntil(lambda: pane.preview is not None and pane.preview.position == DAMAGED + 1, timeout=5000)
    whole = view.grab().toImage()
    assert not any(column(whole, middle)) and not any(column(whole, view.width() // 3))


def test_empty_row_runs_are_every_run_long_enough_top_to_bottom() -> None:
    """Rows 2-4 and 10-19 of a 30-row gradient are one value each (a different value per row in the second run);
    row 25 alone is too short for a run of 2."""
    from goesvfi.integrity_check.render.content import empty_row_runs

    pixels = gradient(30, 40)
    pixels[2:5] = 0
    pixels[10:20] = np.arange(10, dtype=np.uint8)[:, None] * 20
    pixels[25] = 255
    assert empty_row_runs(pixels, 2) == [(2, 5), (10, 20)]
    assert empty_row_runs(pixels, 1) == [(2, 5), (10, 20), (25, 26)]
    assert empty_row_runs(pixels, 4) == [(10, 20)]
    assert empty_row_runs(gradient(30, 40), 1) == []
