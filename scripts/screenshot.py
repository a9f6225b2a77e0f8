#!/usr/bin/env python3
"""Screenshots of the Integrity Check window for the docs, driven end to end against the local NOAA emulator.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshot.py [--out docs] [--theme dark]

Saves ``integrity_idle.png`` (folder chosen, before a scan), ``integrity_scan.png`` (after a scan with gaps,
the longest gap selected from the timeline: the preview shows the frames either side of it),
``integrity_fetch.png`` (during a fetch, the table filtered to the missing frames: rows turn Fetched as their
frames are written), ``integrity_fetched.png`` (after it), ``integrity_preview.png`` (a fetched CDN frame in the
preview), ``integrity_damaged.png`` (a frame with a band of empty rows, found by a Verify frames scan: the preview
marks the rows in red), ``integrity_settings.png`` (the settings dialog), ``integrity_auto.png`` (Auto-fetch after
a cycle over the last 6 hours of the scenario, in a fresh copy of the folder, with the clock set to the scenario's
end) and ``integrity_calendar.png`` (a year of 5-minute CONUS frames with outages in the calendar, one day clicked).
``--theme dark`` takes the same screens under GOES-VFI's qt-material dark theme as ``integrity_*_dark.png``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from demo_data import BAND, SATELLITE, SECTOR, Scenario, scenario, start_emulator, write_folder
from PIL import Image, ImageDraw
from PyQt6.QtCore import QSettings, Qt
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QApplication, QWidget

from goesvfi.integrity_check.emulator.cdn_server import Fault, FaultKind
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.results import SlotResult, SlotStatus, Source
from goesvfi.integrity_check.time_index import canonical_name, expected_slots

ROOT = Path(__file__).resolve().parents[1]


async def until(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        await asyncio.sleep(0.05)


SUFFIX = {"standalone": "", "dark": "_dark"}
_theme = "standalone"


def _png(out: Path, stem: str) -> Path:
    """``docs/integrity_scan.png``; under GOES-VFI's dark theme ``docs/integrity_scan_dark.png``."""
    return out / f"{stem}{SUFFIX[_theme]}.png"


def save(widget: QWidget, path: Path) -> None:
    """Render the widget as it is now (no processEvents here: this runs inside a task on the qasync loop)."""
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    print(f"wrote {path}", file=sys.stderr)


async def shoot(out: Path, folder: Path, emulator: NoaaEmulator, argv: list[str]) -> None:
    from goesvfi.integrity_check.gui.app import MainWindow, _prefill, parse_args

    window = MainWindow()
    window.resize(1360, 880)
    _prefill(window.tab, parse_args(argv))
    window.show()
    tab, vm = window.tab, window.tab.view_model
    await until(lambda: not vm.background_busy and vm.disk_space is not None)
    await asyncio.sleep(0.3)
    save(window, _png(out, "integrity_idle"))

    tab.ui.scan.click()
    await until(lambda: not vm.busy and vm.digest is not None)
    digest = vm.digest
    assert digest is not None and digest.longest_gap is not None
    index = {slot.timestamp: i for i, slot in enumerate(digest.slots)}
    gap = digest.longest_gap
    tab.select_slots(index[gap.start], index[gap.end])
    await asyncio.sleep(0.3)
    save(window, _png(out, "integrity_scan"))

    emulator.cdn.inject(Fault(FaultKind.STALL, path="*.jpg", delay=0.6))  # slow enough to catch it mid-way
    tab.ui.filter.setCurrentIndex(1)  # missing and failed: the rows stay while they turn Fetched
    tab.ui.fetch.click()

    def half_way() -> bool:
        counts = vm.digest.counts if vm.digest is not None else {}
        return counts.get(SlotStatus.FETCHED, 0) >= 8 and counts.get(SlotStatus.MISSING, 0) >= 8

    await until(half_way)
    await asyncio.sleep(0.2)
    save(window, _png(out, "integrity_fetch"))
    await until(lambda: not vm.busy, seconds=180)
    emulator.cdn.clear_faults()
    tab.ui.filter.setCurrentIndex(0)
    await asyncio.sleep(0.3)
    save(window, _png(out, "integrity_fetched"))

    digest = vm.digest
    assert digest is not None
    fetched = [i for i, s in enumerate(digest.slots) if s.status is SlotStatus.FETCHED and s.source is Source.CDN]
    tab.select_slots(fetched[len(fetched) // 2], fetched[len(fetched) // 2])
    await until(lambda: tab.ui.preview.preview is not None and tab.ui.preview.preview.has_file)
    await asyncio.sleep(0.3)
    save(window, _png(out, "integrity_preview"))

    damaged = await asyncio.to_thread(damage_a_frame, digest.slots)
    tab.ui.verify.setChecked(True)
    tab.ui.scan.click()
    await until(lambda: not vm.busy and vm.digest is not None and vm.digest.counts.get(SlotStatus.DAMAGED, 0) > 0)
    index = {slot.timestamp: i for i, slot in enumerate(vm.digest.slots)}
    tab.select_slots(index[damaged], index[damaged])
    await until(lambda: tab.ui.preview.preview is not None and tab.ui.preview.preview.slot.timestamp == damaged)
    await asyncio.sleep(0.3)
    save(window, _png(out, "integrity_damaged"))
    tab.ui.verify.setChecked(False)

    dialog = tab.open_settings()
    await asyncio.sleep(0.3)
    save(dialog, _png(out, "integrity_settings"))
    dialog.reject()
    window.close()
    await vm.aclose()


def damage_a_frame(slots: Sequence[SlotResult]) -> datetime:
    """Empty a band of rows of one local frame (a third of the way in), as a decoder that gave up part way would:
    the verify scan calls it damaged and the preview marks its empty rows."""
    local = [s for s in slots if s.status is SlotStatus.PRESENT and s.source is Source.LOCAL and s.path is not None]
    slot = local[len(local) // 3]
    assert slot.path is not None
    with Image.open(slot.path) as image:
        pixels = np.array(image)
    height = pixels.shape[0]
    pixels[int(height * 0.55) : int(height * 0.75)] = 0
    Image.fromarray(pixels).save(slot.path)
    return slot.timestamp


async def shoot_auto(out: Path, case: Scenario, folder: Path) -> None:
    """Auto-fetch over the last 6 h of the scenario (the clock stands at its end plus the 20-minute latency)."""
    from goesvfi.integrity_check.gui.app import MainWindow
    from goesvfi.integrity_check.gui.tab import IntegrityCheckTab
    from goesvfi.integrity_check.gui.view_model import EnhancedViewModel

    clock = case.end + timedelta(minutes=20)
    vm = EnhancedViewModel(now=lambda: clock)
    vm.apply_inputs(directory=str(folder), satellite=SATELLITE, sector=SECTOR, band=BAND)
    window = MainWindow(IntegrityCheckTab(view_model=vm))
    window.resize(1360, 880)
    window.show()
    tab = window.tab
    tab.ui.auto_period.setCurrentIndex(tab.ui.auto_period.findData(10))
    tab.ui.auto_window.setCurrentIndex(tab.ui.auto_window.findData(6))
    tab.ui.auto_check.click()
    await until(lambda: vm.auto_fetch.last is not None, seconds=180)
    await until(lambda: not vm.background_busy)
    await asyncio.sleep(0.3)
    save(window, _png(out, "integrity_auto"))
    window.close()
    await vm.aclose()


def write_year(folder: Path) -> tuple[datetime, datetime]:
    """A year of 5-minute CONUS frames (small PNGs, hard-linked) with realistic outages: a
    week away, a few dark days, some lost hours and scattered single frames."""
    import random

    start, end = datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    folder.mkdir(parents=True, exist_ok=True)
    samples: dict[int, Path] = {}  # one small PNG per month, hard-linked under each of its names

    def sample(month: int) -> Path:
        if month not in samples:
            samples[month] = folder.parent / f"sample-{month:02d}.png"
            ramp = np.add.outer(np.arange(150), np.arange(250)) // 4 + 40 + 8 * month  # whole: not one colour
            image = Image.fromarray(np.clip(ramp, 0, 255).astype(np.uint8), "L")
            ImageDraw.Draw(image).text((10, 65), f"local frame, 2025-{month:02d} (calendar demo)", fill=235)
            image.save(samples[month])
        return samples[month]

    rng = random.Random(3)
    away = {(datetime(2025, 7, 14, tzinfo=UTC) + timedelta(days=d)).date() for d in range(8)}
    dark = {datetime(2025, m, d, tzinfo=UTC).date() for m, d in ((2, 11), (3, 3), (9, 22), (11, 5), (11, 6))}
    lost_hours = {(rng.randrange(365), rng.randrange(24)) for _ in range(60)}
    for slot in expected_slots(SECTOR, start, end):
        day = (slot - start).days
        if slot.date() in away or slot.date() in dark or (day, slot.hour) in lost_hours or rng.random() < 0.0004:
            continue
        if day % 31 == 9 and slot.hour < 6 * (day % 5):  # a few mornings partly lost
            continue
        os.link(sample(slot.month), folder / canonical_name(SATELLITE, SECTOR, BAND, slot))
    return start, end


async def shoot_calendar(out: Path, folder: Path) -> None:
    from goesvfi.integrity_check.gui.app import MainWindow
    from goesvfi.integrity_check.gui.widgets.calendar import DAYS

    start, end = await asyncio.to_thread(write_year, folder)
    QSettings().remove("integrity_check/auto")  # the Auto-fetch shot left it on: it would resume here
    window = MainWindow()
    window.resize(1360, 880)
    window.show()
    tab, vm = window.tab, window.tab.view_model
    vm.apply_inputs(directory=str(folder), satellite=SATELLITE, sector=SECTOR, band=BAND, start=start, end=end)
    vm.inputs.set_check_noaa(False)  # the emulator holds 2026 only: asked, it would call every 2025 gap "not at NOAA"
    await until(lambda: not vm.background_busy)
    tab.ui.scan.click()
    await until(lambda: not vm.busy and vm.digest is not None, seconds=180)
    tab.ui.show_calendar.click()
    calendar = tab.ui.calendar.calendar
    calendar.set_mode(DAYS)
    await asyncio.sleep(0.3)
    cell = calendar.cell_rect(int(datetime(2025, 9, 22, tzinfo=UTC).timestamp()))  # a dark day
    assert cell is not None
    QTest.mouseClick(calendar, Qt.MouseButton.LeftButton, pos=cell.center())
    await until(lambda: tab.ui.preview.preview is not None)
    await asyncio.sleep(0.5)
    save(window, _png(out, "integrity_calendar"))
    window.close()
    await vm.aclose()


async def shoot_all(out: Path, case: Scenario, folder: Path, emulator: NoaaEmulator, argv: list[str]) -> None:
    await shoot(out, folder, emulator, argv)
    await shoot_auto(out, case, write_folder(case, folder.with_name(folder.name + "-auto")))
    await shoot_calendar(out, folder.with_name("goes18-year"))


def main() -> int:
    import qasync

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument(
        "--theme",
        choices=sorted(SUFFIX),
        default="standalone",
        help="standalone: the platform's style (docs/integrity_*.png); dark: GOES-VFI's qt-material dark_blue "
        "theme, as inside GOES-VFI (docs/integrity_*_dark.png)",
    )
    args = parser.parse_args()
    global _theme
    _theme = args.theme
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="goesvfi-shots-"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "settings"))
    os.environ["GOESVFI_CACHE_DIR"] = str(work / "cache")
    case = scenario()
    emulator = start_emulator(case)
    try:
        folder = write_folder(case, work / "goes18-conus")
        argv = ["--directory", str(folder), "--satellite", "goes18", "--sector", "conus",
                "--start", case.start.isoformat(), "--end", case.end.isoformat()]  # fmt: skip
        app = QApplication(sys.argv[:1])
        app.setOrganizationName("GOES-VFI")
        app.setApplicationName("Integrity Check screenshots")
        app.setQuitOnLastWindowClosed(False)
        if args.theme == "dark":
            import qt_material

            qt_material.apply_stylesheet(app, theme="dark_blue.xml")  # GOES-VFI's default theme
        qasync.run(shoot_all(args.out, case, folder, emulator, argv))
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
