"""What the view model used to work out itself, now in the parts that own it: the look of a previewed frame, the
CSV's suggested name, the scan's input checks, the archive file's commands, the CDN cutoff, the shown results.
No window, no event loop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from goesvfi.integrity_check.archive import load_archive
from goesvfi.integrity_check.first_run import documents_folder, empty_scan
from goesvfi.integrity_check.gui import messages
from goesvfi.integrity_check.gui.archive_session import OpenArchive
from goesvfi.integrity_check.gui.look_view import LookView
from goesvfi.integrity_check.gui.preferences import Preferences
from goesvfi.integrity_check.gui.results_digest import digest_scan
from goesvfi.integrity_check.gui.session import suggested_csv_name, suggested_csv_path
from goesvfi.integrity_check.gui.shown import ShownResults
from goesvfi.integrity_check.query import ArchiveQuery, ViewQuery
from goesvfi.integrity_check.results import SlotResult, SlotStatus
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from goesvfi.integrity_check.time_index.operational import View

START = datetime(2026, 11, 27, tzinfo=UTC)


def test_look_view_matches_a_frame_unless_it_is_mismatched() -> None:
    look = LookView("2500x1500 L grey", frozenset({Path("/a/odd.png")}), 1, "1 frame differs")
    assert look.matches(Path("/a/odd.png")) is False
    assert look.matches(Path("/a/fine.png")) is True


def test_look_view_without_a_look_knows_no_match() -> None:
    look = LookView(None, frozenset(), 0, "")
    assert look.matches(Path("/a/fine.png")) is None


def test_suggested_csv_name_names_the_shown_scan() -> None:
    query = ArchiveQuery(SatellitePattern.GOES_18, START, START + timedelta(hours=2), Sector.CONUS, 13)
    assert suggested_csv_name(None) == "integrity_report.csv"
    assert suggested_csv_name(empty_scan(query)) == "integrity_goes18_conus_C13_20261127T0000Z_20261127T0200Z.csv"


def test_suggested_csv_path_is_in_the_last_export_folder_while_it_exists(tmp_path: Path) -> None:
    assert suggested_csv_path(str(tmp_path), None) == str(tmp_path / "integrity_report.csv")
    gone = tmp_path / "gone"
    assert suggested_csv_path(str(gone), None) == str(documents_folder() / "integrity_report.csv")
    assert suggested_csv_path("", None) == str(documents_folder() / "integrity_report.csv")


def test_scan_query_cuts_the_range_at_now_and_says_so() -> None:
    query = ArchiveQuery(SatellitePattern.GOES_18, START, START + timedelta(hours=2), Sector.CONUS, 13)
    now = START + timedelta(hours=1)
    cut, line = messages.scan_query(query, "/frames", now)
    assert cut is not None and (cut.start, cut.end) == (START, now)
    assert line == "Scanning up to now (2026-11-27 01:00 UTC): later frames cannot exist yet."
    assert messages.scan_query(query, "/frames", START + timedelta(hours=3)) == (query, "")


def test_scan_query_refuses_a_range_starting_in_the_future_or_no_folder() -> None:
    query = ArchiveQuery(SatellitePattern.GOES_18, START, START + timedelta(hours=2), Sector.CONUS, 13)
    assert messages.scan_query(query, "/frames", START) == (
        None,
        "The start time is in the future: no frames exist yet.",
    )
    assert messages.scan_query(query, "", START + timedelta(hours=3)) == (
        None,
        "Choose a folder to scan first (Browse...).",
    )


def test_scan_query_of_a_view_checks_its_latest_satellite() -> None:
    query = ViewQuery(View.WEST, START, START + timedelta(hours=2), Sector.CONUS, 13)
    now = START + timedelta(hours=1)
    cut, line = messages.scan_query(query, "/frames", now)
    assert isinstance(cut, ViewQuery) and (cut.view, cut.start, cut.end) == (View.WEST, START, now)
    assert line == "Scanning up to now (2026-11-27 01:00 UTC): later frames cannot exist yet."


ARCHIVE = """
[[product]]
satellite = "east"
sector = "conus"
band = 13
folder = "east/conus/13"

[[product]]
satellite = "goes18"
sector = "fd"
band = 9
folder = "west-fd-09"
look = "grey"
"""


def _open(tmp_path: Path) -> OpenArchive:
    path = tmp_path / "goesvfi-archive.toml"
    path.write_text(ARCHIVE, encoding="utf-8")
    shown = OpenArchive()
    shown.archive = load_archive(path)
    return shown


def test_open_archive_gives_a_products_inputs(tmp_path: Path) -> None:
    shown = _open(tmp_path)
    folder = str((tmp_path / "west-fd-09").resolve())
    assert shown.product(1) == (folder, SatellitePattern.GOES_18, Sector.FULL_DISK, 9)
    assert shown.product(0) == (str((tmp_path / "east/conus/13").resolve()), View.EAST, Sector.CONUS, 13)
    assert shown.product(2) is None and shown.product(-1) is None
    assert OpenArchive().product(0) is None


def test_open_archive_settings_take_the_shown_products_look(tmp_path: Path) -> None:
    shown = _open(tmp_path)
    base = FetchSettings(look="star")
    folder = str(tmp_path / "west-fd-09")
    assert shown.settings(base, folder, SatellitePattern.GOES_18, Sector.FULL_DISK, 9).look == "grey"
    assert shown.settings(base, folder, SatellitePattern.GOES_18, Sector.FULL_DISK, 8).look == "star"  # another band
    assert shown.settings(base, str(tmp_path / "elsewhere"), SatellitePattern.GOES_18, Sector.FULL_DISK, 9) == base
    east = str(tmp_path / "east/conus/13")
    assert shown.settings(base, east, View.EAST, Sector.CONUS, 13) == base  # the product has no look of its own
    assert OpenArchive().settings(base, folder, SatellitePattern.GOES_18, Sector.FULL_DISK, 9) == base


def test_cdn_cutoff_is_the_preferences_cdn_days_back_for_sectors_with_cdn_images() -> None:
    prefs = Preferences(fetch=FetchSettings(cdn_days=3.0))
    now = START + timedelta(days=10)
    assert prefs.cdn_cutoff(Sector.CONUS, now) == datetime(2026, 12, 4, tzinfo=UTC)
    assert prefs.cdn_cutoff(Sector.MESO1, now) is None


def test_shown_results_take_a_fetchs_slots_in_place() -> None:
    query = ArchiveQuery(SatellitePattern.GOES_18, START, START + timedelta(hours=1), Sector.CONUS, 13)
    scan = empty_scan(query)  # 12 CONUS slots, every one missing
    shown = ShownResults()
    assert (len(shown.slots), shown.unresolved, shown.has_slots, shown.update([])) == (0, False, False, None)
    shown.show(scan, digest_scan(scan), Path("/frames"))
    assert (len(shown.slots), shown.unresolved, shown.has_slots) == (12, True, True)
    fetched = SlotResult(
        datetime(2026, 11, 27, 0, 6, tzinfo=UTC), SatellitePattern.GOES_18, Sector.CONUS, 13, SlotStatus.FETCHED
    )
    updated = shown.update([fetched])
    assert updated is not None and updated[1].tolist() == [1]
    assert shown.digest is updated[0] and shown.digest.counts[SlotStatus.FETCHED] == 1
    assert shown.slots[1].status is SlotStatus.FETCHED


def test_shown_results_keep_only_the_shown_scans_look_check() -> None:
    query = ArchiveQuery(SatellitePattern.GOES_18, START, START + timedelta(hours=1), Sector.CONUS, 13)
    old, new = empty_scan(query), empty_scan(query)
    shown = ShownResults()
    shown.show(new, digest_scan(new))
    look = LookView(None, frozenset(), 0, "")
    assert not shown.take_look(old, look) and shown.look is None
    assert shown.take_look(new, look) and shown.look is look
