"""The watch loop against the local NOAA emulator, with an injected clock.

The emulator holds GOES-18 CONUS 2023-05-01 00:00-03:00 (seed 26, 10 % absent per side): 01:01 is absent on
both the CDN and S3, 01:26 only on the CDN (comes from S3), 01:06 only on S3 (comes from the CDN). The clock
starts at 01:30; window 1 h, latency 20 min, every 10 min, so the cycles see (hand-computed):

    01:30  [00:30, 01:10)  slots 00:31 ... 01:06  (8)
    01:40  [00:40, 01:20)  new 01:11, 01:16
    01:50  [00:50, 01:30)  new 01:21, 01:26
    02:00  [01:00, 01:40)  new 01:31, 01:36
    02:10  [01:10, 01:50)  new 01:41, 01:46
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from goesvfi.integrity_check.cache.db import CacheDB
from goesvfi.integrity_check.emulator.cdn_server import Fault, FaultKind
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.emulator.s3_server import S3Fault, S3FaultKind
from goesvfi.integrity_check.fetch.manager import ReconcileManager
from goesvfi.integrity_check.folder.lock import FolderLockedError, folder_lock_async
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.results import Progress, SlotStatus, Source, Stage
from goesvfi.integrity_check.time_index import Sector
from goesvfi.integrity_check.watch import CycleResult, WatchConfig, WatchLoop
from tests.names_support import png_name, png_time
from tests.scan_support import write_frame
from tests.watch_support import ABSENT_EVERYWHERE, DAY, G18, frames, hm, leftovers, slots_from


class FakeClock:
    """``now()`` and a ``sleep`` that advances it (and yields to the loop)."""

    def __init__(self, start: datetime) -> None:
        self.t = start
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += timedelta(seconds=seconds)
        await asyncio.sleep(0)


@pytest.fixture
def emulator(noaa_emulator_factory: Callable[..., NoaaEmulator]) -> NoaaEmulator:
    emu = noaa_emulator_factory(
        satellite=G18, start=DAY, end=DAY + timedelta(hours=3), missing_fraction=0.1, seed=26, cdn_sizes=[(416, 250)]
    )
    # the scenario's preconditions (the emulator's seeded choice of absent slots)
    assert emu.missing_everywhere == [ABSENT_EVERYWHERE]
    assert hm("01:26") not in emu.cdn_slots and hm("01:26") in emu.s3_slots
    assert hm("01:06") in emu.cdn_slots and hm("01:06") not in emu.s3_slots
    return emu


@pytest.fixture
async def manager_factory(
    emulator: NoaaEmulator, tmp_path: Path
) -> AsyncIterator[Callable[[FakeClock], ReconcileManager]]:
    made: list[ReconcileManager] = []

    def make(clock: FakeClock, **overrides: Any) -> ReconcileManager:
        cache = CacheDB(tmp_path / f"cache{len(made)}.sqlite")
        settings = emulator.settings(cdn_size=(416, 250), retries=1, backoff_base=0.01, backoff_max=0.05, **overrides)
        manager = ReconcileManager(cache_db=cache, settings=settings, now=clock)
        made.append(manager)
        return manager

    yield make
    for manager in made:
        await manager.close()
        await manager.cache_db.close()


def watch_config(folder: Path, **kw: object) -> WatchConfig:
    options: dict[str, object] = {
        "window": timedelta(hours=1),
        "every": timedelta(minutes=10),
        "latency": timedelta(minutes=20),
        **kw,
    }
    return WatchConfig(folder, G18, Sector.CONUS, 13, **options)  # type: ignore[arg-type]


async def run_cycles(
    loop: WatchLoop, count: int, between: Callable[[int, CycleResult], None] | None = None
) -> list[tuple[CycleResult, datetime, set[datetime]]]:
    """Run ``loop.run_forever`` for ``count`` cycles; record each result, next run and the folder's frames."""
    stop = asyncio.Event()
    seen: list[tuple[CycleResult, datetime, set[datetime]]] = []

    def on_cycle(result: CycleResult, next_run: datetime) -> None:
        seen.append((result, next_run, frames(loop.config.directory)))
        if between is not None:
            between(len(seen), result)
        if len(seen) == count:
            stop.set()

    completed = await asyncio.wait_for(loop.run_forever(stop, on_cycle), timeout=60)
    assert completed == count
    return seen


@pytest.mark.slow
async def test_three_cycles_fetch_exactly_the_newly_published_slots(
    emulator: NoaaEmulator, manager_factory: Callable[[FakeClock], ReconcileManager], folder: Path
) -> None:
    clock = FakeClock(hm("01:30"))
    loop = WatchLoop(watch_config(folder), manager_factory(clock).reconcile_detailed, now=clock, sleep=clock.sleep)
    seen = await run_cycles(loop, 3)

    window1 = slots_from("00:31", 8)
    new2, new3 = {hm("01:11"), hm("01:16")}, {hm("01:21"), hm("01:26")}
    (r1, next1, f1), (r2, next2, f2), (r3, next3, f3) = seen

    assert (r1.started, r2.started, r3.started) == (hm("01:30"), hm("01:40"), hm("01:50"))
    assert (next1, next2, next3) == (hm("01:40"), hm("01:50"), hm("02:00"))
    assert clock.sleeps == [600.0, 600.0]  # woke on the aligned ticks, not later

    assert (r1.window_start, r1.window_end) == (hm("00:30"), hm("01:10"))
    assert f1 == window1 - {ABSENT_EVERYWHERE}
    assert (r1.expected, r1.present, r1.fetched, r1.failed) == (8, 0, 7, 1)
    assert [p.timestamp for p in r1.problems] == [ABSENT_EVERYWHERE] and r1.problems[0].error

    assert f2 - f1 == new2  # exactly the newly published slots, nothing newer than now - latency
    assert (r2.expected, r2.present, r2.fetched, r2.failed) == (8, 5, 2, 1)  # 00:31, 00:36 left the window
    assert f3 - f2 == new3
    assert (r3.expected, r3.present, r3.fetched, r3.failed) == (8, 5, 2, 1)  # 01:26 came from S3
    assert all(not r.outage and r.error is None for r, _, _ in seen)

    # nothing was downloaded twice: one JPG request per frame taken from the CDN
    assert emulator.cdn.request_count("*.jpg") == len(f3) - 1  # 01:26 came from S3
    assert leftovers(folder) == []
    for ts in f3:
        data = (folder / png_name(G18, Sector.CONUS, 13, ts)).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.slow
async def test_an_outage_is_survived_with_backoff_and_the_next_cycle_catches_up(
    emulator: NoaaEmulator, manager_factory: Callable[[FakeClock], ReconcileManager], folder: Path
) -> None:
    clock = FakeClock(hm("01:30"))
    loop = WatchLoop(watch_config(folder), manager_factory(clock).reconcile_detailed, now=clock, sleep=clock.sleep)

    def between(n: int, _result: CycleResult) -> None:
        if n == 1:  # NOAA goes down for the 2nd and 3rd cycles
            emulator.cdn.inject(Fault(FaultKind.STATUS, status=503))
            emulator.s3.inject(S3Fault(S3FaultKind.STATUS, status=503))
        if n == 3:
            emulator.cdn.clear_faults()
            emulator.s3.clear_faults()

    seen = await run_cycles(loop, 4, between)
    (r1, n1, f1), (r2, n2, f2), (r3, n3, f3), (r4, n4, f4) = seen

    assert r1.fetched == 7 and not r1.outage
    # down: nothing fetched, the new slots failed, the loop carried on
    assert r2.outage and r2.fetched == 0 and {p.timestamp for p in r2.problems} >= {hm("01:11"), hm("01:16")}
    assert r3.outage and r3.fetched == 0
    assert f3 == f2 == f1
    # backoff: first failure -> next period; second consecutive failure -> two periods
    assert (n1, n2, n3) == (hm("01:40"), hm("01:50"), hm("02:10"))
    assert r4.started == hm("02:10")
    # back up: the catch-up cycle fetches everything the outage missed, in the window [01:10, 01:50)
    assert not r4.outage and r4.error is None
    assert f4 - f3 == slots_from("01:11", 8) - {hm("01:06")} - f3
    assert r4.fetched == 8 and r4.failed == 0  # 01:11 ... 01:46
    assert n4 == hm("02:20")  # backoff reset
    assert leftovers(folder) == []


@pytest.mark.slow
async def test_a_failing_slot_alone_does_not_back_off(
    emulator: NoaaEmulator, manager_factory: Callable[[FakeClock], ReconcileManager], folder: Path
) -> None:
    """The same absent slot failing again while nothing new is due is not an outage."""
    clock = FakeClock(hm("01:30"))
    config = watch_config(folder, every=timedelta(minutes=2))
    loop = WatchLoop(config, manager_factory(clock).reconcile_detailed, now=clock, sleep=clock.sleep)
    first = await loop.run_cycle()
    assert first.failed == 1 and first.fetched == 7
    clock.t = hm("01:31")  # window [00:31, 01:11): no new slot is due, 01:01 fails again
    second = await loop.run_cycle()
    assert (second.fetched, second.failed, second.outage) == (0, 1, False)
    assert second.expected == 8 and second.present == 7
    assert loop.schedule_after(second) == hm("01:32")


@pytest.mark.slow
async def test_a_second_watcher_on_the_folder_is_refused_with_the_holders_pid(
    emulator: NoaaEmulator, manager_factory: Callable[[FakeClock], ReconcileManager], folder: Path
) -> None:
    clock = FakeClock(hm("01:30"))
    first = WatchLoop(watch_config(folder), manager_factory(clock).reconcile_detailed, now=clock, sleep=clock.sleep)
    clock2 = FakeClock(hm("01:30"))  # the first watcher's sleep moves its own clock on
    second = WatchLoop(watch_config(folder), manager_factory(clock2).reconcile_detailed, now=clock2, sleep=clock2.sleep)
    stop = asyncio.Event()
    started = asyncio.Event()

    def on_cycle(_r: CycleResult, _n: datetime) -> None:
        started.set()

    task = asyncio.create_task(first.run_forever(stop, on_cycle))
    await asyncio.wait_for(started.wait(), 30)
    with pytest.raises(FolderLockedError, match=f"PID {os.getpid()}"):
        await second.run_forever(asyncio.Event())
    with pytest.raises(FolderLockedError):
        await second.run_once()
    stop.set()
    assert await asyncio.wait_for(task, 30) == 1
    # the first watcher is gone: the second one may start now
    result = await second.run_once()
    assert result is not None and result.fetched == 0 and result.present == 7


@pytest.mark.slow
async def test_watch_and_fetch_on_one_folder_never_fetch_a_slot_twice(
    emulator: NoaaEmulator, manager_factory: Callable[..., ReconcileManager], folder: Path
) -> None:
    """A ``fetch`` (its own manager, as another process would have) holds the folder's fetch lock while it
    downloads; the watch cycle's manager waits for it, then finds every frame present."""
    clock = FakeClock(hm("01:30"))
    fetcher = manager_factory(clock, concurrency=1)  # one frame after another: it holds the folder for seconds
    cycle_progress: list[Progress] = []
    loop = WatchLoop(
        watch_config(folder),
        manager_factory(clock).reconcile_detailed,
        now=clock,
        sleep=clock.sleep,
        progress_callback=cycle_progress.append,
    )
    emulator.cdn.inject(Fault(FaultKind.STALL, path="*.jpg", delay=0.4))  # the fetch still runs when the cycle asks
    fetch_downloads = asyncio.Event()

    def fetch_progress(p: Progress) -> None:
        if p.stage is Stage.FETCH and p.file_done:
            fetch_downloads.set()

    fetch_task = asyncio.create_task(
        fetcher.reconcile_detailed(
            folder,
            ArchiveQuery(G18, hm("00:30"), hm("01:10"), interval_minutes=0, sector=Sector.CONUS),
            progress_callback=fetch_progress,
        )
    )
    await asyncio.wait_for(fetch_downloads.wait(), 30)
    cycle = await loop.run_cycle()
    assert (await fetch_task).fetched == 7
    assert (cycle.expected, cycle.present, cycle.fetched, cycle.failed) == (8, 7, 0, 1)
    assert cycle.error is None and not cycle.busy
    waits = [p.message for p in cycle_progress if p.stage is Stage.PLAN]
    assert waits == [f"Waiting for another fetch into {folder} (PID {os.getpid()}) ..."]
    assert emulator.cdn.request_count("*.jpg") == 7  # each frame downloaded once
    assert frames(folder) == slots_from("00:31", 8) - {ABSENT_EVERYWHERE}


@pytest.mark.slow
async def test_a_cycle_that_cannot_get_the_folder_is_skipped_not_an_outage(
    emulator: NoaaEmulator, folder: Path, tmp_path: Path
) -> None:
    clock = FakeClock(hm("01:30"))
    settings = emulator.settings(cdn_size=(416, 250), lock_wait=0.2)
    async with CacheDB(tmp_path / "c.sqlite") as cache, ReconcileManager(cache, settings=settings, now=clock) as mgr:
        loop = WatchLoop(watch_config(folder), mgr.reconcile_detailed, now=clock, sleep=clock.sleep)
        async with folder_lock_async(folder, purpose="fetch"):  # another fetch (here: this process) holds it
            busy = await loop.run_cycle()
        assert busy.busy and not busy.outage and busy.fetched == 0
        assert busy.error is not None and f"PID {os.getpid()}" in busy.error and "after waiting 0.2 s" in busy.error
        assert "skipped:" in busy.summary() and frames(folder) == set()
        assert loop.schedule_after(busy) == hm("01:40")  # the next tick, no backoff
        done = await loop.run_cycle()  # the folder is free again
    assert not done.busy and done.fetched == 7


@pytest.mark.slow
async def test_stop_during_a_cycle_cancels_it_without_partial_files(
    emulator: NoaaEmulator, manager_factory: Callable[[FakeClock], ReconcileManager], folder: Path
) -> None:
    clock = FakeClock(hm("01:30"))
    progress_files: list[str] = []
    stop = asyncio.Event()

    def progress(p: Progress) -> None:
        name = p.current_file
        if p.stage is Stage.FETCH and name and png_time(name) and (folder / name).exists():
            progress_files.append(name)
            stop.set()  # the first frame is written: stop now

    emulator.cdn.inject(Fault(FaultKind.STALL, path="*.jpg", delay=0.3))  # slow downloads
    loop = WatchLoop(
        watch_config(folder),
        manager_factory(clock).reconcile_detailed,
        now=clock,
        sleep=clock.sleep,
        progress_callback=progress,
    )
    completed = await asyncio.wait_for(loop.run_forever(stop), 30)
    assert completed == 0 and progress_files
    written = frames(folder)
    assert 1 <= len(written) < 7  # stopped mid-cycle
    assert leftovers(folder) == []
    for ts in written:
        assert (folder / png_name(G18, Sector.CONUS, 13, ts)).read_bytes()[-8:] == b"IEND\xaeB`\x82"
    assert loop.next_run is None


@pytest.mark.slow
async def test_cancelling_the_task_stops_cleanly_and_frees_the_folder(
    emulator: NoaaEmulator, manager_factory: Callable[[FakeClock], ReconcileManager], folder: Path
) -> None:
    """The view model cancels the task instead of setting the stop event: same clean end, lock released."""
    clock = FakeClock(hm("01:30"))
    emulator.cdn.inject(Fault(FaultKind.STALL, path="*.jpg", delay=5.0, every=2))
    loop = WatchLoop(watch_config(folder), manager_factory(clock).reconcile_detailed, now=clock, sleep=clock.sleep)
    task = asyncio.create_task(loop.run_forever(asyncio.Event()))
    for _ in range(600):
        if frames(folder):
            break
        await asyncio.sleep(0.01)
    assert frames(folder)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
    assert 1 <= len(frames(folder)) < 7
    assert leftovers(folder) == []
    # the watch lock is free again: another loop can run a cycle under it
    emulator.cdn.clear_faults()
    clock2 = FakeClock(hm("01:30"))
    again = await WatchLoop(watch_config(folder), manager_factory(clock2).reconcile_detailed, now=clock2).run_once()
    # every other frame was written before the cancel: the interval is not taken from the files
    assert again is not None and again.expected == 8
    assert again.present + again.fetched == 7


async def test_a_slot_unavailable_for_a_day_is_not_tried_again(
    emulator: NoaaEmulator, manager_factory: Callable[[FakeClock], ReconcileManager], folder: Path
) -> None:
    """01:01 is on neither the CDN nor S3: once settled it is 'not at NOAA'; a day later it is not asked for."""
    have = {s for s in emulator.expected if s != ABSENT_EVERYWHERE}
    for slot in have:  # the folder holds everything else NOAA has
        write_frame(folder / png_name(G18, Sector.CONUS, 13, slot))
    clock = FakeClock(hm("03:20"))
    manager = manager_factory(clock)
    asked: list[set[datetime]] = []
    for source in (Source.CDN, Source.S3):
        store = manager.store(source)
        original = store.find

        async def find(satellite, sector, band, slots, _original=original):  # type: ignore[no-untyped-def]
            asked.append(set(slots))
            return await _original(satellite, sector, band, slots)

        store.find = find  # type: ignore[method-assign]
    # a window of 3 hours before now-latency: 00:00 ... 03:00 (the emulator's range)
    loop = WatchLoop(
        watch_config(folder, window=timedelta(hours=3)), manager.reconcile_detailed, now=clock, sleep=clock.sleep
    )

    first = await loop.run_cycle()
    assert first.error is None and (first.fetched, first.failed, first.unavailable, first.given_up) == (0, 0, 1, 0)
    slot = {s.timestamp: s for s in first.slots}[ABSENT_EVERYWHERE]
    assert slot.status is SlotStatus.UNAVAILABLE and (slot.error or "").startswith("no NOAA source has it")
    assert any(ABSENT_EVERYWHERE in a for a in asked) and first.problems == ()
    assert "not at NOAA 1" in first.summary()

    clock.t += timedelta(hours=23)  # still within the day: asked again
    asked.clear()
    loop.config = watch_config(folder, window=timedelta(hours=26))  # keep 01:01 in the window
    second = await loop.run_cycle()
    assert second.unavailable >= 1 and second.given_up == 0 and any(ABSENT_EVERYWHERE in a for a in asked)

    clock.t += timedelta(hours=2)  # 25 hours after it was first seen unavailable
    asked.clear()
    loop.config = watch_config(folder, window=timedelta(hours=28))
    third = await loop.run_cycle()
    slot = {s.timestamp: s for s in third.slots}[ABSENT_EVERYWHERE]
    assert slot.status is SlotStatus.UNAVAILABLE and "not tried again" in (slot.error or "")
    assert not any(ABSENT_EVERYWHERE in a for a in asked)  # no store was asked for it
    assert third.given_up == 1 and third.error is None  # (the emulator publishes nothing after 03:00: its
    # recent slots fail, which the watcher rightly takes for an outage; that is another test's subject)
