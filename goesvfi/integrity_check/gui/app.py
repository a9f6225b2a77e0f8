"""The standalone window: a QMainWindow whose QTabWidget hosts the Integrity Check tab, as GOES-VFI does.

``main()`` starts Qt with a qasync event loop (the view model's tasks run on it), restores the window's
geometry, routes any exception nobody caught to the tab's status line and log (never a traceback dialog),
and on close cancels running work and closes the cache before exiting.

``python -m goesvfi.integrity_check.gui.app --directory DIR --start 2026-11-27T00:00 --end ... --satellite goes18``
pre-fills the tab.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from PyQt6.QtCore import QByteArray, QSettings, pyqtSignal
from PyQt6.QtGui import QCloseEvent, QIcon
from PyQt6.QtWidgets import QApplication, QMainWindow, QMessageBox, QTabWidget

from goesvfi.integrity_check.gui.shutdown_signals import quit_on_signals
from goesvfi.integrity_check.gui.tab import IntegrityCheckTab
from goesvfi.integrity_check.gui.workers import install_worker_pool
from goesvfi.integrity_check.runtime import PROG, has_display, tune_malloc
from goesvfi.integrity_check.safe_text import SafeLogFormatter
from goesvfi.integrity_check.time_index import SatellitePattern, Sector, to_utc

APP_TITLE = "GOES-VFI Integrity Check"
ORGANIZATION = "GOES-VFI"
APPLICATION = "Integrity Check"
RESOURCES = Path(__file__).resolve().parent / "icons"
ICON_FILES = ("integrity_check.svg", "integrity_check.png")
DEFAULT_SIZE = (1360, 900)
GEOMETRY_KEY = "integrity_check/window/geometry"
GIL_SWITCH_INTERVAL = 0.0005  # seconds (Python's default is 0.005)
log = logging.getLogger(__name__)


def configure_runtime() -> None:
    """Tune glibc's malloc (arenas capped, frame buffers kept mapped) and make Python hand the GIL back to the GUI
    thread after 0.5 ms, not 5 ms.

    Called before Qt and any worker thread start. The window fetches like the ``fetch`` and ``watch`` commands
    (for hours, with Auto-fetch), decoding frames in worker threads, so it tunes malloc the same way
    (:func:`..runtime.tune_malloc`): its memory stays flat instead of growing by a freed frame per thread.

    The core walks folders, builds result digests and renders frames in worker threads; each time Qt calls into
    Python (a timer, a repaint asking the table model for data) the GUI thread waits for the GIL, up to one
    switch interval. Measured with ``scripts/bench_ui.py``: the longest stalls of a 100,000-file scan drop by
    about a third. The cost is a little more thread switching, which these I/O-bound workers do not notice.
    """
    tune_malloc()
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)


def app_icon() -> QIcon:
    icon = QIcon()
    for name in ICON_FILES:
        path = RESOURCES / name
        if path.is_file():
            icon.addFile(str(path))
    return icon


class MainWindow(QMainWindow):
    """Hosts the tab in a QTabWidget; remembers its geometry; asks before quitting during a fetch."""

    closing = pyqtSignal()

    def __init__(self, tab: IntegrityCheckTab | None = None, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setObjectName("integrityMainWindow")
        self.setWindowTitle(APP_TITLE)
        self.setWindowIcon(app_icon())
        self._settings = settings if settings is not None else QSettings()
        self._asking = True  # ask before quitting during a scan or fetch
        self.tab = tab if tab is not None else IntegrityCheckTab()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.tab, "Integrity Check")
        self.setCentralWidget(self.tabs)
        self.resize(*DEFAULT_SIZE)
        geometry = self._settings.value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)

    def quit_now(self) -> None:
        """Close without asking, cancelling any running task (Ctrl-C, SIGTERM)."""
        self._asking = False
        self.tab.view_model.cancel()
        self.close()

    def closeEvent(self, event: QCloseEvent | None) -> None:
        if event is None:
            return
        vm = self.tab.view_model
        if vm.can_cancel and self._asking:
            answer = QMessageBox.question(
                self,
                APP_TITLE,
                f"A {vm.task.value} is running. Cancel it and quit?\n\nNothing half-written is left behind.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            vm.cancel()
        self._settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self._settings.sync()
        event.accept()
        self.closing.emit()


def _utc(text: str) -> datetime:
    try:
        return to_utc(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date-time (2026-11-27T00:00)") from exc


def _satellite(text: str) -> SatellitePattern:
    try:
        return SatellitePattern.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _sector(text: str) -> Sector:
    try:
        return Sector.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="goesvfi-integrity gui", description=f"Start the {APP_TITLE} window.")
    parser.add_argument("--directory", help="pre-fill the folder")
    parser.add_argument("--start", type=_utc, help="pre-fill the start (UTC, ISO 8601)")
    parser.add_argument("--end", type=_utc, help="pre-fill the end (UTC, ISO 8601)")
    parser.add_argument("--satellite", type=_satellite, help="goes16, goes17, goes18 or goes19")
    parser.add_argument("--sector", type=_sector, help="conus, fd, m1 or m2")
    parser.add_argument("--band", type=int)
    parser.add_argument("--interval", type=int, help="minutes between frames (0 = auto)")
    return parser.parse_args(list(argv))


def _install_exception_routes(window: MainWindow, loop: asyncio.AbstractEventLoop) -> None:
    """Exceptions nobody caught become a message in the tab and a log record, instead of an abort."""
    vm = window.tab.view_model

    def excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.error("Uncaught exception", exc_info=(kind, exc, tb))
        if isinstance(exc, Exception):
            vm.report_exception(exc)

    def loop_handler(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        log.error("Event-loop error: %s", context.get("message"), exc_info=exc)
        if isinstance(exc, Exception):
            vm.report_exception(exc)

    sys.excepthook = excepthook
    loop.set_exception_handler(loop_handler)


def _prefill(tab: IntegrityCheckTab, args: argparse.Namespace) -> None:
    tab.view_model.apply_inputs(
        directory=args.directory,
        satellite=args.satellite,
        sector=args.sector,
        band=args.band,
        interval_minutes=args.interval,
        start=args.start,
        end=args.end,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the window until it is closed; ``argv`` holds the options above (None: none)."""
    import qasync

    args = parse_args(argv or [])
    if QApplication.instance() is None and not (has_display() or os.environ.get("QT_QPA_PLATFORM")):
        print(
            f"{PROG}: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are not set). Run it in a "
            f"desktop session or under xvfb-run, or use the command line: {PROG} scan|fetch|watch --help",
            file=sys.stderr,
        )
        return 2
    configure_runtime()
    handler = logging.StreamHandler()  # log lines carry file names and server messages: shown escaped
    handler.setFormatter(SafeLogFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "goesvfi-integrity"])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APP_TITLE)
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)  # the loop ends when the window's close has been handled

    async def run() -> None:
        install_worker_pool()  # worker threads below the GUI thread's priority
        window = MainWindow()
        _install_exception_routes(window, asyncio.get_running_loop())
        _prefill(window.tab, args)
        closed = asyncio.Event()
        window.closing.connect(closed.set)
        quit_on_signals(window, window.quit_now)  # Ctrl-C and SIGTERM quit cleanly
        window.show()
        await closed.wait()
        await window.tab.view_model.aclose()
        window.deleteLater()

    previous_hook = sys.excepthook
    try:
        qasync.run(run())
    except KeyboardInterrupt:
        return 130
    finally:
        sys.excepthook = previous_hook
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
