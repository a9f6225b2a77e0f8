"""The tab's Auto-fetch against the local NOAA emulator, with an injected clock and sleep.

The scenario is the watch tests' (tests/test_watch.py): GOES-18 CONUS 2023-05-01 00:00-03:00 (seed 26, 10 %
absent per side); 01:01 is absent everywhere, 01:26 only on S3. Window 1 h, latency 20 min, every 10 min, the
clock starting at 01:30 (hand-computed):

    01:30  [00:30, 01:10)  00:31 ... 01:06 (8): 7 fetched, 01:01 fails
    01:40  [00:40, 01:20)  new 01:11, 01:16
    01:50  [00:50, 01:30)  new 01:21, 01:26

The injected sleep waits until the test releases it, then moves the clock on by what the loop asked for.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PyQt6.QtCore import QSettings, Qt

from goesvfi.integrity_check.emulator.cdn_server import Fault, FaultKind
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.gui.preferences import Preferences
from goesvfi.integrity_check.gui.tab import IntegrityCheckTab
from goesvfi.integrity_check.gui.view_model import EnhancedViewModel, Task
from goesvfi.integrity_check.results import SlotStatus
from goesvfi.integrity_check.time_index import Sector
from tests.watch_support import ABSENT_EVERYWHERE, DAY, G18, frames, hm, leftovers, slots_from

WINDOW1 = slots_from("00:31", 8)


class GatedClock:
    """``now()``, and a ``sleep`` that waits for :meth:`release`, then advances the clock by what was asked."""

    def __init__(self, start: datetime) -> None:
        self.t = start
        self.sleeps: list[float] = []
        self._gate = asyncio.Event()

    def __call__(self) -> datetime:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await self._gate.wait()
        self._gate.clear()
        self.t += timedelta(seconds=seconds)

    def release(self) -> None:
        self._gate.set()


@pytest.fixture
def emulator(noaa_env_factory: Callable[..., NoaaEmulator]) -> NoaaEmulator:
    emu = noaa_env_factory(
        satellite=G18, start=DAY, end=DAY + timedelta(hours=3), missing_fraction=0.1, seed=26, cdn_sizes=[(416, 250)]
    )
    assert emu.missing_everywhere == [ABSENT_EVERYWHERE]
    return emu


@pytest.fixture
def make_tab(qtbot, qt_settings, qloop, tmp_path: Path, folder: Path) -> Callable[[GatedClock], IntegrityCheckTab]:
    def make(clock: GatedClock) -> IntegrityCheckTab:
        vm = EnhancedViewModel(cache_path=tmp_path / "cache.db", now=clock, sleep=clock.sleep)
        prefs = vm.preferences
        fetch = replace(prefs.fetch, retries=1, backoff_base=0.01, backoff_max=0.05)
        vm.set_preferences(Preferences(fetch, {**prefs.cdn_sizes, Sector.CONUS: (416, 250)}))
        vm.apply_inputs(directory=str(folder), satellite=G18, sector=Sector.CONUS, band=13, interval_minutes=0)
        tab = IntegrityCheckTab(view_model=vm)
        qtbot.addWidget(tab)
        tab.show()
        return tab

    return make


def choose(tab: IntegrityCheckTab, *, period: int = 10, window: int = 1) -> None:
    ui = tab.ui
    ui.auto_period.setCurrentIndex(ui.auto_period.findData(period))
    ui.auto_window.setCurrentIndex(ui.auto_window.findData(window))


def saved() -> tuple[str, int, int]:
    settings = QSettings()
    return (
        str(settings.value("integrity_check/auto/enabled")).lower(),  # bool in this process, text in the file
        int(settings.value("integrity_check/auto/period_minutes")),  # type: ignore[arg-type]
        int(settings.value("integrity_check/auto/window_hours")),  # type: ignore[arg-type]
    )


def counts(tab: IntegrityCheckTab) -> tuple[int, int, int, int]:
    last = tab.view_model.auto_fetch.last
    assert last is not None
    return (last.expected, last.present, last.fetched, last.failed)


@pytest.mark.slow
def test_cycles_fetch_the_window_then_exactly_the_newly_published_slots(
    qtbot, emulator: NoaaEmulator, make_tab: Callable[[GatedClock], IntegrityCheckTab], folder: Path
) -> None:
    clock = GatedClock(hm("01:30"))
    tab = make_tab(clock)
    ui, vm = tab.ui, tab.view_model
    assert not ui.auto_check.isChecked()
    assert ui.auto_status.text() == "Off: when on, fetches what the last 24 h lack every 10 min."
    choose(tab, window=1)

    ui.auto_check.click()
    qtbot.waitUntil(lambda: vm.auto_fetch.last is not None, timeout=30000)
    assert frames(folder) == WINDOW1 - {ABSENT_EVERYWHERE}
    assert counts(tab) == (8, 0, 7, 1)
    assert vm.auto_fetch.next_run == hm("01:40") and vm.auto_fetch.window == (hm("00:30"), hm("01:10"))
    assert ui.auto_status.text() == (
        "Next run 01:40 UTC · last 01:30 UTC: 8 expected, 0 present, 7 fetched, 1 failed "
        f"({vm.auto_fetch.last.duration:.1f} s)"  # type: ignore[union-attr]
    )
    assert ui.status.text() == "Auto-fetch: 7 fetched, 1 failed; next run 01:40 UTC."
    # the table, timeline and time pickers show the window after the cycle
    assert tab.model.rowCount() == 8 and ui.timeline.counts()[SlotStatus.FETCHED] == 7
    failed = [tab.model.slot_at(r) for r in range(8) if tab.model.slot_at(r).status is SlotStatus.FAILED]
    assert [s.timestamp for s in failed] == [ABSENT_EVERYWHERE] and failed[0].error
    assert (ui.start.utc(), ui.end.utc()) == (hm("00:30"), hm("01:10"))
    # between cycles: manual commands work, the folder and archive inputs stay as Auto-fetch keeps them
    assert ui.scan.isEnabled() and ui.fetch.isEnabled() and ui.auto_check.isEnabled()
    assert not ui.directory.isEnabled() and not ui.satellite.isEnabled() and ui.start.isEnabled()
    assert saved() == ("true", 10, 1)
    assert clock.sleeps == [600.0]  # asleep until 01:40

    clock.release()
    qtbot.waitUntil(lambda: vm.auto_fetch.last is not None and vm.auto_fetch.last.started == hm("01:40"), timeout=30000)
    assert frames(folder) - WINDOW1 == {hm("01:11"), hm("01:16")}  # exactly the newly published slots
    assert counts(tab) == (8, 5, 2, 1)  # 00:31 and 00:36 left the window
    assert ui.auto_status.text().startswith("Next run 01:50 UTC · last 01:40 UTC: 8 expected, 5 present, 2 fetched")
    assert emulator.cdn.request_count("*.jpg") == 9  # nothing downloaded twice

    ui.auto_check.click()
    qtbot.waitUntil(lambda: not vm.auto_fetch_active, timeout=10000)
    assert ui.status.text() == "Auto-fetch off." and ui.auto_status.text().startswith("Off:")
    assert ui.directory.isEnabled() and ui.satellite.isEnabled()
    assert saved() == ("false", 10, 1)
    assert leftovers(folder) == [] and len(frames(folder)) == 9


@pytest.mark.slow
def test_turning_it_off_during_a_fetch_cancels_cleanly(
    qtbot, emulator: NoaaEmulator, make_tab: Callable[[GatedClock], IntegrityCheckTab], folder: Path
) -> None:
    emulator.cdn.inject(Fault(FaultKind.STALL, path="*.jpg", delay=5.0))
    tab = make_tab(GatedClock(hm("01:30")))
    ui, vm = tab.ui, tab.view_model
    choose(tab, window=1)
    ui.auto_check.click()
    qtbot.waitUntil(lambda: emulator.cdn.request_count("*.jpg") > 0, timeout=20000)  # downloads are under way

    assert vm.task is Task.AUTO and ui.auto_status.text() == "Cycle running: 00:30 - 01:10 UTC"
    assert tab.model.rowCount() == 8  # the window's scan is shown while it fetches
    assert not ui.scan.isEnabled() and not ui.fetch.isEnabled() and not ui.cancel.isEnabled()
    assert not ui.auto_period.isEnabled() and ui.auto_check.isEnabled()  # unticking is how to stop it
    assert vm.scan() is False and vm.last_error == "An Auto-fetch cycle is running: wait for it to end, or turn " \
                                                   "Auto-fetch off."  # fmt: skip

    ui.auto_check.click()
    qtbot.waitUntil(lambda: not vm.auto_fetch_active and not vm.busy, timeout=10000)
    assert frames(folder) == set() and leftovers(folder) == []  # no frame, no partial file
    assert ui.status.text() == "Auto-fetch off: the running cycle was cancelled, nothing half-written was left."
    assert vm.auto_fetch.last is None and not ui.auto_check.isChecked()
    assert ui.scan.isEnabled() and ui.progress.format() == "Idle"
    assert saved()[0] == "false"


@pytest.mark.slow
def test_the_setting_persists_and_auto_fetch_resumes_in_a_new_tab(
    qtbot,
    qloop,
    emulator: NoaaEmulator,
    make_tab: Callable[[GatedClock], IntegrityCheckTab],
    folder: Path,
) -> None:
    first = make_tab(GatedClock(hm("01:30")))
    choose(first, period=15, window=1)
    first.ui.auto_check.click()
    qtbot.waitUntil(lambda: first.view_model.auto_fetch.last is not None, timeout=30000)
    assert first.view_model.auto_fetch.next_run == hm("01:45")  # every 15 min: :00, :15, :30, :45
    closing = qloop.create_task(first.view_model.aclose())  # what the application does on exit
    qtbot.waitUntil(closing.done, timeout=10000)
    assert not first.view_model.auto_fetch_active
    assert saved() == ("true", 15, 1)  # closing stops it without turning it off

    second = make_tab(GatedClock(hm("01:50")))
    ui, vm = second.ui, second.view_model
    assert ui.auto_check.isChecked()
    assert (ui.auto_period.currentData(), ui.auto_window.currentData()) == (15, 1)
    assert not ui.directory.isEnabled()
    qtbot.waitUntil(lambda: vm.auto_fetch.last is not None, timeout=30000)  # resumed at once
    # [00:50, 01:30): 00:51, 00:56, 01:06 were fetched by the first tab; 01:11 ... 01:26 are new
    assert counts(second) == (8, 3, 4, 1)
    assert frames(folder) == slots_from("00:31", 12) - {ABSENT_EVERYWHERE}
    assert ui.auto_status.text().startswith("Next run 02:00 UTC · last 01:50 UTC: 8 expected, 3 present, 4 fetched")


@pytest.mark.slow
def test_a_cycle_due_during_a_manual_fetch_waits_for_it(
    qtbot, emulator: NoaaEmulator, make_tab: Callable[[GatedClock], IntegrityCheckTab], folder: Path
) -> None:
    clock = GatedClock(hm("01:30"))
    tab = make_tab(clock)
    ui, vm = tab.ui, tab.view_model
    choose(tab, window=1)
    ui.auto_check.click()
    qtbot.waitUntil(lambda: vm.auto_fetch.last is not None, timeout=30000)
    tasks: list[Task] = []
    vm.state_changed.connect(lambda: tasks.append(vm.task))

    emulator.cdn.inject(Fault(FaultKind.STALL, path="*/13/", delay=1.5))  # the CDN's listing is slow now
    qtbot.mouseClick(ui.fetch, Qt.MouseButton.LeftButton)  # retry 01:01
    assert vm.task is Task.FETCH
    clock.release()  # 01:40 is due while the fetch runs
    qtbot.waitUntil(lambda: vm.auto_fetch.waiting, timeout=5000)
    assert vm.task is Task.FETCH and ui.auto_status.text().startswith("Due: waits for the running task to end")
    qtbot.waitUntil(lambda: vm.auto_fetch.last is not None and vm.auto_fetch.last.started == hm("01:40"), timeout=30000)
    assert Task.AUTO in tasks
    first_auto = tasks.index(Task.AUTO)
    assert Task.FETCH not in tasks[first_auto:] and tasks[first_auto - 1] is Task.IDLE  # one after the other
    assert counts(tab) == (8, 5, 2, 1)


def test_without_a_chosen_folder_it_keeps_the_default_one(
    qtbot, qt_settings, qloop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first run with no choices: Auto-fetch keeps the per-user archive folder complete (made when it starts)."""
    monkeypatch.setenv("GOESVFI_ARCHIVE_DIR", str(tmp_path / "GOES"))
    monkeypatch.setenv("GOESVFI_CDN_URL", "http://127.0.0.1:9")  # the discard port: nothing reaches NOAA
    monkeypatch.setenv("GOESVFI_S3_ENDPOINT", "http://127.0.0.1:9")
    vm = EnhancedViewModel(cache_path=tmp_path / "cache.db", now=lambda: hm("01:30"))
    tab = IntegrityCheckTab(view_model=vm)
    qtbot.addWidget(tab)
    assert vm.inputs.directory == "" and vm.inputs.archive_folder.startswith(str(tmp_path / "GOES"))
    tab.ui.auto_check.click()
    assert tab.ui.auto_check.isChecked() and vm.auto_fetch.enabled
    qtbot.waitUntil(lambda: Path(vm.inputs.archive_folder).is_dir(), timeout=10000)
    assert any(f"Auto-fetch on: {vm.inputs.archive_folder}" in line for line in tab.ui.log.toPlainText().splitlines())
    tab.ui.auto_check.click()
    qtbot.waitUntil(lambda: not vm.auto_fetch_active, timeout=15000)


@pytest.mark.slow
def test_a_host_changing_the_folder_moves_auto_fetch_to_it(
    qtbot, emulator: NoaaEmulator, make_tab: Callable[[GatedClock], IntegrityCheckTab], folder: Path, tmp_path: Path
) -> None:
    tab = make_tab(GatedClock(hm("01:30")))
    vm = tab.view_model
    choose(tab, window=1)
    tab.ui.auto_check.click()
    qtbot.waitUntil(lambda: vm.auto_fetch.last is not None, timeout=30000)
    other = tmp_path / "other"
    other.mkdir()
    vm.apply_inputs(directory=str(other), satellite=G18)  # e.g. GOES-VFI's main tab pre-fills another folder
    qtbot.waitUntil(lambda: len(frames(other)) == 7 and vm.auto_fetch.last is not None, timeout=30000)
    qtbot.waitUntil(lambda: not vm.busy, timeout=10000)
    assert frames(other) == frames(folder) == WINDOW1 - {ABSENT_EVERYWHERE}
    assert tab.ui.directory.text() == str(other) and vm.auto_fetch.enabled
    assert "Auto-fetch follows the new folder and archive settings." in tab.ui.log.toPlainText()


@pytest.mark.slow
def test_a_watch_process_keeping_the_folder_turns_it_off_with_its_pid(
    qtbot, emulator: NoaaEmulator, make_tab: Callable[[GatedClock], IntegrityCheckTab], folder: Path
) -> None:
    from goesvfi.integrity_check.folder.lock import WATCH_LOCK, FolderLock

    watcher = FolderLock(folder, name=WATCH_LOCK, purpose="watch")  # as `goesvfi-integrity watch` holds it
    watcher.acquire()
    try:
        tab = make_tab(GatedClock(hm("01:30")))
        tab.ui.auto_check.click()
        qtbot.waitUntil(lambda: not tab.view_model.auto_fetch_active, timeout=10000)
    finally:
        watcher.release()
    status = tab.ui.status.text()
    assert status.startswith("Auto-fetch is off: ") and f"PID {os.getpid()}" in status, status
    assert not tab.ui.auto_check.isChecked() and saved()[0] == "false"
    assert frames(folder) == set() and emulator.cdn.request_count("*.jpg") == 0
