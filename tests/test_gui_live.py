"""Live results during a fetch: rows, timeline and summary change as each frame is done, not only at the end.

The flow test slows the emulator's CDN (STALL fault) and downloads one frame at a time, so the fetch is caught
half-way. The other tests check the pieces on their own: batching in the TaskRunner, the digest arithmetic
(against ``digest_slots``, which takes the independent ``find_gaps`` path).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import QItemSelectionModel

from goesvfi.integrity_check.emulator.cdn_server import Fault, FaultKind
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.gui.preferences import Preferences
from goesvfi.integrity_check.gui.results_digest import digest_slots, update_digest
from goesvfi.integrity_check.gui.tab import IntegrityCheckTab
from goesvfi.integrity_check.gui.task_runner import TaskRunner
from goesvfi.integrity_check.gui.view_model import EnhancedViewModel, Task
from goesvfi.integrity_check.results import Progress, SlotResult, SlotStatus, Source, Stage
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.flow_support import END, GAPS, SAT, SECTOR, SLOTS, START, folder_names, write_folder


def fetched_rows(tab: IntegrityCheckTab) -> list[int]:
    return [r for r in range(tab.model.rowCount()) if tab.model.slot_at(r).status is SlotStatus.FETCHED]


@pytest.mark.slow
def test_rows_turn_fetched_while_the_fetch_runs(
    qtbot,
    qt_settings,
    qloop,
    noaa_env_factory,
    tmp_path: Path,
) -> None:
    now = END + timedelta(hours=1)  # every slot is on the CDN
    emulator: NoaaEmulator = noaa_env_factory(start=START, end=END, now=now, missing_fraction=0.0)
    vm = EnhancedViewModel(cache_path=tmp_path / "cache.db", now=lambda: now)
    prefs = vm.preferences
    vm.set_preferences(Preferences(replace(prefs.fetch, concurrency=1), {**prefs.cdn_sizes, SECTOR: (416, 250)}))
    tab = IntegrityCheckTab(view_model=vm)
    qtbot.addWidget(tab)
    tab.show()
    folder = write_folder(tmp_path / "frames", GAPS)
    vm.apply_inputs(directory=str(folder), satellite=SAT, sector=SECTOR, start=START, end=END)
    with qtbot.waitSignal(vm.scan_completed, timeout=20000):
        vm.scan()
    qtbot.waitUntil(lambda: not vm.busy, timeout=5000)
    assert tab.model.rowCount() == len(SLOTS) and tab.ui.timeline.counts()[SlotStatus.MISSING] == len(GAPS)
    tab.ui.table.selectionModel().select(
        tab.model.index(0, 0), QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    )
    resets: list[int] = []
    changed: list[int] = []
    tab.model.modelReset.connect(lambda: resets.append(1))
    tab.model.dataChanged.connect(lambda top, _bottom: changed.append(top.row()))
    emulator.cdn.inject(Fault(FaultKind.STALL, path="*.jpg", delay=0.3))  # one frame at a time, 0.3 s each

    with qtbot.waitSignal(tab.fetch_completed, timeout=60000) as finished:
        assert vm.fetch_missing()
        qtbot.waitUntil(lambda: len(fetched_rows(tab)) >= 2, timeout=20000)
        # caught half-way: the fetch still runs, some rows already say Fetched, the rest still Missing
        assert vm.busy and vm.task is Task.FETCH
        live = fetched_rows(tab)
        assert 2 <= len(live) < len(GAPS)
        assert {tab.model.slot_at(r).timestamp for r in live} <= set(GAPS)
        assert all(tab.model.slot_at(r).source is Source.CDN for r in live)
        assert all(tab.model.data(tab.model.index(r, 1)) == "Fetched" for r in live)
        assert tab.ui.timeline.counts()[SlotStatus.FETCHED] == len(live)
        assert tab.ui.timeline.counts()[SlotStatus.MISSING] == len(GAPS) - len(live)
        assert re.search(r"Fetched <b[^>]*>(\d+)</b>", tab.ui.summary.text())[1] == str(len(live))  # type: ignore[index]
        assert not resets and changed  # rows changed in place: no model reset ...
        assert tab.ui.table.selectionModel().isRowSelected(0)  # ... so the selection stays
        assert vm.digest is not None and vm.digest.counts[SlotStatus.FETCHED] == len(live)
    qtbot.waitUntil(lambda: not vm.busy, timeout=5000)

    final = {s.timestamp: s for s in finished.args[0]}
    assert [s.timestamp for s in finished.args[0]] == SLOTS
    assert {t for t, s in final.items() if s.status is SlotStatus.FETCHED} == set(GAPS)
    shown = [tab.model.slot_at(r) for r in range(tab.model.rowCount())]
    assert shown == [final[t] for t in SLOTS]  # the final table is the fetch's result
    assert tab.ui.timeline.counts()[SlotStatus.FETCHED] == len(GAPS)
    assert tab.ui.timeline.counts()[SlotStatus.MISSING] == 0
    assert folder_names(folder) >= {s.path.name for s in final.values() if s.path is not None}


FIRST = datetime(2026, 11, 27, 0, 1, tzinfo=UTC)


def slot(i: int, status: SlotStatus, satellite: SatellitePattern = SatellitePattern.GOES_18) -> SlotResult:
    return SlotResult(FIRST + timedelta(minutes=5 * i), satellite, Sector.CONUS, 13, status)


def test_update_digest_agrees_with_a_fresh_digest() -> None:
    missing = {3, 4, 5, 10, 11, 19}
    slots = [slot(i, SlotStatus.MISSING if i in missing else SlotStatus.PRESENT) for i in range(20)]
    before = digest_slots(slots)
    news = [
        replace(slots[4], status=SlotStatus.FETCHED, source=Source.CDN),  # splits the 3-5 gap in two
        replace(slots[10], status=SlotStatus.FAILED, error="S3: not in its listing"),  # still a gap
        replace(slots[19], status=SlotStatus.FETCHED, source=Source.S3),  # closes the last gap
        replace(slots[3], satellite=SatellitePattern.GOES_19, status=SlotStatus.FETCHED),  # another archive
        slot(25, SlotStatus.FETCHED),  # not in this range
    ]
    updated = update_digest(before, news)
    assert updated is not None
    after, changed = updated
    assert changed.tolist() == [4, 10, 19]
    assert before.slots[4].status is SlotStatus.MISSING  # the old digest is left as it was
    fresh = digest_slots([*slots[:4], news[0], *slots[5:10], news[1], *slots[11:19], news[2]])
    assert after.slots == fresh.slots
    assert np.array_equal(after.statuses, fresh.statuses) and np.array_equal(after.times, fresh.times)
    assert after.counts == fresh.counts == {
        SlotStatus.PRESENT: 14, SlotStatus.MISSING: 3, SlotStatus.FETCHED: 2, SlotStatus.FAILED: 1,
        SlotStatus.UNAVAILABLE: 0, SlotStatus.DAMAGED: 0,
    }  # fmt: skip
    assert after.gaps == fresh.gaps
    assert [(g.start, g.count) for g in after.gaps] == [(slots[3].timestamp, 1), (slots[5].timestamp, 1),
                                                        (slots[10].timestamp, 2)]  # fmt: skip
    assert after.unresolved == 4 and after.step == 300.0
    assert update_digest(before, [news[3], news[4]]) is None


def test_the_runner_batches_every_result_however_fast_they_come(qtbot, qapp) -> None:
    runner = TaskRunner()
    batches: list[list[SlotResult]] = []
    shown: list[Progress] = []
    runner.results.connect(batches.append)
    runner.progress.connect(shown.append)
    runner.begin_progress()
    results = [slot(i, SlotStatus.FETCHED) for i in range(500)]
    for done, result in enumerate(results, start=1):  # 500 reports within one timer tick
        runner.report(Progress(done, 500, Stage.FETCH, "", result=result))
        if done % 100 == 0:
            runner.report(Progress(done, 500, Stage.FETCH, "without a result"))
    qtbot.waitUntil(lambda: sum(map(len, batches)) == 500, timeout=2000)
    assert [r for batch in batches for r in batch] == results  # none lost, in order
    assert len(batches) <= 2 and len(shown) <= 2  # published in a batch, not 500 times
    assert shown[-1].message == "without a result"
    runner.end_progress()
