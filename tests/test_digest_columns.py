"""The shown results as columns: the same slots as the scan's ``slots()``, without one object per slot.

Why it matters (see docs/benchmarks.md, UI responsiveness): every full garbage collection walks every tracked object, in
whichever thread triggers it, while holding the GIL. 100,000 ``SlotResult`` + ``Path`` objects kept by the
window made each collection a 60-130 ms freeze. These tests count objects, never time.
"""

from __future__ import annotations

import asyncio
import gc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import Qt

from goesvfi.integrity_check.gui.look_view import LookView, with_looks
from goesvfi.integrity_check.gui.results_digest import digest_scan, digest_slots, unresolved_scan, update_digest
from goesvfi.integrity_check.gui.slot_list import SlotList
from goesvfi.integrity_check.gui.widgets.results_model import ResultsTableModel
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.results import ScanResult, SlotResult, SlotStatus, Source
from goesvfi.integrity_check.scan.reconciler import scan_directory
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.scan_support import write_frame

START = datetime(2024, 1, 1, tzinfo=UTC)
COUNT = 3000  # slots: 5-minute CONUS at :01, :06 ...
MISSING = {i for i in range(COUNT) if i % 100 < 3}


def scan_folder(folder: Path) -> ScanResult:
    folder.mkdir()
    for i in range(COUNT):
        if i not in MISSING:
            slot = START + timedelta(minutes=1 + 5 * i)
            write_frame(folder / f"goes18_conus_C13_{slot:%Y%m%dT%H%M%S}Z.png")
    query = ArchiveQuery(SatellitePattern.GOES_18, START, START + timedelta(minutes=5 * COUNT), Sector.CONUS)
    return asyncio.run(scan_directory(folder, query))


def tracked_growth(build: object) -> int:
    """How many more objects the garbage collector tracks while ``build()``'s result is alive."""
    gc.collect()
    before = len(gc.get_objects())
    result = build()  # type: ignore[operator]
    gc.collect()
    growth = len(gc.get_objects()) - before
    del result
    return growth


def test_a_scans_digest_has_the_scans_slots(tmp_path: Path) -> None:
    scan = scan_folder(tmp_path / "frames")
    unavailable_at = START + timedelta(minutes=1 + 5 * 100)  # one of the missing slots: never produced
    scan.missing.remove(unavailable_at)
    scan.unavailable[unavailable_at] = "never produced by NOAA: test"
    digest = digest_scan(scan)
    assert len(digest.slots) == COUNT
    assert list(digest.slots) == scan.slots()
    assert digest.slots == scan.slots()
    reference = digest_slots(scan.slots())
    assert digest.counts == reference.counts and digest.gaps == reference.gaps
    assert np.array_equal(digest.times, reference.times) and np.array_equal(digest.statuses, reference.statuses)
    assert digest.slots[100].status is SlotStatus.UNAVAILABLE and digest.slots[100].error.endswith("test")
    assert digest.slots[-1] == scan.slots()[-1] and digest.slots[5:7] == scan.slots()[5:7]


@pytest.mark.slow
def test_a_digest_keeps_no_object_per_slot(qapp, tmp_path: Path) -> None:  # qapp: the model makes icons
    scan = scan_folder(tmp_path / "frames")  # its paths are built when first read: not yet
    assert tracked_growth(lambda: digest_scan(scan)) < 100
    digest = digest_scan(scan)
    assert tracked_growth(lambda: scan.slots()) > 2 * COUNT  # the objects the columns avoid

    def shown() -> ResultsTableModel:
        model = ResultsTableModel()
        model.set_slots(digest.slots)
        model.set_status_filter([SlotStatus.MISSING])
        model.sort(ResultsTableModel.STATUS, Qt.SortOrder.DescendingOrder)
        return model

    tracked_growth(ResultsTableModel)  # the first model of the process builds Qt's own objects once
    empty = tracked_growth(ResultsTableModel)
    assert tracked_growth(shown) - empty < 100


def test_fetch_results_replace_slots_in_a_new_list(tmp_path: Path) -> None:
    scan = scan_folder(tmp_path / "frames")
    digest = digest_scan(scan)
    slot = START + timedelta(minutes=1)  # missing
    path = tmp_path / "frames" / "fetched.png"
    fetched = SlotResult(slot, scan.satellite, scan.sector, scan.band, SlotStatus.FETCHED, Source.CDN, path, "u")
    other_band = SlotResult(slot, scan.satellite, scan.sector, 2, SlotStatus.FETCHED, Source.CDN, path)
    updated = update_digest(digest, [fetched, other_band])
    assert updated is not None
    new, changed = updated
    assert changed.tolist() == [0]
    assert new.slots[0] == fetched and digest.slots[0].status is SlotStatus.MISSING  # the old list is unchanged
    assert new.counts[SlotStatus.FETCHED] == 1 and new.unresolved == digest.unresolved - 1
    retry = unresolved_scan(scan, new.slots)
    assert slot not in retry.missing and retry.existing[slot] == path
    assert len(retry.existing) == len(scan.existing) + 1 and retry.missing == scan.missing[1:]
    mixed = [fetched, other_band]  # slots of two bands (never from one scan) are kept whole
    assert list(SlotList.from_results(mixed)) == mixed


def test_exported_slots_carry_the_look_column_as_the_command_line_writes_it() -> None:
    t0 = datetime(2023, 5, 1, 0, 1, tzinfo=UTC)
    odd, good, new = Path("/f/odd.png"), Path("/f/good.png"), Path("/f/new.png")
    slots = SlotList.from_results([
        SlotResult(t0, SatellitePattern.GOES_18, Sector.CONUS, 13, SlotStatus.PRESENT, Source.LOCAL, odd),
        SlotResult(t0 + timedelta(minutes=5), SatellitePattern.GOES_18, Sector.CONUS, 13, SlotStatus.PRESENT,
                   Source.LOCAL, good),
        SlotResult(t0 + timedelta(minutes=10), SatellitePattern.GOES_18, Sector.CONUS, 13, SlotStatus.FETCHED,
                   Source.CDN, new),
        SlotResult(t0 + timedelta(minutes=15), SatellitePattern.GOES_18, Sector.CONUS, 13, SlotStatus.FAILED),
    ])  # fmt: skip
    checked = LookView("2500x1500 RGB star", frozenset({odd}), 1, "")
    assert [s.look for s in with_looks(slots, checked)] == ["mismatch", "ok", "ok", None]
    assert [s.look for s in with_looks(slots, None)] == [None, None, "ok", None]  # look check not finished
    assert [s.look for s in slots] == [None] * 4  # the shown slots are not changed
