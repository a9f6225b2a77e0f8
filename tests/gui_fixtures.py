"""pytest fixtures for the GUI tests: a qasync loop on pytest-qt's QApplication and private QSettings.

Registered for every test with ``pytest_plugins`` in ``tests/conftest.py``: a test just names them. Tests never
touch the user's real settings or cache: QSettings go to an INI file under ``tmp_path`` and ``GOESVFI_CACHE_DIR``
points there too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from PyQt6.QtCore import QSettings
from PyQt6.QtWidgets import QApplication


@pytest.fixture
def qt_settings(tmp_path: Path, qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private settings location (INI files under ``tmp_path/settings``); yields that folder."""
    folder = tmp_path / "settings"
    folder.mkdir()
    old_format = QSettings.defaultFormat()
    old_names = (qapp.organizationName(), qapp.applicationName())
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, str(folder / "system"))
    qapp.setOrganizationName("GOES-VFI-Tests")
    qapp.setApplicationName("integrity-check-tests")
    monkeypatch.setenv("GOESVFI_CACHE_DIR", str(tmp_path / "cache"))
    # The tab's "Check NOAA" is on by default (a scan reads NOAA's listings); tests opt in with the emulator
    # (test_gui_flow's availability test) so that no test asks the real NOAA.
    QSettings().setValue("integrity_check/ui/check_noaa", 0)
    monkeypatch.setenv("GOESVFI_ARCHIVE_DIR", str(tmp_path / "GOES"))  # the default folder, never the real ~/GOES
    yield folder
    QSettings.setDefaultFormat(old_format)
    qapp.setOrganizationName(old_names[0])
    qapp.setApplicationName(old_names[1])


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync event loop on the running QApplication: tasks run while qtbot waits."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        deadline = time.monotonic() + 10
        while any(not task.done() for task in pending) and time.monotonic() < deadline:
            qapp.processEvents()
            time.sleep(0.002)
        # Not loop.stop(): it calls QApplication.exit(), which would end the next test's waits early.
        loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
        asyncio.events._set_running_loop(None)
        loop.close()
        asyncio.set_event_loop(None)
