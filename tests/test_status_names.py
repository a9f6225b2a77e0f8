"""One wording per status for people (table, summary, filter, timeline legend, calendar legend, HTML report), one
colour per status, both from one table (status_names); the CSV keeps the status's value."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PyQt6.QtCore import Qt

from goesvfi.integrity_check.calendar_bins import CELL_COLORS, CellClass
from goesvfi.integrity_check.gui.results_digest import digest_slots
from goesvfi.integrity_check.gui.tab import FILTERS, summary_html
from goesvfi.integrity_check.gui.widgets.results_model import ResultsTableModel
from goesvfi.integrity_check.gui.widgets.style import STATUS_COLORS
from goesvfi.integrity_check.report import csv_text
from goesvfi.integrity_check.report_html import html_report
from goesvfi.integrity_check.results import SlotResult, SlotStatus, Source
from goesvfi.integrity_check.status_names import STATUSES, status_name
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

# The wording people read (issue 23: "Not at NOAA", not "Never produced by NOAA" nor "Unavailable").
WORDS = {"present": "Present", "missing": "Missing", "fetched": "Fetched", "failed": "Failed",
         "unavailable": "Not at NOAA", "damaged": "Damaged"}  # fmt: skip
T0 = datetime(2023, 5, 1, 0, 1, tzinfo=UTC)


def _one_of_each() -> list[SlotResult]:
    slots = []
    for i, status in enumerate(SlotStatus):
        with_file = (SlotStatus.PRESENT, SlotStatus.FETCHED, SlotStatus.DAMAGED)
        path = Path(f"/frames/f{i}.png") if status in with_file else None
        source = Source.CDN if status is SlotStatus.FETCHED else None
        slots.append(SlotResult(T0 + timedelta(minutes=5 * i), SatellitePattern.GOES_18, Sector.CONUS, 13, status,
                                source, path, None, "why" if status is SlotStatus.UNAVAILABLE else None))  # fmt: skip
    return slots


def test_every_status_has_one_entry_with_its_own_words_and_colour() -> None:
    assert {s.value for s in STATUSES} == {s.value for s in SlotStatus}
    assert {s.value: s.label for s in STATUSES} == WORDS
    assert len({s.colour.lower() for s in STATUSES}) == len(STATUSES)
    assert all(re.fullmatch(r"#[0-9a-f]{6}", s.colour) for s in STATUSES)
    assert status_name("corrupt").label == "Corrupt"  # a status added before its line here still reads


def test_the_table_summary_and_filter_use_the_one_wording(qapp) -> None:
    slots = _one_of_each()
    model = ResultsTableModel()
    model.set_slots(slots)
    shown = {model.slot_at(r).status.value: model.data(model.index(r, model.STATUS)) for r in range(model.rowCount())}
    assert shown == WORDS
    summary = re.sub(r"<[^>]+>", "", summary_html(digest_slots(slots)))
    for words in WORDS.values():
        assert f"{words} 1" in summary
    assert "Never produced" not in summary and "Unavailable" not in summary
    filters = {label for label, statuses in FILTERS if statuses is not None and len(statuses) == 1}
    assert filters == set(WORDS.values())
    for status in SlotStatus:
        colour = STATUS_COLORS[status].name()
        assert colour == status_name(status.value).colour
        icon = model.data(model.index([s.status for s in slots].index(status), model.STATUS),
                          Qt.ItemDataRole.DecorationRole)  # fmt: skip
        assert icon.pixmap(10, 10).toImage().pixelColor(5, 5).name() == colour


def test_the_calendar_legend_and_the_html_report_say_the_same() -> None:
    assert CellClass.UNAVAILABLE.value == "some not at NOAA"
    assert CELL_COLORS[CellClass.UNAVAILABLE] == STATUS_COLORS[SlotStatus.UNAVAILABLE].name()
    page = html_report(_one_of_each(), title="t", generated=T0)
    for value, words in WORDS.items():
        assert f'<td class="s-{value}">{words}</td>' in page  # summary row and table cell
        assert page.count(f'<td class="s-{value}">{words}</td>') == 2
        assert f".s-{value} {{ color: {STATUS_COLORS[SlotStatus(value)].name()}; }}" in page
    assert ">Unavailable<" not in page and ">unavailable<" not in page


def test_the_csv_keeps_the_values() -> None:
    rows = list(csv.DictReader(io.StringIO(csv_text(_one_of_each()))))
    assert [r["status"] for r in rows] == [s.value for s in SlotStatus]


def _luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance, written from its definition."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_status_colour_reads_on_goes_vfis_dark_background() -> None:
    """The summary's counts are written in their status's colour: on qt-material dark_blue's window colour
    (#232629, GOES-VFI's theme) each must reach 3:1, WCAG's floor for bold text (the old brown was 2.1:1)."""
    assert round(_contrast("#ffffff", "#000000"), 1) == 21.0  # the formula's own end points
    for status in STATUSES:
        assert _contrast(status.colour, "#232629") >= 3.0, status.value
