"""Issue 24: the tab's Auto-fetch alert field. The URLs are checked and saved; a cycle's alert reaches a local
receiver on 127.0.0.1 (a stdlib HTTP server in a thread, stopped at the end), and the cycle leaves the record
``goesvfi-integrity status`` reads.

Scenario (tests/test_gui_auto_fetch.py): GOES-18 CONUS on the emulator, the clock at 01:30, a 1 h window. The disk
guard is set above any disk's free space, so the cycle's disk event fires.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PyQt6.QtCore import QSettings

from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.gui.preferences import Preferences
from goesvfi.integrity_check.gui.tab import IntegrityCheckTab
from goesvfi.integrity_check.gui.view_model import EnhancedViewModel
from goesvfi.integrity_check.time_index import Sector
from goesvfi.integrity_check.watch_record import WatchProduct, read_record
from tests.tab_support import make_tab
from tests.watch_support import DAY, G18, hm


class Hooks:
    def __init__(self) -> None:
        self.bodies: list[dict[str, object]] = []
        self.arrived = threading.Event()


@pytest.fixture
def hooks() -> Iterator[tuple[str, Hooks]]:
    got = Hooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            got.bodies.append(json.loads(self.rfile.read(length)))
            got.arrived.set()
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", got
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_the_alert_field_is_checked_and_saved(qtbot, qt_settings, qloop, tmp_path: Path) -> None:
    first = make_tab(qtbot, tmp_path)
    ui, vm = first.ui, first.view_model
    assert ui.auto_notify.text() == "" and vm.auto_fetch.notify == ()
    ui.auto_notify.setText("ftp://nope.example.org/x")
    ui.auto_notify.editingFinished.emit()
    assert vm.auto_fetch.notify == () and "Auto-fetch alerts" in ui.status.text()
    ui.auto_notify.setText("https://ntfy.sh/my-goes  https://hooks.example.org/goes")
    ui.auto_notify.editingFinished.emit()
    assert vm.auto_fetch.notify == ("https://ntfy.sh/my-goes", "https://hooks.example.org/goes")
    assert QSettings().value("integrity_check/auto/notify") == "https://ntfy.sh/my-goes https://hooks.example.org/goes"

    second = make_tab(qtbot, tmp_path)
    assert second.ui.auto_notify.text() == "https://ntfy.sh/my-goes https://hooks.example.org/goes"


class StoppedClock:
    """``now()`` at a fixed time, and a ``sleep`` that never ends (one cycle, then Auto-fetch waits)."""

    def __init__(self, start: datetime) -> None:
        self.t = start

    def __call__(self) -> datetime:
        return self.t

    async def sleep(self, seconds: float) -> None:
        await asyncio.Event().wait()


@pytest.mark.slow
def test_an_auto_fetch_cycle_alerts_and_leaves_the_status_record(
    qtbot,
    qt_settings,
    qloop,
    noaa_env_factory: Callable[..., NoaaEmulator],
    hooks: tuple[str, Hooks],
    tmp_path: Path,
    folder: Path,
) -> None:
    noaa_env_factory(satellite=G18, start=DAY, end=DAY + timedelta(hours=3), seed=26, cdn_sizes=[(416, 250)])
    url, got = hooks
    clock = StoppedClock(hm("01:30"))
    vm = EnhancedViewModel(cache_path=tmp_path / "cache.db", now=clock, sleep=clock.sleep)
    prefs = vm.preferences
    fetch = replace(prefs.fetch, retries=1, backoff_base=0.01, backoff_max=0.05, disk_threshold=2**62)
    vm.set_preferences(Preferences(fetch, {**prefs.cdn_sizes, Sector.CONUS: (416, 250)}))
    vm.apply_inputs(directory=str(folder), satellite=G18, sector=Sector.CONUS, band=13, interval_minutes=0)
    tab = IntegrityCheckTab(view_model=vm)
    qtbot.addWidget(tab)
    tab.show()
    ui = tab.ui
    ui.auto_window.setCurrentIndex(ui.auto_window.findData(1))
    ui.auto_notify.setText(url)
    ui.auto_notify.editingFinished.emit()
    ui.auto_check.click()
    qtbot.waitUntil(lambda: vm.auto_fetch.last is not None, timeout=30000)
    qtbot.waitUntil(got.arrived.is_set, timeout=15000)
    (body,) = got.bodies
    assert body["event"] == "disk" and body["status"] == "firing"
    assert body["product"] == {"satellite": "goes18", "sector": "conus", "band": "13", "folder": str(folder)}
    assert body["time"] == "2023-05-01T01:30:00Z"
    record = read_record(WatchProduct(G18, Sector.CONUS, 13, folder))
    assert record is not None and record.started == hm("01:30") and record.next_run == hm("01:40")
    ui.auto_check.click()
    qtbot.waitUntil(lambda: not vm.auto_fetch_active, timeout=10000)
