"""A fetch reports each slot's final result as soon as that slot is done (``Progress.result``).

Against the local NOAA emulator: the GUI relies on these reports to turn rows Fetched while the fetch runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.results import Progress, SlotStatus, Source, Stage
from tests.emulator_fixtures import EMULATOR_END, EMULATOR_START
from tests.fetch_support import canonical, frame_names, leftovers, manager_for
from tests.scan_support import write_frame


@pytest.mark.slow
async def test_each_slot_is_reported_once_when_it_is_done(
    noaa_emulator_factory: Callable[..., NoaaEmulator], tmp_path: Path
) -> None:
    emulator = noaa_emulator_factory(missing_fraction=0.1, seed=3)
    folder = tmp_path / "frames"
    folder.mkdir()
    present = emulator.expected[::2]  # every other slot is in the folder: 12 missing of 24
    for slot in present:
        write_frame(folder / canonical(emulator, slot))
    absent = set(emulator.missing_everywhere)
    wanted = [s for s in emulator.expected if s not in present]
    assert len(emulator.expected) == 24 and len(wanted) == 12
    assert absent & set(wanted), "the scenario needs a slot that NOAA does not have"

    reports: list[Progress] = []
    on_disk: dict[datetime, bool] = {}

    def record(progress: Progress) -> None:
        reports.append(progress)
        result = progress.result
        if result is not None:  # the frame of a fetched slot is already under its final name
            on_disk[result.timestamp] = result.path is not None and result.path.is_file()

    now = EMULATOR_END + timedelta(hours=1)  # every slot is recent: CDN first, S3 as the fallback
    async with manager_for(emulator, folder, now, tmp_path / "cache.db") as manager:
        scan = await manager.scan(
            folder, ArchiveQuery(emulator.satellite, EMULATOR_START, EMULATOR_END, interval_minutes=5)
        )
        assert scan.missing == wanted
        slots = await manager.fetch_missing(scan, folder, progress_callback=record)

    final = {s.timestamp: s for s in slots}
    carried = [p for p in reports if p.result is not None]
    assert sorted(p.result.timestamp for p in carried if p.result) == wanted  # each missing slot once, no other
    for number, progress in enumerate(carried, start=1):
        result = progress.result
        assert result is not None and progress.stage is Stage.FETCH and progress.done == number
        assert result == final[result.timestamp]  # the report is the slot's final result ...
        assert result is not final[result.timestamp]  # ... as a copy the receiver may keep
        if result.timestamp in absent:  # neither store lists it: unavailable, not a failure
            assert result.status is SlotStatus.UNAVAILABLE and result.error
        else:
            assert result.status is SlotStatus.FETCHED and result.source in (Source.CDN, Source.S3)
            assert on_disk[result.timestamp], result
    assert reports[-1].stage is Stage.DONE and reports[-1].result is None
    fetched = {canonical(emulator, s) for s in wanted if s not in absent}
    assert frame_names(folder) == {canonical(emulator, s) for s in present} | fetched
    assert leftovers(folder) == []
