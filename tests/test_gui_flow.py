"""The whole tab against the local NOAA emulator: Scan -> Fetch Missing -> Export CSV, cancel, a store that is down.

Real widgets (offscreen), a real qasync loop, the real ReconcileManager with its CDN and S3 stores talking to
the emulator's aiohttp and moto servers on 127.0.0.1, a real SQLite cache, real PNG files.
"""

from __future__ import annotations

import csv
import socket
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import platformdirs
import pytest
from PIL import Image
from PyQt6.QtCore import Qt

from goesvfi.integrity_check.emulator.cdn_server import Fault, FaultKind
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.gui.preferences import Preferences
from goesvfi.integrity_check.gui.tab import IntegrityCheckTab
from goesvfi.integrity_check.gui.view_model import EnhancedViewModel
from goesvfi.integrity_check.report import CSV_COLUMNS
from goesvfi.integrity_check.results import SlotStatus
from tests.flow_support import END, GAPS, SAT, SECTOR, SLOTS, START, folder_names, write_folder
from tests.names_support import png_name


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def make_flow(qtbot, qt_settings, qloop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def make(now: datetime, env: dict[str, str], check_noaa: bool = False) -> tuple[IntegrityCheckTab, Path]:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        vm = EnhancedViewModel(cache_path=tmp_path / "cache.db", now=lambda: now)
        tab = IntegrityCheckTab(view_model=vm)
        qtbot.addWidget(tab)
        tab.show()
        folder = write_folder(tmp_path / "frames", GAPS)
        tab.ask_directory = lambda _parent, _current: str(folder)
        qtbot.mouseClick(tab.ui.browse, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: tab.ui.satellite.currentData() is SAT and not vm.runner.background_busy, timeout=5000)
        tab.ui.start.set_utc(START)
        tab.ui.end.set_utc(END)
        tab.ui.check_noaa.setChecked(check_noaa)
        with qtbot.waitSignal(tab.scan_completed, timeout=20000) as scanned:
            qtbot.mouseClick(tab.ui.scan, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not vm.busy, timeout=5000)
        if check_noaa:
            return tab, folder
        assert scanned.args[0].missing == GAPS
        assert tab.ui.fetch.isEnabled()
        return tab, folder

    return make


@pytest.mark.slow
def test_scan_fetch_export_against_the_emulator(
    qtbot, make_flow: Callable[..., tuple[IntegrityCheckTab, Path]], noaa_emulator_factory, tmp_path: Path
) -> None:
    # Now is one hour short of 7 days after the range's end: its first hour is S3-only, its second on the CDN.
    now = END + timedelta(days=7) - timedelta(hours=1)
    emulator: NoaaEmulator = noaa_emulator_factory(start=START, end=END, now=now, missing_fraction=0.1, seed=3)
    tab, folder = make_flow(now, emulator.env())
    cutoff = now - timedelta(days=7)
    assert all(slot < cutoff for slot in GAPS[:4]) and all(slot >= cutoff for slot in GAPS[4:])
    unavailable = set(GAPS) & set(emulator.missing_everywhere)

    with qtbot.waitSignal(tab.fetch_completed, timeout=60000) as fetched:
        qtbot.mouseClick(tab.ui.fetch, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.view_model.busy, timeout=5000)
    slots = {s.timestamp: s for s in fetched.args[0]}
    assert len(slots) == len(SLOTS)
    for slot in GAPS:
        result = slots[slot]
        if slot in unavailable:  # every listing read, none has it: not a failure
            assert result.status is SlotStatus.UNAVAILABLE and result.error
            continue
        assert result.status is SlotStatus.FETCHED, (slot, result.error)
        expected_source = "cdn" if slot >= cutoff and slot in emulator.cdn_slots else "s3"
        assert result.source is not None and result.source.value == expected_source, slot
        png = folder / png_name(SAT, SECTOR, 13, slot)
        assert result.path == png
        with Image.open(png) as image:
            assert image.format == "PNG" and image.size[0] > 0
    present_before = {png_name(SAT, SECTOR, 13, s) for s in SLOTS if s not in GAPS}
    fetched_names = {png_name(SAT, SECTOR, 13, s) for s in GAPS if s not in unavailable}
    assert folder_names(folder) == present_before | fetched_names  # nothing else: no temp or partial files
    counts = tab.ui.timeline.counts()
    assert counts[SlotStatus.FETCHED] == len(GAPS) - len(unavailable)
    assert "Fetched <b" in tab.ui.summary.text()

    report = tmp_path / "reports" / "report.csv"
    report.parent.mkdir()
    offered: list[str] = []
    tab.ask_csv_path = lambda _parent, suggested: offered.append(suggested) or str(report)
    with qtbot.waitSignal(tab.view_model.export_completed, timeout=10000):
        qtbot.mouseClick(tab.ui.export, Qt.MouseButton.LeftButton)
    # Offered outside the frames folder (a demo's is deleted when the window closes): documents, else home.
    documents = Path(platformdirs.user_documents_dir())
    assert Path(offered[0]).parent == (documents if documents.is_dir() else Path.home())
    assert Path(offered[0]).name.startswith("integrity_goes18_conus_C13_") and folder not in Path(offered[0]).parents
    with report.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == len(SLOTS)
    by_time = {row["timestamp"]: row for row in rows}
    for slot in SLOTS:
        row = by_time[slot.strftime("%Y-%m-%dT%H:%M:%SZ")]
        assert row["satellite"] == "goes18" and row["sector"] == "conus" and row["band"] == "13"
        if slot not in GAPS:
            assert row["status"] == "present" and row["look"] == "ok"  # one look in the folder
        elif slot in unavailable:
            assert row["status"] == "unavailable" and row["error"] and row["look"] == ""
        else:
            assert row["status"] == "fetched" and row["source"] in ("cdn", "s3") and row["remote"]
            assert Path(row["local_path"]).name == png_name(SAT, SECTOR, 13, slot)
            assert row["look"] == "ok"  # as the command line writes it: fetched frames have the folder's look
    tab.ask_csv_path = lambda _parent, suggested: offered.append(suggested) or ""  # the dialog cancelled
    qtbot.mouseClick(tab.ui.export, Qt.MouseButton.LeftButton)
    assert offered[1] == str(report.parent / Path(offered[0]).name)  # the last export's folder next time

    with qtbot.waitSignal(tab.scan_completed, timeout=20000) as rescanned:
        qtbot.mouseClick(tab.ui.scan, Qt.MouseButton.LeftButton)
    assert set(rescanned.args[0].missing) == unavailable


@pytest.mark.slow
def test_cancel_during_a_fetch_leaves_nothing_partial(
    qtbot, make_flow: Callable[..., tuple[IntegrityCheckTab, Path]], noaa_emulator_factory
) -> None:
    now = END + timedelta(hours=1)  # every slot is on the CDN
    emulator: NoaaEmulator = noaa_emulator_factory(start=START, end=END, now=now, missing_fraction=0.0)
    emulator.cdn.inject(Fault(FaultKind.STALL, path="*.jpg", delay=3.0))
    tab, folder = make_flow(now, emulator.env())
    before = folder_names(folder)

    qtbot.mouseClick(tab.ui.fetch, Qt.MouseButton.LeftButton)
    assert tab.ui.cancel.isEnabled() and not tab.ui.scan.isEnabled() and not tab.ui.fetch.isEnabled()
    qtbot.waitUntil(lambda: emulator.cdn.request_count("*.jpg") > 0, timeout=10000)  # downloads are under way
    qtbot.mouseClick(tab.ui.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.view_model.busy, timeout=10000)

    assert tab.ui.status.text() == "Fetch cancelled."
    assert folder_names(folder) == before  # no partial frame, no temp file
    assert tab.ui.scan.isEnabled() and tab.ui.fetch.isEnabled() and tab.ui.export.isEnabled()
    assert not tab.ui.cancel.isEnabled()
    assert tab.ui.progress.format() == "Idle"


def test_a_store_that_is_down_is_a_clear_message(
    qtbot, make_flow: Callable[..., tuple[IntegrityCheckTab, Path]]
) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    now = END + timedelta(days=1)  # the first hour from the CDN, all of it from S3 as a fallback
    tab, _folder = make_flow(now, {"GOESVFI_CDN_URL": down, "GOESVFI_S3_ENDPOINT": down})
    vm = tab.view_model
    prefs = vm.preferences
    vm.set_preferences(Preferences(replace(prefs.fetch, retries=0, timeout=2.0), prefs.cdn_sizes))
    with qtbot.waitSignal(tab.fetch_completed, timeout=60000) as fetched:
        qtbot.mouseClick(tab.ui.fetch, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not vm.busy, timeout=5000)
    assert all(s.status is not SlotStatus.FETCHED for s in fetched.args[0])
    log = tab.ui.log.toPlainText()
    assert "Traceback" not in log and "Traceback" not in tab.ui.status.text()
    failed = [s for s in fetched.args[0] if s.timestamp in GAPS]
    assert all(s.error for s in failed)
    assert failed[0].error in log
    assert tab.ui.status.text() == f"Could not fetch any of the {len(GAPS)} missing frames: the activity log says why."
    assert tab.ui.fetch.isEnabled()  # the user can retry once the store is back


@pytest.mark.slow
def test_check_noaa_tells_missing_from_never_produced(
    qtbot, make_flow: Callable[..., tuple[IntegrityCheckTab, Path]], noaa_emulator_factory
) -> None:
    """Check NOAA: gaps NOAA never had are 'Not at NOAA' (own colour, filter entry), the rest stay missing."""
    now = END + timedelta(days=7) - timedelta(hours=1)
    never = [GAPS[0], GAPS[5]]  # one outside the CDN window (S3 only), one inside: absent on both sides
    emulator: NoaaEmulator = noaa_emulator_factory(
        start=START, end=END, now=now, missing_fraction=0.0, s3_absent=never, cdn_absent=never
    )
    tab, _folder = make_flow(now, emulator.env(), check_noaa=True)
    scan = tab.view_model.shown.scan
    assert scan is not None and scan.availability_checked is True
    assert sorted(scan.unavailable) == never and scan.missing == [g for g in GAPS if g not in never]
    counts = tab.ui.timeline.counts()
    assert counts[SlotStatus.UNAVAILABLE] == 2 and counts[SlotStatus.MISSING] == len(GAPS) - 2
    assert "Not at NOAA <b" in tab.ui.summary.text()
    labels = [tab.ui.filter.itemText(i) for i in range(tab.ui.filter.count())]
    assert "Not at NOAA" in labels
    tab.ui.filter.setCurrentIndex(labels.index("Not at NOAA"))
    assert tab.ui.table.model().rowCount() == 2

    with qtbot.waitSignal(tab.fetch_completed, timeout=60000) as fetched:
        qtbot.mouseClick(tab.ui.fetch, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.view_model.busy, timeout=5000)
    slots = {s.timestamp: s for s in fetched.args[0]}
    assert [t for t, s in slots.items() if s.status is SlotStatus.UNAVAILABLE] == never
    assert sum(s.status is SlotStatus.FETCHED for s in slots.values()) == len(GAPS) - 2
    assert emulator.cdn.request_count(f"*{never[1]:%Y%j%H%M}*.jpg") == 0  # never asked for
