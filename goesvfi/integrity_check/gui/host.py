"""The tab inside a host application (GOES-VFI): its settings, its logging, its slots, its event loop.

What GOES-VFI's code does (checked on its main branch; INTEGRATION.md names the commit):

- Settings: ``MainWindow`` keeps one ``QSettings(org, app)`` as ``main_window.settings`` (the application's names,
  ``goes-vfi`` / ``GOES_VFI_App`` when started by ``launch_gui.sh``, else ``GOES_VFI`` / ``GOES_VFI_App``).
  :func:`create_tab` gives the tab that object, so its keys land in the host's file under ``integrity_check/``.
- Logging: ``goesvfi.utils.log.get_logger(name)`` attaches one shared (colour) handler to each named logger and
  sets the level from GOES-VFI's config; the root logger has no handler. A logger nobody passed through it
  (ours: ``logging.getLogger(__name__)``) reaches no handler, so INFO lines vanish. :func:`attach_host_logging`
  passes the package logger ``goesvfi.integrity_check`` through the host's factory once; every module logger
  below it propagates to that handler, at the host's level.
- Event loop: GOES-VFI runs ``app.exec()`` (``launch_gui.sh``); the tab's work is asyncio, so
  :func:`run_host_window` runs the host's window on a qasync loop and, when the last window has closed, closes
  every Integrity Check tab (cancel work, stop Auto-fetch keeping its saved state, close the cache).

Nothing here imports GOES-VFI: its window, logger factory and slots are passed in, or looked up by name.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QSettings
from PyQt6.QtWidgets import QApplication, QWidget

from goesvfi.integrity_check.gui.shutdown_signals import quit_on_signals
from goesvfi.integrity_check.gui.tab import IntegrityCheckTab
from goesvfi.integrity_check.gui.view_model import EnhancedViewModel
from goesvfi.integrity_check.gui.workers import install_worker_pool

PACKAGE_LOGGER = "goesvfi.integrity_check"
AUTO_FETCH_KEY = "integrity_check/auto/enabled"  # documented in INTEGRATION.md's settings table
HOST_LOG_MODULE = "goesvfi.utils.log"  # GOES-VFI's logging helper (get_logger attaches its handler)
LoggerFactory = Callable[[str], logging.Logger]
log = logging.getLogger(__name__)


def host_logger_factory() -> LoggerFactory | None:
    """GOES-VFI's ``get_logger`` when this package runs inside GOES-VFI; None standalone."""
    try:
        module = importlib.import_module(HOST_LOG_MODULE)
    except ImportError:
        return None
    factory = getattr(module, "get_logger", None)
    return factory if callable(factory) else None


def attach_host_logging(factory: LoggerFactory | None = None) -> logging.Logger:
    """Let every logger of this package reach the host's handlers; returns the package logger.

    ``factory`` is the host's "logger with our handler" function (default: GOES-VFI's ``get_logger``, found
    by :func:`host_logger_factory`). Without a host, nothing changes: the standalone window and the command
    line configure the root logger themselves. Calling it again is harmless (the host's factory adds its
    handler once).
    """
    factory = factory if factory is not None else host_logger_factory()
    if factory is None:
        return logging.getLogger(PACKAGE_LOGGER)
    logger = factory(PACKAGE_LOGGER)
    logger.propagate = True  # a host that also configures the root logger still sees our records there
    return logger


def create_tab(
    parent: QWidget | None = None,
    *,
    settings: QSettings | None = None,
    logger_factory: LoggerFactory | None = None,
) -> IntegrityCheckTab:
    """The tab as a host builds it: the host's QSettings (keys under ``integrity_check/``), the host's logging.

    ``settings`` None: ``QSettings()``, i.e. the application's organisation and application names.
    """
    attach_host_logging(logger_factory)
    view_model = EnhancedViewModel(settings=settings)
    tab = IntegrityCheckTab(parent, view_model=view_model)
    view_model.setParent(tab)  # one lifetime: the view model goes with its tab
    return tab


def auto_fetch_saved_on(settings: QSettings | None = None) -> bool:
    """Whether Auto-fetch was on when the host last closed: then the host builds the tab at start (GOES-VFI
    builds its tabs on first click), so that Auto-fetch resumes without the user opening the tab."""
    value = (settings if settings is not None else QSettings()).value(AUTO_FETCH_KEY)
    return str(value).lower() in ("true", "1")  # INI and native formats store the bool as text or as a bool


def connect_host(
    tab: IntegrityCheckTab,
    *,
    set_input_directory: Callable[[Path], Any] | None = None,
    refresh_frames: Callable[[], Any] | None = None,
    input_directory: Callable[[], Path | str | None] | None = None,
) -> None:
    """Wire the tab's signals to the host's slots.

    - ``set_input_directory(Path)``: the folder the user chose in the tab becomes the host's input folder
      (GOES-VFI: ``main_window._set_in_dir_from_sorter``, the slot its sorter tabs use).
    - ``refresh_frames()``: called after a fetch (or an Auto-fetch cycle) wrote frames into the host's input
      folder (GOES-VFI: ``main_window.request_previews_update.emit``). With ``input_directory`` given, only when
      the tab's folder is that folder.
    """
    if set_input_directory is not None:
        slot = set_input_directory

        def on_directory(directory: str) -> None:
            if directory.strip():
                slot(Path(directory).expanduser())

        tab.directory_selected.connect(on_directory)
    if refresh_frames is not None:
        refresh = refresh_frames

        def on_fetch(_slots: object) -> None:
            current = input_directory() if input_directory is not None else None
            if current is None or _same_folder(current, tab.view_model.inputs.directory):
                refresh()

        tab.fetch_completed.connect(on_fetch)


def _same_folder(a: Path | str, b: Path | str) -> bool:
    if not str(a).strip() or not str(b).strip():
        return False
    try:
        return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()
    except OSError:
        return False


async def close_tabs(root: QWidget | None = None) -> int:
    """Close every Integrity Check tab under ``root`` (None: every top-level widget); returns how many.

    Each stops Auto-fetch (its saved state stays: it resumes when the tab is built next time), cancels running
    work and closes its cache. A tab that was never built (GOES-VFI builds tabs on first click) has nothing to
    close.
    """
    roots = [root] if root is not None else list(QApplication.topLevelWidgets())
    tabs: list[IntegrityCheckTab] = []
    for widget in roots:
        if isinstance(widget, IntegrityCheckTab):
            tabs.append(widget)
        tabs.extend(widget.findChildren(IntegrityCheckTab))
    for tab in dict.fromkeys(tabs):  # each once, in order
        await tab.view_model.aclose()
    return len(tabs)


def run_host_window(
    make_window: Callable[[], QWidget],
    *,
    organization: str,
    application: str,
    argv: Sequence[str] | None = None,
) -> int:
    """Run a host's main window on a qasync loop until its last window closes; then close the tabs. Exit code.

    ``organization`` / ``application`` are the host's QSettings names (GOES-VFI: ``goes-vfi`` /
    ``GOES_VFI_App``, as its ``launch_gui.sh`` sets them), set before the window is built. ``argv``: the
    QApplication's arguments, program name first (default ``sys.argv``).
    """
    import qasync

    app = QApplication.instance() or QApplication(list(argv) if argv is not None else sys.argv)
    assert isinstance(app, QApplication)
    app.setOrganizationName(organization)
    app.setApplicationName(application)
    app.setQuitOnLastWindowClosed(False)  # the coroutine below ends the loop after the tabs are closed
    attach_host_logging()

    async def run() -> None:
        install_worker_pool()  # worker threads below the GUI thread's priority
        window = make_window()
        closed = asyncio.Event()
        app.lastWindowClosed.connect(closed.set)
        quit_on_signals(app, app.closeAllWindows)  # the host saves its settings in closeEvent
        window.show()
        await closed.wait()
        count = await close_tabs(window)
        log.info("Closed %d Integrity Check tab(s); exiting", count)
        window.deleteLater()

    try:
        qasync.run(run())
    except KeyboardInterrupt:
        return 130
    return 0
