"""The window shows outside text escaped: a file name, an S3 key or a server message with ESC/CR in a table cell,
its tooltip and the preview's info line (issue 20 item 7)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from PyQt6.QtCore import Qt

from goesvfi.integrity_check.gui.preview_data import FramePreview
from goesvfi.integrity_check.gui.widgets.preview import frame_info
from goesvfi.integrity_check.gui.widgets.results_model import ResultsTableModel
from goesvfi.integrity_check.results import SlotResult, SlotStatus, Source
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

EVIL = "\x1b[2J\rFAKE: all frames OK"
SHOWN = "\\x1b[2J\\rFAKE: all frames OK"
T = datetime(2023, 5, 1, 0, 1, tzinfo=UTC)


def test_table_cells_and_tooltips_show_outside_text_escaped(qapp) -> None:  # type: ignore[no-untyped-def]
    folder = Path(os.fsdecode(b"/data/sub\xff") + EVIL)
    slots = [
        SlotResult(T, SatellitePattern.GOES_18, Sector.CONUS, 13, SlotStatus.PRESENT, Source.LOCAL,
                   folder / "goes18_conus_C13_20230501T000100Z.png"),
        SlotResult(T.replace(minute=6), SatellitePattern.GOES_18, Sector.CONUS, 13, SlotStatus.FAILED, Source.S3,
                   None, f"ABI-L1b-RadC/{EVIL}.nc", f"S3 error InvalidArgument: {EVIL}"),
    ]  # fmt: skip
    model = ResultsTableModel()
    model.set_slots(slots)
    tip = model.data(model.index(0, ResultsTableModel.FILE), Qt.ItemDataRole.ToolTipRole)
    assert tip == f"/data/sub\\xff{SHOWN}/goes18_conus_C13_20230501T000100Z.png"
    assert model.data(model.index(1, ResultsTableModel.REMOTE)) == f"ABI-L1b-RadC/{SHOWN}.nc"
    assert model.data(model.index(1, ResultsTableModel.ERROR)) == f"S3 error InvalidArgument: {SHOWN}"


def test_the_preview_info_line_shows_a_name_escaped() -> None:
    slot = SlotResult(T, SatellitePattern.GOES_18, Sector.CONUS, 13, SlotStatus.PRESENT, Source.LOCAL)
    frame = FramePreview("frame", slot, Path(f"/data/x{EVIL}.png"), None, error=f"cannot decode: {EVIL}")
    assert frame_info(frame) == f"x{SHOWN}.png · cannot decode: {SHOWN}"
