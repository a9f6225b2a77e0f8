#!/usr/bin/env python3
"""Screenshots of the Integrity Check window for the docs, driven end to end against the local NOAA emulator.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshot.py [--out docs]

Saves ``integrity_idle.png`` (folder chosen, before a scan), ``integrity_scan.png`` (after a scan with gaps,
the longest gap selected from the timeline), ``integrity_fetch.png`` (during a fetch), ``integrity_fetched.png``
(after it) and ``integrity_settings.png`` (the settings dialog).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from demo_data import scenario, start_emulator, write_folder
from PyQt6.QtCore import QSettings
from PyQt6.QtWidgets import QApplication, QWidget

from goesvfi.integrity_check.emulator.cdn_server import Fault, FaultKind
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator

ROOT = Path(__file__).resolve().parents[1]


async def until(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        await asyncio.sleep(0.05)


def save(widget: QWidget, path: Path) -> None:
    """Render the widget as it is now (no processEvents here: this runs inside a task on the qasync loop)."""
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    print(f"wrote {path}", file=sys.stderr)


async def shoot(out: Path, folder: Path, emulator: NoaaEmulator, argv: list[str]) -> None:
    from goesvfi.integrity_check.app import MainWindow, _prefill, parse_args

    window = MainWindow()
    window.resize(1360, 880)
    _prefill(window.tab, parse_args(argv))
    window.show()
    tab, vm = window.tab, window.tab.view_model
    await until(lambda: not vm.background_busy and vm.disk_space is not None)
    await asyncio.sleep(0.3)
    save(window, out / "integrity_idle.png")

    tab.ui.scan.click()
    await until(lambda: not vm.busy and vm.digest is not None)
    digest = vm.digest
    assert digest is not None and digest.longest_gap is not None
    index = {slot.timestamp: i for i, slot in enumerate(digest.slots)}
    gap = digest.longest_gap
    tab.select_slots(index[gap.start], index[gap.end])
    await asyncio.sleep(0.3)
    save(window, out / "integrity_scan.png")

    emulator.cdn.inject(Fault(FaultKind.STALL, path="*.jpg", delay=0.6))  # slow enough to catch it mid-way
    tab.ui.fetch.click()
    await until(lambda: vm.progress is not None and vm.progress.stage.value == "fetch" and vm.progress.done >= 6)
    await asyncio.sleep(0.2)
    save(window, out / "integrity_fetch.png")
    await until(lambda: not vm.busy, seconds=180)
    emulator.cdn.clear_faults()
    await asyncio.sleep(0.3)
    save(window, out / "integrity_fetched.png")

    dialog = tab.open_settings()
    await asyncio.sleep(0.3)
    save(dialog, out / "integrity_settings.png")
    dialog.reject()
    window.close()
    await vm.aclose()


def main() -> int:
    import qasync

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
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
        qasync.run(shoot(args.out, folder, emulator, argv))
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
