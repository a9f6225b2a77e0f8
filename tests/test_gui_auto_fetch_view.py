"""The tab's Auto-fetch of GOES-East across the GOES-16 -> GOES-19 change (DOMAIN.md: ~15:00 UTC on 2025-04-07):
each slot of the window from the satellite operational then, against the emulator (real widgets, offscreen)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.emulator.view import EAST_DATA, ViewEmulator
from goesvfi.integrity_check.gui.preferences import Preferences
from goesvfi.integrity_check.gui.tab import IntegrityCheckTab
from goesvfi.integrity_check.gui.view_model import EnhancedViewModel
from goesvfi.integrity_check.time_index import Sector
from goesvfi.integrity_check.time_index.operational import View
from tests.fetch_support import frame_names, leftovers

HANDOVER = datetime(2025, 4, 7, 15, tzinfo=UTC)
START, END = HANDOVER - timedelta(hours=1), HANDOVER + timedelta(hours=1)
NOW = HANDOVER + timedelta(minutes=50)  # window 1 h, latency 20 min: [14:50, 15:30)


@pytest.fixture
def east(monkeypatch: pytest.MonkeyPatch) -> Iterator[ViewEmulator]:
    with ViewEmulator(EAST_DATA, start=START, end=END, now=END, nc_shape=(60, 100), missing_fraction=0.0) as emu:
        for name, value in emu.env().items():
            monkeypatch.setenv(name, value)
        yield emu


@pytest.mark.slow
def test_auto_fetch_of_east_takes_each_slot_from_the_satellite_operational_then(
    qtbot, qt_settings, qloop, tmp_path: Path, folder: Path, east: ViewEmulator
) -> None:
    never = asyncio.Event()

    async def sleep(_seconds: float) -> None:
        await never.wait()  # one cycle: the next never comes

    vm = EnhancedViewModel(cache_path=tmp_path / "cache.db", now=lambda: NOW, sleep=sleep)
    prefs = vm.preferences
    vm.set_preferences(Preferences(replace(prefs.fetch, retries=1), {**prefs.cdn_sizes, Sector.CONUS: (416, 250)}))
    vm.apply_inputs(directory=str(folder), satellite=View.EAST, sector=Sector.CONUS, band=13, interval_minutes=0)
    tab = IntegrityCheckTab(view_model=vm)
    qtbot.addWidget(tab)
    tab.show()
    ui = tab.ui
    ui.auto_window.setCurrentIndex(ui.auto_window.findData(1))
    ui.auto_check.click()
    qtbot.waitUntil(lambda: vm.auto_fetch.last is not None, timeout=60000)
    last = vm.auto_fetch.last
    assert last is not None and (last.expected, last.fetched, last.failed) == (8, 8, 0), last.summary()
    assert frame_names(folder) == {
        "goes16_conus_C13_20250407T145100Z.png", "goes16_conus_C13_20250407T145600Z.png",
        *(f"goes19_conus_C13_20250407T15{m:02d}00Z.png" for m in range(1, 30, 5)),
    }  # fmt: skip
    asked = [path.rsplit("/", 1)[1] for path in east.cdn.requests if path.endswith(".jpg")]
    assert asked and all(("_GOES16-" in n) == (n[7:11] < "1500") for n in asked)  # each from its own satellite
    ui.auto_check.click()
    qtbot.waitUntil(lambda: not vm.auto_fetch_active, timeout=10000)
    assert leftovers(folder) == []
