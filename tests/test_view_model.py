"""EnhancedViewModel without widgets: inputs, commands, throttled progress, guarded errors, preferences."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PyQt6.QtCore import QSettings

from goesvfi.integrity_check.gui.preferences import Preferences, load_preferences
from goesvfi.integrity_check.gui.view_model import EnhancedViewModel, Task
from goesvfi.integrity_check.results import SlotStatus
from goesvfi.integrity_check.settings import GIB, FetchSettings
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.archive_support import END, NOW, REMOVED, START, write_archive


@pytest.fixture
def vm(qt_settings: Path, qloop, tmp_path: Path) -> EnhancedViewModel:
    model = EnhancedViewModel(cache_path=tmp_path / "cache.db", now=lambda: NOW)
    yield model
    model.deleteLater()


def wait_idle(qtbot, vm: EnhancedViewModel, timeout: int = 15000) -> None:
    qtbot.waitUntil(lambda: not vm.busy, timeout=timeout)


def test_defaults_are_the_last_24_hours_band_13_auto_interval(vm: EnhancedViewModel) -> None:
    assert vm.inputs.end == NOW and vm.inputs.start == NOW - timedelta(hours=24)
    assert vm.inputs.start.tzinfo is not None and vm.inputs.start.utcoffset() == timedelta(0)
    assert (vm.inputs.band, vm.inputs.interval_minutes, vm.task) == (13, 0, Task.IDLE)
    assert vm.can_scan  # no folder chosen: the per-user default folder (see test_frame_views)
    assert not vm.can_fetch and not vm.can_cancel and not vm.can_export


def test_presets_end_now(vm: EnhancedViewModel, qtbot) -> None:
    vm.inputs.set_range(START, END)
    with qtbot.waitSignal(vm.inputs_changed, timeout=1000):
        vm.apply_preset(24 * 7)
    assert (vm.inputs.start, vm.inputs.end) == (NOW - timedelta(days=7), NOW)


def test_scan_finds_the_gaps_and_enables_fetch_and_export(vm: EnhancedViewModel, qtbot, tmp_path: Path) -> None:
    folder = write_archive(tmp_path / "frames")
    vm.apply_inputs(directory=str(folder), satellite=SatellitePattern.GOES_18, sector=Sector.CONUS, start=START,
                    end=END)  # fmt: skip
    assert vm.can_scan
    with qtbot.waitSignal(vm.scan_completed, timeout=15000) as blocker:
        assert vm.scan()
        assert vm.busy and vm.can_cancel and not vm.can_scan and not vm.can_fetch
    wait_idle(qtbot, vm)
    scan = blocker.args[0]
    assert len(scan.expected) == 24
    assert scan.missing == REMOVED
    digest = vm.digest
    assert digest is not None
    assert digest.counts[SlotStatus.PRESENT] == 21 and digest.counts[SlotStatus.MISSING] == 3
    assert [(g.start, g.count) for g in digest.gaps] == [(REMOVED[0], 2), (REMOVED[2], 1)]
    assert digest.longest_gap is not None and digest.longest_gap.count == 2
    assert vm.can_fetch and vm.can_export and vm.can_scan and not vm.can_cancel
    assert "21 present" in vm.status and "3 missing" in vm.status
    assert vm.suggested_csv_name() == "integrity_goes18_conus_C13_20261127T0000Z_20261127T0200Z.csv"


def test_progress_is_throttled_to_twenty_updates_a_second(vm: EnhancedViewModel, qtbot, tmp_path: Path) -> None:
    folder = tmp_path / "deep"
    for i in range(400):  # the scan reports once per folder: 400 reports in a fraction of a second
        write_archive(folder / f"d{i:03d}", count=1, skip=())
    emitted: list[object] = []
    vm.progress_changed.connect(emitted.append)
    vm.apply_inputs(directory=str(folder), satellite=SatellitePattern.GOES_18, start=START, end=END)
    started = time.monotonic()
    vm.scan()
    wait_idle(qtbot, vm)
    elapsed = time.monotonic() - started
    updates = [p for p in emitted if p is not None]
    assert updates, "no progress reached the view"
    assert len(updates) <= elapsed * 20 + 2


@pytest.mark.parametrize(
    ("directory", "start", "end", "satellite", "expected"),
    [
        ("", END, START, SatellitePattern.GOES_18, "must be after the start"),  # no folder: the default one
        ("FOLDER", END, START, SatellitePattern.GOES_18, "must be after the start"),
        ("FOLDER", START, END, SatellitePattern.GOES_16, "GOES-19 is the East satellite now"),
        ("FOLDER", NOW + timedelta(hours=1), NOW + timedelta(hours=2), SatellitePattern.GOES_18, "in the future"),
    ],
)
def test_bad_input_is_a_message_not_a_task(vm: EnhancedViewModel, qtbot, tmp_path: Path, directory: str,
                                           start: datetime, end: datetime, satellite: SatellitePattern,
                                           expected: str) -> None:  # fmt: skip
    folder = write_archive(tmp_path / "frames")
    vm.apply_inputs(directory=str(folder) if directory else "", satellite=satellite, start=start, end=end)
    with qtbot.waitSignal(vm.error_occurred, timeout=1000) as blocker:
        assert vm.scan() is False
    assert expected in blocker.args[0]
    assert expected in vm.status and vm.last_error == blocker.args[0]
    assert not vm.busy


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_a_folder_that_is_not_there_is_reported_by_the_scan(vm: EnhancedViewModel, qtbot, tmp_path: Path,
                                                            kind: str) -> None:  # fmt: skip
    target = tmp_path / "nowhere"
    if kind == "file":
        target.write_text("not a folder")
    vm.apply_inputs(directory=str(target), satellite=SatellitePattern.GOES_18, start=START, end=END)
    with qtbot.waitSignal(vm.error_occurred, timeout=10000) as blocker:
        vm.scan()
    wait_idle(qtbot, vm)
    message = blocker.args[0]
    assert message.startswith("Scan failed: ")
    assert ("does not exist" if kind == "missing" else "is not a folder") in message
    assert "Traceback" not in message and vm.digest is None and not vm.can_fetch


def _reads_any_folder() -> bool:
    """Whether this process reads a folder of mode 0 (root with CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH)."""
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp, "locked")
        probe.mkdir(mode=0)
        try:
            os.listdir(probe)
        except PermissionError:
            return False
        finally:
            probe.chmod(0o755)
    return True


# Root runs the next test in a child without the two file-access capabilities (setpriv): it runs everywhere.
DROP_FILE_POWERS = ["--bounding-set", "-dac_override,-dac_read_search", "--inh-caps", "-dac_override,-dac_read_search"]


@pytest.mark.skipif(_reads_any_folder(), reason="this process reads any folder: run without root's powers below")
def test_an_unreadable_folder_is_reported(vm: EnhancedViewModel, qtbot, tmp_path: Path) -> None:
    folder = write_archive(tmp_path / "locked")
    folder.chmod(0)
    try:
        vm.apply_inputs(directory=str(folder), satellite=SatellitePattern.GOES_18, start=START, end=END)
        with qtbot.waitSignal(vm.error_occurred, timeout=10000) as blocker:
            vm.scan()
        assert "cannot be read" in blocker.args[0]
    finally:
        folder.chmod(0o755)


@pytest.mark.slow
@pytest.mark.skipif(not _reads_any_folder(), reason="the test above runs in this process")
def test_an_unreadable_folder_is_reported_when_run_as_root() -> None:
    """As root (CI, containers) the test above runs in a child process whose bounding set lacks
    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (``setpriv``): a mode-0 folder is unreadable there as for a user."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is not installed")
    test = f"{Path(__file__).resolve()}::test_an_unreadable_folder_is_reported"
    child = subprocess.run(
        [setpriv, *DROP_FILE_POWERS, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", test],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert child.returncode == 0 and "1 passed" in child.stdout, child.stdout + child.stderr


def test_an_unexpected_exception_becomes_a_message(qt_settings: Path, qloop, qtbot, tmp_path: Path) -> None:
    def broken_factory(settings: FetchSettings, cache: object) -> object:
        raise RuntimeError("the manager exploded")

    vm = EnhancedViewModel(cache_path=tmp_path / "c.db", now=lambda: NOW, manager_factory=broken_factory)  # type: ignore[arg-type]
    vm.apply_inputs(directory=str(write_archive(tmp_path / "f")), satellite=SatellitePattern.GOES_18, start=START,
                    end=END)  # fmt: skip
    logged: list[tuple[str, str]] = []
    vm.log_added.connect(lambda level, text: logged.append((level, text)))
    with qtbot.waitSignal(vm.error_occurred, timeout=5000) as blocker:
        vm.scan()
    wait_idle(qtbot, vm)
    assert "Unexpected error: RuntimeError: the manager exploded" in blocker.args[0]
    assert ("error", blocker.args[0]) in logged
    assert vm.can_scan and not vm.busy


def test_detection_picks_the_most_common_satellite_sector_and_band(
    vm: EnhancedViewModel, qtbot, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    write_archive(folder, SatellitePattern.GOES_18, Sector.FULL_DISK, count=12, skip=())
    write_archive(folder, SatellitePattern.GOES_19, Sector.CONUS, count=3, skip=())
    assert vm.inputs.satellite is not SatellitePattern.GOES_18  # the first-run default is GOES-19 (East)
    with qtbot.waitSignal(vm.inputs_changed, timeout=5000):
        vm.set_directory(str(folder))
    assert (vm.inputs.satellite, vm.inputs.sector, vm.inputs.band) == (SatellitePattern.GOES_18, Sector.FULL_DISK, 13)


def test_disk_space_warns_under_the_threshold(qt_settings: Path, qloop, qtbot, tmp_path: Path) -> None:
    free = {"bytes": 5 * GIB}
    vm = EnhancedViewModel(cache_path=tmp_path / "c.db", now=lambda: NOW, disk_free=lambda _p: free["bytes"])
    with qtbot.waitSignal(vm.disk_space_changed, timeout=5000) as blocker:
        vm.set_directory(str(tmp_path), detect=False)
    assert blocker.args[0].free == 5 * GIB and not blocker.args[0].low
    free["bytes"] = 300 * 1024**2  # under the default 1 GiB
    with qtbot.waitSignal(vm.disk_space_changed, timeout=5000) as blocker:
        vm.refresh_disk_space()
    assert blocker.args[0].low and blocker.args[0].threshold == GIB


def test_preferences_persist_and_the_environment_wins_for_endpoints(
    qt_settings: Path,
    qloop,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GOESVFI_CDN_URL", raising=False)
    monkeypatch.delenv("GOESVFI_S3_ENDPOINT", raising=False)
    vm = EnhancedViewModel(cache_path=tmp_path / "c.db", now=lambda: NOW)
    fetch = FetchSettings(cdn_url="https://mirror.example.org", concurrency=3, cdn_days=9.5, colormap="enhanced_ir")
    vm.set_preferences(Preferences(fetch, {Sector.CONUS: (1250, 750), Sector.FULL_DISK: (678, 678)}))
    again = EnhancedViewModel(cache_path=tmp_path / "c.db", now=lambda: NOW)
    prefs = again.preferences
    assert (prefs.fetch.cdn_url, prefs.fetch.concurrency, prefs.fetch.cdn_days) == (
        "https://mirror.example.org",
        3,
        9.5,
    )
    assert prefs.fetch.colormap == "enhanced_ir"
    again.inputs.set_sector(Sector.FULL_DISK)
    assert again.fetch_settings.cdn_size == (678, 678)
    monkeypatch.setenv("GOESVFI_CDN_URL", "http://127.0.0.1:9")
    with_env = EnhancedViewModel(cache_path=tmp_path / "c.db", now=lambda: NOW)
    assert with_env.preferences.fetch.cdn_url == "http://127.0.0.1:9"
    assert with_env.locked_settings == {"cdn_url": "GOESVFI_CDN_URL"}
    with_env.set_preferences(with_env.preferences)  # saving never writes the environment's value back
    monkeypatch.delenv("GOESVFI_CDN_URL")
    assert load_preferences(QSettings()).fetch.cdn_url == "https://mirror.example.org"


def test_without_a_running_event_loop_a_command_says_so(qt_settings: Path, tmp_path: Path) -> None:
    vm = EnhancedViewModel(cache_path=tmp_path / "c.db", now=lambda: NOW)
    vm.apply_inputs(directory=str(write_archive(tmp_path / "f")), satellite=SatellitePattern.GOES_18, start=START,
                    end=END)  # fmt: skip
    assert vm.scan() is False
    assert vm.status == "The Integrity Check needs a running qasync event loop (see INTEGRATION.md)."
    assert not vm.busy and vm.can_scan


def test_messages_after_a_partial_fetch_and_for_errors() -> None:
    from goesvfi.integrity_check.fetch.disk_guard import DiskSpaceError
    from goesvfi.integrity_check.gui.messages import fetch_log_lines, fetch_outcome, user_message
    from goesvfi.integrity_check.gui.results_digest import digest_slots
    from goesvfi.integrity_check.results import SlotResult, Source

    first = START + timedelta(minutes=1)

    def slot(i: int, status: SlotStatus, source: Source | None = None, error: str | None = None) -> SlotResult:
        return SlotResult(first + timedelta(minutes=5 * i), SatellitePattern.GOES_18, Sector.CONUS, 13, status,
                          source, error=error)  # fmt: skip

    down = "S3: listing failed: Cannot connect"
    slots = [slot(0, SlotStatus.PRESENT, Source.LOCAL), slot(1, SlotStatus.FETCHED, Source.CDN),
             slot(2, SlotStatus.FETCHED, Source.S3), slot(3, SlotStatus.FETCHED, Source.S3),
             slot(4, SlotStatus.FAILED, error=down), slot(5, SlotStatus.FAILED, error=down)]  # fmt: skip
    assert fetch_outcome(5, digest_slots(slots)) == (
        "Fetched 3 of 5 missing frames; 2 could not be fetched (see the log).", True)  # fmt: skip
    assert fetch_log_lines(slots) == [("info", "Fetched 1 from the CDN and 2 from S3."),
                                      ("error", f"2 frame(s): {down}")]  # fmt: skip
    assert user_message(DiskSpaceError(Path("/data"), 812 * 1024**2, 1024**3)) == (
        "Stopped: only 812 MB free on /data (threshold 1.0 GB)")  # fmt: skip
    assert user_message(PermissionError(13, "Permission denied", "/data/x")) == (
        "Permission denied: /data/x. Check the folder's permissions.")  # fmt: skip
    assert user_message(KeyError("boom")).startswith("Unexpected error: KeyError: 'boom'.")
