"""The preview pane, the calendar and the first-run defaults, with real widgets (offscreen) and real PNG files.

Judges are the test's own: each frame's grey level and size are chosen here and read back from the pane's
image; calendar colours are the hex values docs/tab.md documents, picked by thresholds computed here.
"""

from __future__ import annotations

import re
import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PyQt6.QtCore import QSettings, Qt, QUrl
from PyQt6.QtGui import QColor

from goesvfi.integrity_check.calendar_bins import categories
from goesvfi.integrity_check.first_run import operational_satellite
from goesvfi.integrity_check.gui.frame_views import calendar_codes
from goesvfi.integrity_check.gui.preferences import Preferences
from goesvfi.integrity_check.gui.preview_data import FrameCache, FramePreview, SlotPreview
from goesvfi.integrity_check.gui.results_digest import digest_slots
from goesvfi.integrity_check.gui.tab import IntegrityCheckTab
from goesvfi.integrity_check.gui.view_model import EnhancedViewModel
from goesvfi.integrity_check.gui.widgets.calendar import DAYS
from goesvfi.integrity_check.gui.widgets.preview import PreviewPane
from goesvfi.integrity_check.results import SlotResult, SlotStatus
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from goesvfi.integrity_check.time_index.operational import View
from tests.names_support import png_name
from tests.scan_support import write_frame

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
START = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
SAT, SECTOR = SatellitePattern.GOES_18, Sector.CONUS
# 24 CONUS slots 00:01 ... 01:56; these three have no file.
MISSING = (4, 5, 11)
WIDTH, HEIGHT = 250, 150


def grey(i: int) -> int:
    return 20 + 9 * i  # slot i's frame is a flat grey of this level


def slot_time(i: int) -> datetime:
    return START + timedelta(minutes=1 + 5 * i)


def write_frames(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(24):
        if i not in MISSING:
            pixels = np.full((HEIGHT, WIDTH), grey(i), dtype=np.uint8)
            Image.fromarray(pixels, "L").save(folder / png_name(SAT, SECTOR, 13, slot_time(i)))
    return folder


def make_tab(qtbot, tmp_path: Path, now: datetime = NOW) -> IntegrityCheckTab:
    vm = EnhancedViewModel(cache_path=tmp_path / "cache.db", now=lambda: now)
    tab = IntegrityCheckTab(view_model=vm)
    qtbot.addWidget(tab)
    tab.resize(1360, 880)
    tab.show()
    return tab


def scan(qtbot, tab: IntegrityCheckTab, folder: Path, start: datetime, end: datetime, interval: int = 0) -> None:
    vm = tab.view_model
    vm.apply_inputs(directory=str(folder), satellite=SAT, sector=SECTOR, start=start, end=end,
                    interval_minutes=interval)  # fmt: skip
    qtbot.waitUntil(lambda: not vm.background_busy, timeout=5000)
    with qtbot.waitSignal(vm.scan_completed, timeout=15000):
        tab.ui.scan.click()
    qtbot.waitUntil(lambda: not vm.busy, timeout=5000)


@pytest.fixture
def scanned(qtbot, qt_settings, qloop, tmp_path: Path) -> IntegrityCheckTab:
    tab = make_tab(qtbot, tmp_path)
    scan(qtbot, tab, write_frames(tmp_path / "frames"), START, START + timedelta(hours=2))
    assert tab.view_model.digest is not None and tab.view_model.digest.counts[SlotStatus.MISSING] == len(MISSING)
    return tab


def shown_grey(image) -> int:
    return QColor(image.pixel(image.width() // 2, image.height() // 2)).red()


def wait_preview(qtbot, tab: IntegrityCheckTab, position: int) -> None:
    qtbot.waitUntil(
        lambda: tab.ui.preview.preview is not None and tab.ui.preview.preview.position == position, timeout=5000
    )


def test_selecting_a_row_shows_its_frame_with_name_size_mode_and_source(qtbot, scanned: IntegrityCheckTab) -> None:
    tab = scanned
    qtbot.waitUntil(lambda: tab.view_model.look_check is not None, timeout=15000)  # the folder's look, checked
    tab.ui.table.selectRow(2)
    wait_preview(qtbot, tab, 2)
    pane = tab.ui.preview
    name = png_name(SAT, SECTOR, 13, slot_time(2))
    image = pane.frame.image()
    assert image is not None and pane.frame.isVisible() and not pane.before.isVisible()
    assert shown_grey(image) == grey(2)
    assert image.width() / image.height() == pytest.approx(WIDTH / HEIGHT, rel=0.02)
    assert name in pane.title.text()
    info = pane.info.text()
    assert name in info and f"{WIDTH} x {HEIGHT}" in info and " L " in f" {info} " and "local" in info
    assert "look: matches the folder" in info  # every frame of this folder has one size and mode
    frame = pane.preview.frames[0]
    assert (frame.width, frame.height, frame.mode, frame.look_matches) == (WIDTH, HEIGHT, "L", True)
    # The picture is drawn scaled to fit the pane, aspect kept.
    rect = pane.frame.image_rect()
    assert rect.width() <= pane.frame.width() and rect.height() <= pane.frame.height()
    assert rect.width() / rect.height() == pytest.approx(WIDTH / HEIGHT, rel=0.03)


def test_arrow_keys_step_through_the_frames(qtbot, scanned: IntegrityCheckTab) -> None:
    tab = scanned
    table = tab.ui.table
    table.setFocus()
    table.selectRow(0)
    wait_preview(qtbot, tab, 0)
    for i in (1, 2, 3):
        qtbot.keyClick(table, Qt.Key.Key_Down)
        wait_preview(qtbot, tab, i)
        assert shown_grey(tab.ui.preview.frame.image()) == grey(i)
    qtbot.keyClick(table, Qt.Key.Key_Up)
    wait_preview(qtbot, tab, 2)
    assert shown_grey(tab.ui.preview.frame.image()) == grey(2)
    # Held down: many steps queue at most one decode behind the running one, and the last one wins.
    decodes = tab.view_model.previewer.decodes
    for _ in range(15):
        qtbot.keyClick(table, Qt.Key.Key_Down)
    wait_preview(qtbot, tab, 17)
    qtbot.waitUntil(lambda: not tab.view_model.previewer.busy, timeout=5000)
    assert shown_grey(tab.ui.preview.frame.image()) == grey(17)
    assert tab.view_model.previewer.decodes - decodes <= 2  # the one running (if any) and the newest queued


def test_a_missing_row_shows_its_neighbours_before_and_after(qtbot, scanned: IntegrityCheckTab) -> None:
    tab = scanned
    tab.ui.table.selectRow(5)  # slots 4 and 5 are missing: neighbours are 3 and 6
    wait_preview(qtbot, tab, 5)
    pane = tab.ui.preview
    assert not pane.frame.isVisible() and pane.before.isVisible() and pane.after.isVisible()
    assert shown_grey(pane.before.image()) == grey(3)
    assert shown_grey(pane.after.image()) == grey(6)
    assert pane.title.text().endswith(": Missing; its neighbours")
    assert png_name(SAT, SECTOR, 13, slot_time(3)) in pane.info.text()
    assert png_name(SAT, SECTOR, 13, slot_time(6)) in pane.info.text()
    assert not pane.open_button.isEnabled()


def test_a_failed_row_says_why_it_has_no_frame(qtbot, qt_settings) -> None:
    """A row that failed (or that NOAA never had) shows its reason in the pane, not only its neighbours."""
    pane = PreviewPane()
    qtbot.addWidget(pane)
    reason = "Cannot connect to cdn.star.nesdis.noaa.gov (Name or service not known); check the network"
    failed = SlotResult(slot_time(4), SAT, SECTOR, 13, SlotStatus.FAILED, error=reason)
    pane.show_preview(SlotPreview(4, failed, ()))
    assert pane.title.text().endswith(": Failed; its neighbours")
    assert pane.info.text().startswith(f"Failed: {reason}") and pane.info.toolTip() == reason
    never = SlotResult(slot_time(5), SAT, SECTOR, 13, SlotStatus.UNAVAILABLE, error="S3: not in its listing")
    pane.show_preview(SlotPreview(5, never, ()))
    assert pane.title.text().endswith(": Not at NOAA; its neighbours")  # the table's words (status_names)
    assert pane.info.text().startswith("Not at NOAA: S3: not in its listing")


def test_double_click_opens_the_file_and_open_folder_the_folder(qtbot, scanned: IntegrityCheckTab) -> None:
    tab = scanned
    opened: list[QUrl] = []
    tab.frame_views.open_url = lambda url: opened.append(url) or True
    tab.ui.table.selectRow(1)
    wait_preview(qtbot, tab, 1)
    qtbot.mouseDClick(tab.ui.preview.frame, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(tab.ui.preview.folder_button, Qt.MouseButton.LeftButton)
    assert [u.toLocalFile() for u in opened] == [
        str(Path(tab.view_model.inputs.directory).resolve() / png_name(SAT, SECTOR, 13, slot_time(1))),
        tab.view_model.inputs.archive_folder,
    ]


def test_the_cache_is_bounded_and_least_recently_used_goes_first() -> None:
    cache = FrameCache(max_items=3, max_bytes=1000)
    slot = SlotResult(START, SAT, SECTOR)
    frame = FramePreview("frame", slot, Path("x.png"), None)
    for key in "abc":
        cache.put(key, frame, 100)
    assert cache.get("a") is frame  # a is now the most recent
    cache.put("d", frame, 100)
    assert cache.keys() == ["c", "a", "d"] and len(cache) == 3
    cache.put("e", frame, 950)  # 1,050 bytes with d: over the byte bound, evict until it fits
    assert cache.keys() == ["e"] and cache.nbytes == 950
    for i in range(50):
        cache.put(str(i), frame, 10)
        assert len(cache) <= 3 and cache.nbytes <= 1000


def test_the_view_models_cache_stays_bounded_while_stepping(qtbot, scanned: IntegrityCheckTab) -> None:
    tab = scanned
    tab.view_model.previewer.cache.max_items = 4
    for row in range(0, 24, 2):
        tab.ui.table.selectRow(row)
        wait_preview(qtbot, tab, row)
    assert len(tab.view_model.previewer.cache) <= 4


# ---- the calendar ---------------------------------------------------------------------------------------

# The colours docs/tab.md documents for each class (not imported from the code).
COMPLETE, FETCHED_ALL = "#4c9a52", "#2f7bc4"
FEW, SOME, MOST, ALL = "#f2b8a0", "#e8765e", "#c8372d", "#7a1712"


def expected_colour(missing: int, total: int, fetched: int) -> str:
    if missing == 0:
        return FETCHED_ALL if fetched else COMPLETE
    if missing == total:
        return ALL
    share = missing / total
    return FEW if share <= 0.10 else SOME if share <= 0.50 else MOST


def test_calendar_colours_a_synthetic_year_by_share_missing(qtbot, qt_settings, qloop, tmp_path: Path) -> None:
    tab = make_tab(qtbot, tmp_path)
    first = datetime(2025, 1, 1, tzinfo=UTC)
    per_day = 288
    rng = np.random.default_rng(7)
    plan: dict[int, tuple[int, int]] = {}  # day -> (missing, fetched)
    slots: list[SlotResult] = []
    for day in range(365):
        missing = int(rng.choice([0, 0, 0, 1, 20, 28, 29, 100, 144, 145, 200, 287, 288]))
        fetched = 5 if day % 11 == 0 else 0
        plan[day] = (missing, fetched)
        for k in range(per_day):
            when = first + timedelta(days=day, minutes=1 + 5 * k)
            status = SlotStatus.MISSING if k < missing else SlotStatus.FETCHED if k < missing + fetched else (
                SlotStatus.PRESENT)  # fmt: skip
            slots.append(SlotResult(when, SAT, SECTOR, status=status))
    digest = digest_slots(slots)
    calendar = tab.ui.calendar.calendar
    tab.ui.show_calendar.click()
    calendar.set_data(digest.times, calendar_codes(digest))
    calendar.set_mode(DAYS)
    qtbot.waitUntil(lambda: calendar.height() >= calendar.sizeHint().height(), timeout=5000)  # its page's height
    image = calendar.grab().toImage()
    for day, (missing, fetched) in plan.items():
        start = int((first + timedelta(days=day)).timestamp())
        rect = calendar.cell_rect(start)
        assert rect is not None and rect.width() >= 5, day
        centre = rect.center()
        got = QColor(
            image.pixel(int(centre.x() * image.devicePixelRatio()), int(centre.y() * image.devicePixelRatio()))
        )
        assert got.name() == expected_colour(missing, per_day, fetched), (day, missing, fetched)


def test_calendar_bins_count_unavailable_and_unknown_statuses_gracefully() -> None:
    from goesvfi.integrity_check.calendar_bins import DAY, bin_slots

    day0 = datetime(2025, 3, 1, tzinfo=UTC).timestamp()
    statuses = ["present"] * 10 + ["unavailable"] * 2 + ["present"] * 5 + ["some-new-status"]
    times = [day0 + 300 * i for i in range(12)] + [day0 + DAY + 300 * i for i in range(6)]
    bins = bin_slots(times, categories(statuses), DAY)
    assert len(bins) == 2
    assert bins.cell_class(0).name == "UNAVAILABLE" and bins.cell_class(1).name == "UNKNOWN"
    assert "2 unavailable" in bins.describe(0) and "1 unknown" in bins.describe(1)


def test_clicking_a_day_selects_its_rows_and_sets_the_range(qtbot, qt_settings, qloop, tmp_path: Path) -> None:
    folder = tmp_path / "hourly"
    folder.mkdir()
    first = datetime(2026, 11, 20, tzinfo=UTC)
    for h in range(72):  # three days, one frame an hour at :01, hours 30-33 missing
        if not 30 <= h <= 33:
            write_frame(folder / png_name(SAT, SECTOR, 13, first + timedelta(hours=h, minutes=1)))
    tab = make_tab(qtbot, tmp_path)
    scan(qtbot, tab, folder, first, first + timedelta(days=3), interval=60)
    calendar = tab.ui.calendar.calendar
    qtbot.mouseClick(tab.ui.show_calendar, Qt.MouseButton.LeftButton)
    assert tab.ui.views.currentWidget() is tab.ui.calendar and tab.ui.show_calendar.isChecked()
    assert not tab.ui.zoom_fit.isVisible()  # the zoom buttons are the timeline's
    calendar.set_mode(DAYS)
    qtbot.waitUntil(lambda: calendar.height() >= calendar.sizeHint().height(), timeout=5000)  # its page's height
    day2 = first + timedelta(days=1)
    rect = calendar.cell_rect(int(day2.timestamp()))
    assert rect is not None
    qtbot.mouseClick(calendar, Qt.MouseButton.LeftButton, pos=rect.center())
    rows = sorted({index.row() for index in tab.ui.table.selectionModel().selectedRows()})
    times = [tab.model.slot_at(r).timestamp for r in rows]
    assert len(rows) == 24 and all(day2 <= t < day2 + timedelta(days=1) for t in times)
    assert sum(tab.model.slot_at(r).status is SlotStatus.MISSING for r in rows) == 4
    vm = tab.view_model
    assert (vm.inputs.start, vm.inputs.end) == (day2, day2 + timedelta(days=1))
    assert (tab.ui.start.utc(), tab.ui.end.utc()) == (day2, day2 + timedelta(days=1))
    # The summary keeps the scan's counts and says what the new range holds: 24 hours, hours 30-33 missing.
    summary = re.sub(r"<[^>]+>", "", tab.ui.summary.text())
    assert "Expected 72" in summary and "Missing 4" in summary
    assert "Time range now 2026-11-21 00:00 -> 2026-11-22 00:00 UTC: 24 frames of it shown (20 present, 4 missing)" in (
        summary
    )
    wait_preview(qtbot, tab, 24)  # the preview follows: the day's first frame
    tab.ui.start.set_utc(first)  # the pickers back to the scan's range: the note goes
    tab.ui.end.set_utc(first + timedelta(days=3))
    assert "Time range now" not in tab.ui.summary.text()


# ---- first run ------------------------------------------------------------------------------------------


def test_first_run_defaults_with_empty_settings(qtbot, qt_settings, qloop, tmp_path: Path) -> None:
    assert QSettings().allKeys() == ["integrity_check/ui/check_noaa"]  # only the fixture's "never ask NOAA"
    tab = make_tab(qtbot, tmp_path)
    vm = tab.view_model
    # GOES-East first and the default; operational on 2026-11-28: GOES-19 (GOES-16 stopped on 2025-04-07).
    assert (
        vm.inputs.view is View.EAST
        and tab.ui.satellite.currentIndex() == 0
        and tab.ui.satellite.currentData() is View.EAST
    )
    assert vm.inputs.satellite is SatellitePattern.GOES_19 and vm.inputs.sector is Sector.CONUS
    assert vm.inputs.directory == "" and tab.ui.directory.text() == ""
    default = tmp_path / "GOES" / "east" / "conus"  # GOESVFI_ARCHIVE_DIR (gui_fixtures) stands for ~/GOES
    assert vm.inputs.archive_folder == str(default)
    assert str(default) in tab.ui.directory.placeholderText()
    assert (vm.inputs.start, vm.inputs.end) == (NOW - timedelta(hours=24), NOW)
    assert tab.ui.scan.isEnabled()
    tab.ui.satellite.setCurrentIndex(tab.ui.satellite.findData(SatellitePattern.GOES_18))
    assert "goes18" in tab.ui.directory.placeholderText() and vm.inputs.archive_folder.endswith("goes18/conus")
    assert vm.inputs.view is None and vm.inputs.satellite is SatellitePattern.GOES_18


@pytest.mark.parametrize(
    ("position", "when", "expected"),
    [
        ("East", datetime(2026, 11, 28, tzinfo=UTC), SatellitePattern.GOES_19),
        ("West", datetime(2026, 11, 28, tzinfo=UTC), SatellitePattern.GOES_18),
        ("East", datetime(2024, 6, 1, tzinfo=UTC), SatellitePattern.GOES_16),
        ("West", datetime(2021, 6, 1, tzinfo=UTC), SatellitePattern.GOES_17),
        ("East", datetime(2025, 4, 7, 16, tzinfo=UTC), SatellitePattern.GOES_19),
    ],
)
def test_operational_satellite_follows_the_eras(position: str, when: datetime, expected: SatellitePattern) -> None:
    assert operational_satellite(position, when) is expected


@pytest.mark.slow
def test_a_fresh_install_scans_then_fetches_into_the_default_folder(
    qtbot, qt_settings, qloop, tmp_path: Path, noaa_emulator_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GOES-East is the default; GOES-16 was the East satellite in May 2023: its frames, in the East folder.
    emulator = noaa_emulator_factory(satellite=SatellitePattern.GOES_16, missing_fraction=0.0)
    for name, value in emulator.env().items():
        monkeypatch.setenv(name, value)
    now = datetime(2023, 5, 1, 2, 0, tzinfo=UTC)
    tab = make_tab(qtbot, tmp_path, now=now)
    vm = tab.view_model
    assert vm.inputs.satellite is SatellitePattern.GOES_16
    default = tmp_path / "GOES" / "east" / "conus"
    assert not default.exists()
    vm.apply_inputs(start=now - timedelta(minutes=30), end=now)  # the emulator holds two hours, not 24
    vm.inputs.set_check_noaa(True)  # the default outside the tests: the empty archive's slots are asked of NOAA too
    with qtbot.waitSignal(vm.scan_completed, timeout=15000):
        tab.ui.scan.click()
    qtbot.waitUntil(lambda: not vm.busy, timeout=5000)
    assert vm.digest is not None and vm.digest.counts[SlotStatus.MISSING] == 6
    assert vm.scan_result is not None and vm.scan_result.availability_checked is True  # the emulator has all 6
    assert not default.exists()  # a scan does not create it
    qtbot.waitUntil(lambda: vm.disk_space is not None and not vm.disk_space.exists, timeout=5000)
    assert not tab.ui.preview.folder_button.isEnabled()  # nothing to open yet
    tab.ui.table.selectRow(2)  # missing, with no frame on either side yet
    qtbot.waitUntil(lambda: tab.ui.preview.preview is not None, timeout=5000)
    assert tab.ui.preview.preview.frames == () and not tab.ui.preview.preview.has_file
    with qtbot.waitSignal(vm.fetch_completed, timeout=60000):
        tab.ui.fetch.click()
    qtbot.waitUntil(lambda: not vm.busy, timeout=5000)
    assert vm.digest.counts[SlotStatus.FETCHED] == 6, vm.status
    assert len(list(default.glob("goes16_conus_C13_*.png"))) == 6
    qtbot.waitUntil(tab.ui.preview.folder_button.isEnabled, timeout=5000)  # the fetch made it
    tab.ui.table.selectRow(2)  # the fetched frame, as written into the new folder
    qtbot.waitUntil(lambda: tab.ui.preview.preview is not None and tab.ui.preview.preview.has_file, timeout=5000)
    frame = tab.ui.preview.preview.frames[0]
    assert frame.path.parent == default and frame.image is not None and frame.width > 0
    assert frame.source is not None and frame.source.value in ("cdn", "s3")


def test_the_preview_request_by_path(qtbot, qt_settings, qloop, tmp_path: Path) -> None:
    tab = make_tab(qtbot, tmp_path)
    path = tmp_path / "one.png"
    Image.new("RGB", (64, 48), (200, 30, 10)).save(path)
    with qtbot.waitSignal(tab.view_model.preview_ready, timeout=5000) as blocker:
        tab.view_model.preview(path)
    frame = blocker.args[0].frames[0]
    assert (frame.width, frame.height, frame.mode, frame.error) == (64, 48, "RGB", None)
    assert QColor(frame.image.pixel(10, 10)).getRgb()[:3] == (200, 30, 10)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    with qtbot.waitSignal(tab.view_model.preview_ready, timeout=5000) as blocker:
        tab.view_model.preview(broken)
    frame = blocker.args[0].frames[0]
    assert frame.image is None and "broken.png" in (frame.error or "")
    assert tab.view_model.last_error is None  # a bad file is shown in the pane, not raised as an error


def test_a_first_fetch_that_writes_nothing_leaves_no_default_folder(
    qtbot, qt_settings, qloop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Offline: the fetch fails, and ~/GOES/<satellite>/<sector> is not left behind holding only a lock file."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("GOESVFI_CDN_URL", down)
    monkeypatch.setenv("GOESVFI_S3_ENDPOINT", down)
    now = datetime(2023, 5, 1, 2, 0, tzinfo=UTC)
    tab = make_tab(qtbot, tmp_path, now=now)
    vm = tab.view_model
    prefs = vm.preferences
    vm.set_preferences(Preferences(replace(prefs.fetch, retries=0, timeout=2.0), prefs.cdn_sizes))
    default = Path(vm.inputs.archive_folder)
    assert default.is_relative_to(tmp_path) and not default.parent.exists()
    vm.apply_inputs(start=now - timedelta(minutes=15), end=now)
    with qtbot.waitSignal(vm.scan_completed, timeout=15000):
        tab.ui.scan.click()
    qtbot.waitUntil(lambda: not vm.busy, timeout=5000)
    with qtbot.waitSignal(vm.fetch_completed, timeout=60000) as fetched:
        tab.ui.fetch.click()
    qtbot.waitUntil(lambda: not vm.busy, timeout=5000)
    assert {s.status for s in fetched.args[0]} == {SlotStatus.FAILED}
    assert not default.exists() and not default.parent.exists()  # neither <sector> nor <satellite> stays
    qtbot.waitUntil(lambda: vm.disk_space is not None and not vm.disk_space.exists, timeout=5000)
    assert not tab.ui.preview.folder_button.isEnabled()
