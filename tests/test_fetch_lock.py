"""The manager holds the folder's fetch lock while it downloads: two managers (or processes) never fetch a frame
twice; a manager kept waiting says so, then proceeds, or fails with one clear line when the wait runs out."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.emulator.cdn_server import Fault, FaultKind
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.folder.lock import FETCH_LOCK, FolderLockedError, folder_lock, read_holder
from goesvfi.integrity_check.gui.messages import user_message
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.results import Progress, SlotStatus, Source, Stage
from goesvfi.integrity_check.time_index import SatellitePattern
from tests.emulator_fixtures import EMULATOR_START
from tests.fetch_support import canonical, frame_names, leftovers, manager_for
from tests.lock_support import start_holder, stop_holder
from tests.scan_support import write_frame

G18 = SatellitePattern.GOES_18
Factory = Callable[..., NoaaEmulator]
HOUR = EMULATOR_START + timedelta(hours=1)  # 12 CONUS slots, all in the CDN window of the emulator's clock


@pytest.fixture
def emu(noaa_emulator_factory: Factory) -> NoaaEmulator:
    return noaa_emulator_factory(missing_fraction=0.0)


def waits(progress: list[Progress]) -> list[str]:
    return [p.message for p in progress if p.stage is Stage.PLAN]


@pytest.mark.slow
async def test_two_managers_fetching_into_one_folder_download_each_frame_once(
    emu: NoaaEmulator, folder: Path, tmp_path: Path
) -> None:
    emu.cdn.inject(
        Fault(FaultKind.STALL, "*.jpg", delay=0.2)
    )  # the first fetch is still running when the second starts
    seen: dict[str, list[Progress]] = {"a": [], "b": []}
    async with (
        manager_for(emu, folder, emu.now, tmp_path / "a.sqlite") as a,
        manager_for(emu, folder, emu.now, tmp_path / "b.sqlite") as b,
    ):
        scan_a = await a.scan(folder, ArchiveQuery(G18, EMULATOR_START, HOUR))
        scan_b = await b.scan(folder, ArchiveQuery(G18, EMULATOR_START, HOUR))
        assert len(scan_a.missing) == len(scan_b.missing) == 12  # both set out to fetch all twelve
        slots_a, slots_b = await asyncio.gather(
            a.fetch_missing(scan_a, progress_callback=seen["a"].append),
            b.fetch_missing(scan_b, progress_callback=seen["b"].append),
        )
    assert emu.cdn.request_count("*.jpg") == 12  # each frame downloaded once
    first, second = ("a", "b") if slots_a[0].status is SlotStatus.FETCHED else ("b", "a")
    results = {"a": slots_a, "b": slots_b}
    assert [s.status for s in results[first]] == [SlotStatus.FETCHED] * 12
    assert [(s.status, s.source) for s in results[second]] == [(SlotStatus.PRESENT, Source.LOCAL)] * 12
    assert waits(seen[first]) == []
    assert waits(seen[second]) == [f"Waiting for another fetch into {folder} (PID {os.getpid()}) ..."]
    assert frame_names(folder) == {canonical(emu, EMULATOR_START + timedelta(minutes=m)) for m in range(1, 60, 5)}
    assert leftovers(folder.parent) == []
    assert read_holder(folder / FETCH_LOCK).pid is None  # released


@pytest.mark.slow
async def test_a_manager_waits_for_another_process_then_proceeds(
    emu: NoaaEmulator, folder: Path, tmp_path: Path
) -> None:
    holder = start_holder(folder)
    progress: list[Progress] = []
    waiting = asyncio.Event()

    def on_progress(p: Progress) -> None:
        progress.append(p)
        if p.stage is Stage.PLAN:
            waiting.set()

    try:
        async with manager_for(emu, folder, emu.now, tmp_path / "c.sqlite", lock_wait=30) as manager:
            task = asyncio.create_task(
                manager.reconcile_detailed(
                    folder,
                    ArchiveQuery(G18, EMULATOR_START, EMULATOR_START + timedelta(minutes=30), interval_minutes=0),
                    progress_callback=on_progress,
                )
            )
            await asyncio.wait_for(waiting.wait(), 10)
            await asyncio.sleep(0.5)
            assert not task.done()
            assert emu.cdn.request_count() == 0  # nothing listed or downloaded while waiting
            await asyncio.to_thread(stop_holder, holder)
            report = await asyncio.wait_for(task, 30)
    finally:
        if holder.poll() is None:
            holder.kill()
    assert waits(progress) == [f"Waiting for another fetch into {folder} (PID {holder.pid}) ..."]
    assert report.fetched == 6 and report.unresolved == []
    assert read_holder(folder / FETCH_LOCK).pid is None


@pytest.mark.slow
async def test_the_wait_running_out_is_one_clear_error(emu: NoaaEmulator, folder: Path, tmp_path: Path) -> None:
    holder = start_holder(folder)
    try:
        async with manager_for(emu, folder, emu.now, tmp_path / "c.sqlite", lock_wait=0.5) as manager:
            started = time.monotonic()
            with pytest.raises(FolderLockedError) as detailed:
                await manager.reconcile_detailed(folder, ArchiveQuery(G18, EMULATOR_START, HOUR))
            assert time.monotonic() - started >= 0.5
            with pytest.raises(FolderLockedError):  # the seed's call too
                await manager.reconcile(folder, G18, EMULATOR_START, HOUR)
    finally:
        stop_holder(holder)
    message = str(detailed.value)
    assert detailed.value.holder.pid == holder.pid
    assert message == (
        f"{folder} is locked by a 'watch' run (PID {holder.pid}) since {detailed.value.holder.since} "
        f"after waiting 0.5 s (lock file {FETCH_LOCK})"
    )
    assert user_message(detailed.value) == f"{message}."  # the window shows it as its one-line status
    assert emu.cdn.request_count() == 0 and emu.s3.request_count("GET") == 0
    assert frame_names(folder) == set() and leftovers(folder.parent) == []


async def test_nothing_to_fetch_needs_no_lock(emu: NoaaEmulator, folder: Path, tmp_path: Path) -> None:
    for slot in emu.expected[:12]:
        write_frame(folder / canonical(emu, slot))
    with folder_lock(folder, purpose="fetch"):  # held by someone else: a fetch with nothing to do does not care
        async with manager_for(emu, folder, emu.now, tmp_path / "c.sqlite", lock_wait=0) as manager:
            report = await manager.reconcile_detailed(folder, ArchiveQuery(G18, EMULATOR_START, HOUR))
    assert (report.total, report.existing, report.fetched) == (12, 12, 0)
