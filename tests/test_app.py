"""The standalone window: title, icon, hosted tab, remembered geometry, command-line pre-fill, crash-proof main()."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PyQt6.QtCore import QSettings
from PyQt6.QtWidgets import QTabWidget

from goesvfi.integrity_check.gui.app import APP_TITLE, DEFAULT_SIZE, RESOURCES, MainWindow, _prefill, parse_args
from goesvfi.integrity_check.gui.tab import IntegrityCheckTab
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

ROOT = Path(__file__).resolve().parents[1]


def test_window_hosts_the_tab_with_title_icon_and_default_size(qtbot, qt_settings, qloop) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.windowTitle() == APP_TITLE
    assert not window.windowIcon().isNull()
    assert (RESOURCES / "integrity_check.svg").is_file() and (RESOURCES / "integrity_check.png").is_file()
    tabs = window.centralWidget()
    assert isinstance(tabs, QTabWidget) and tabs.count() == 1 and tabs.tabText(0) == "Integrity Check"
    assert isinstance(tabs.widget(0), IntegrityCheckTab)
    assert (window.width(), window.height()) == DEFAULT_SIZE


def test_geometry_is_remembered(qtbot, qt_settings, qloop) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    screen = window.screen().availableGeometry()  # offscreen: 800 x 800; geometry is restored within the screen
    size = (min(screen.width(), window.minimumSizeHint().width() + 5), screen.height() - 123)
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size, timeout=2000)
    with qtbot.waitSignal(window.closing, timeout=2000):
        window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == size != DEFAULT_SIZE
    assert QSettings().value("integrity_check/window/geometry") is not None


def test_command_line_prefills_the_tab(qtbot, qt_settings, qloop, tmp_path: Path) -> None:
    args = parse_args(["--directory", str(tmp_path), "--start", "2023-05-01T00:00", "--end", "2023-05-01T02:00Z",
                       "--satellite", "goes18", "--sector", "fd", "--band", "7", "--interval", "10"])  # fmt: skip
    window = MainWindow()
    qtbot.addWidget(window)
    _prefill(window.tab, args)
    ui = window.tab.ui
    assert ui.directory.text() == str(tmp_path)
    assert ui.start.utc() == datetime(2023, 5, 1, tzinfo=UTC) and ui.end.utc() == datetime(2023, 5, 1, 2, tzinfo=UTC)
    assert ui.satellite.currentData() is SatellitePattern.GOES_18 and ui.sector.currentData() is Sector.FULL_DISK
    assert (ui.band.value(), ui.interval.value()) == (7, 10)
    with pytest.raises(SystemExit):
        parse_args(["--start", "yesterday"])


def _run(code: str, tmp_path: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               GOESVFI_CACHE_DIR=str(tmp_path / "cache"))  # fmt: skip
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)  # fmt: skip


@pytest.mark.slow
def test_main_runs_routes_stray_exceptions_to_the_tab_and_exits_cleanly(tmp_path: Path) -> None:
    result = _run(
        """
        import sys
        from PyQt6.QtCore import QTimer
        from PyQt6.QtWidgets import QApplication
        import goesvfi.integrity_check.gui.app as app_module
        from goesvfi.integrity_check.gui.app import MainWindow, main

        capped = []
        real_cap = app_module.tune_malloc
        app_module.tune_malloc = lambda: capped.append(real_cap()) or capped[-1]
        app = QApplication(["test"])
        seen = {}

        def window():
            return next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))

        def explode():
            raise RuntimeError("a slot went wrong")

        def check_and_close():
            seen["status"] = window().tab.ui.status.text()
            window().close()

        QTimer.singleShot(300, explode)
        QTimer.singleShot(800, check_and_close)
        code = main(["--directory", "/nonexistent-folder"])
        print("EXIT", code)
        print("STATUS", seen["status"])
        print("ARENAS", capped, sys.getswitchinterval())
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "EXIT 0" in result.stdout
    assert "STATUS Unexpected error: RuntimeError: a slot went wrong." in result.stdout
    capped = "[True]" if sys.platform.startswith("linux") and os.confstr("CS_GNU_LIBC_VERSION") else "[False]"
    assert f"ARENAS {capped} 0.0005" in result.stdout  # malloc arenas capped once, like fetch and watch
    settings = list((tmp_path / "config").rglob("*.conf"))
    assert settings and "geometry" in settings[0].read_text()


@pytest.mark.slow
def test_python_m_goesvfi_starts_the_window_and_sigterm_quits_cleanly(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               GOESVFI_CACHE_DIR=str(tmp_path / "cache"), DISPLAY=":0")  # fmt: skip
    process = subprocess.Popen([sys.executable, "-m", "goesvfi"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        time.sleep(3)  # the window is up and the loop idles in Qt
        assert process.poll() is None, process.communicate()[1]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0  # closed the normal way: cancel, close the cache, exit 0
        assert list((tmp_path / "config").rglob("*.conf")), "the window did not save its geometry"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.slow
def test_without_a_display_the_window_says_so_instead_of_aborting(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "goesvfi"], cwd=ROOT, env=env | {"GOESVFI_CACHE_DIR": str(tmp_path)},
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    if sys.platform in ("darwin", "win32"):
        pytest.skip("desktop platforms always have a display")
    assert done.returncode == 2
    assert "no display to open the window on" in done.stderr and "xvfb-run" in done.stderr
    assert "Traceback" not in done.stderr and "qt.qpa" not in done.stderr
