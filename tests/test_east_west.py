"""GOES-East / GOES-West (issue 22): slots belong to the satellite operational then (DOMAIN.md's dated table),
frames keep their real satellite, one folder, one look; against an emulator that crosses the GOES-16 -> GOES-19
change (one moto S3 holding both buckets, one CDN with both satellites' folders; request logs read)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from PIL import Image

from goesvfi.integrity_check.cli.main import main
from goesvfi.integrity_check.emulator.view import EAST_DATA, ViewEmulator
from goesvfi.integrity_check.fetch.view import fetch_view
from goesvfi.integrity_check.query import QueryError, ViewQuery, parse_view_or_satellite
from goesvfi.integrity_check.results import SlotStatus
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from goesvfi.integrity_check.time_index.operational import View, operational, satellite_label, segments
from tests.fetch_support import frame_names, leftovers, manager_for
from tests.scan_support import write_frame

G16, G17, G18, G19 = (SatellitePattern.GOES_16, SatellitePattern.GOES_17, SatellitePattern.GOES_18,
                      SatellitePattern.GOES_19)  # fmt: skip
HANDOVER = datetime(2025, 4, 7, 15, tzinfo=UTC)  # DOMAIN.md: GOES-19 East from ~15:00 UTC on 2025-04-07
START, END = HANDOVER - timedelta(hours=1), HANDOVER + timedelta(hours=1)


def test_east_over_april_2025_is_goes16_then_goes19() -> None:
    cut = segments(View.EAST, datetime(2025, 4, 6, tzinfo=UTC), datetime(2025, 4, 9, tzinfo=UTC))
    assert [(s.satellite, s.start, s.end) for s in cut] == [
        (G16, datetime(2025, 4, 6, tzinfo=UTC), HANDOVER),
        (G19, HANDOVER, datetime(2025, 4, 9, tzinfo=UTC)),
    ]
    # in the overlap a frame of either satellite covers a slot: GOES-16's files run to about 18:30
    assert cut[1].partner is G16 and cut[1].overlap_end == datetime(2025, 4, 7, 18, 30, tzinfo=UTC)
    assert operational(View.EAST, datetime(2020, 1, 1, tzinfo=UTC)) is G16
    assert operational(View.WEST, datetime(2023, 1, 4, 17, tzinfo=UTC)) is G17
    assert operational(View.WEST, datetime(2023, 1, 4, 19, tzinfo=UTC)) is G18
    assert operational(View.EAST, datetime(2017, 1, 1, tzinfo=UTC)) is None


def test_satellite_labels_say_when_each_was_operational() -> None:
    assert satellite_label(G19) == "GOES-19 (East since 2025-04-07)"
    assert satellite_label(G18) == "GOES-18 (West since 2023-01-04)"
    assert satellite_label(G16) == "GOES-16 (East 2017-12-18 to 2025-04-07)"
    assert satellite_label(G17) == "GOES-17 (West 2019-02-12 to 2023-01-04)"


def test_a_view_query_parses_and_refuses_a_range_before_its_first_satellite() -> None:
    query = parse_view_or_satellite("GOES-East", datetime(2025, 4, 6), datetime(2025, 4, 9), sector="fd")
    assert isinstance(query, ViewQuery) and query.view is View.EAST and query.sector is Sector.FULL_DISK
    assert [p.query.satellite for p in query.parts()] == [G16, G19]
    assert query.title.startswith("GOES-East (GOES-16, GOES-19 from 2025-04-07 15:00) Full Disk band 13")
    with pytest.raises(QueryError, match="GOES-East began with GOES-16 on 2017-12-18"):
        ViewQuery(View.EAST, datetime(2017, 6, 1, tzinfo=UTC), datetime(2017, 6, 2, tzinfo=UTC))


@pytest.fixture
def east() -> Iterator[ViewEmulator]:
    with ViewEmulator(EAST_DATA, start=START, end=END, now=END, nc_shape=(60, 100), missing_fraction=0.0) as emu:
        yield emu


def _listed_hours(emu: ViewEmulator) -> dict[str, set[str]]:
    """bucket -> the hour prefixes the client listed."""
    out: dict[str, set[str]] = {}
    for (method, path, query), _n in emu.s3.requests.items():
        prefix = parse_qs(query).get("prefix", [""])[0]
        if method == "GET" and prefix:
            out.setdefault(path.strip("/").split("/")[0], set()).add(prefix)
    return out


def _object_starts(emu: ViewEmulator) -> dict[str, list[str]]:
    """bucket -> the scan starts (``YYYYDDDHHMMSS``) of the objects the client downloaded."""
    out: dict[str, list[str]] = {"noaa-goes16": [], "noaa-goes19": []}
    for (method, path, _query), _n in emu.s3.requests.items():
        bucket, _, key = path.strip("/").partition("/")
        if method == "GET" and key.endswith(".nc"):
            out[bucket].append(key.split("_s", 1)[1][:13])
    return out


def _cdn_frames(emu: ViewEmulator) -> set[str]:
    return {path.rsplit("/", 1)[1] for path in emu.cdn.requests if path.endswith(".jpg")}


def _look(path: Path) -> tuple[tuple[int, int], str, str | None]:
    with Image.open(path) as im:
        im.load()
        return im.size, im.mode, dict(getattr(im, "text", {})).get("goesvfi-colour-table")


@pytest.mark.slow
async def test_an_east_fetch_across_the_handover_one_folder_one_look(
    east: ViewEmulator, folder: Path, tmp_path: Path
) -> None:
    query = ViewQuery(View.EAST, START, END)
    async with manager_for(east, folder, END, tmp_path / "c.sqlite", allow_mixed=False, cdn_days=0.5 / 24) as m:
        report = await fetch_view(m, folder, query)
    hours = [f"{START + timedelta(minutes=m):%Y%m%dT%H%M}00Z" for m in range(1, 120, 5)]
    expected = {f"goes16_conus_C13_{h}.png" for h in hours[:12]} | {f"goes19_conus_C13_{h}.png" for h in hours[12:]}
    assert frame_names(folder) == expected  # 14:01-14:56 GOES-16, 15:01-15:56 GOES-19, real names kept
    assert len({_look(folder / name) for name in expected}) == 1  # one look over both satellites
    assert [s.satellite for s in report.slots] == [G16] * 12 + [G19] * 12
    assert all(s.status is SlotStatus.FETCHED for s in report.slots)
    # nothing asked of a satellite outside its era: each object fetched from GOES-16 starts before the handover,
    # each from GOES-19 after; a listing reaches one hour past a slot only for the scan window of its last slot
    starts = _object_starts(east)
    assert starts["noaa-goes16"] and max(starts["noaa-goes16"]) < "2025097150000"
    assert starts["noaa-goes19"] and min(starts["noaa-goes19"]) >= "2025097150000"
    listed = _listed_hours(east)
    assert "ABI-L1b-RadC/2025/097/16/" not in listed["noaa-goes16"]
    assert "ABI-L1b-RadC/2025/097/14/" not in listed["noaa-goes19"]
    jpgs = _cdn_frames(east)
    assert any("_GOES19-" in name for name in jpgs)  # slots after 15:30 came from the CDN
    assert all(name.startswith("20250971") and "_GOES19-" in name for name in jpgs if name[7:9] == "15")
    assert all("_GOES16-" in name for name in jpgs if name[7:9] == "14")
    assert leftovers(folder) == []


@pytest.mark.slow
def test_east_on_the_command_line_names_each_frame_s_satellite(
    east: ViewEmulator, folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a GOES-19 frame before the handover, in the overlap: it covers the GOES-16 slot (nothing fetched for it)
    Image.new("RGB", (416, 250)).save(folder / "goes19_conus_C13_20250407T143100Z.png")
    env = ["--cdn-url", east.cdn.url, "--s3-endpoint", east.s3.endpoint, "--now", END.isoformat()]
    args = ["fetch", str(folder), "--satellite", "east", "--start", START.isoformat(), "--end", END.isoformat()]
    csv_path = tmp_path / "east.csv"
    code = main([*args, *env, "--no-cache", "--cdn-days", "0", "--allow-mixed", "--csv", str(csv_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "GOES-East (GOES-16, GOES-19 from 2025-04-07 15:00)" in out
    assert "Frames by satellite: GOES-16 11 (2025-04-07 14:01 -> 2025-04-07 14:56 UTC), GOES-19 13" in out
    rows = list(csv.DictReader(csv_path.open()))
    by_time = {r["timestamp"]: (r["satellite"], r["status"]) for r in rows}
    assert by_time["2025-04-07T14:31:00Z"] == ("goes19", "present")
    assert by_time["2025-04-07T14:26:00Z"] == ("goes16", "fetched")
    assert by_time["2025-04-07T15:01:00Z"] == ("goes19", "fetched")
    assert len(rows) == 24 and "goes16_conus_C13_20250407T143100Z.png" not in frame_names(folder)


def test_the_tab_s_satellite_list_says_when_each_was_operational(qtbot) -> None:
    from goesvfi.integrity_check.gui.widgets.controls import satellite_combo

    combo = satellite_combo()
    qtbot.addWidget(combo)
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert "GOES-19 (East since 2025-04-07)" in labels and "GOES-18 (West since 2023-01-04)" in labels
    assert "GOES-16 (East 2017-12-18 to 2025-04-07)" in labels


@pytest.mark.slow
def test_the_tab_scans_and_fetches_goes_east_across_the_handover(
    qtbot, qt_settings, qloop, east: ViewEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.tab_support import make_tab

    for name, value in east.env().items():
        monkeypatch.setenv(name, value)
    tab = make_tab(qtbot, tmp_path, now=lambda: END)
    vm = tab.view_model
    assert tab.ui.satellite.currentData() is View.EAST and vm.inputs.satellite is G19  # East first, the default
    folder = tmp_path / "east"
    folder.mkdir()
    vm.apply_inputs(directory=str(folder), satellite=View.EAST, start=START, end=END)
    with qtbot.waitSignal(vm.scan_completed, timeout=30000):
        tab.ui.scan.click()
    qtbot.waitUntil(lambda: not vm.busy, timeout=5000)
    assert vm.digest is not None and vm.digest.counts[SlotStatus.MISSING] == 24
    with qtbot.waitSignal(vm.fetch_completed, timeout=60000):
        tab.ui.fetch.click()
    qtbot.waitUntil(lambda: not vm.busy, timeout=5000)
    names = frame_names(folder)
    assert len([n for n in names if n.startswith("goes16_conus_C13_20250407T14")]) == 12
    assert len([n for n in names if n.startswith("goes19_conus_C13_20250407T15")]) == 12
    assert len(names) == 24
    jpgs = _cdn_frames(east)
    assert jpgs and all(("_GOES16-" in n) == (n[7:9] == "14") for n in jpgs)  # each slot asked of its own satellite


def test_an_east_report_names_each_frame_s_satellite(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slots = [START + timedelta(minutes=m) for m in range(1, 120, 5)]
    for when in slots[:20]:  # 14:01 .. 15:36; 15:41 .. 15:56 missing
        satellite = "goes16" if when < HANDOVER else "goes19"
        write_frame(folder / f"{satellite}_conus_C13_{when:%Y%m%dT%H%M}00Z.png")
    page = tmp_path / "east.html"
    argv = ["report", str(folder), "--satellite", "east", "--start", START.isoformat(), "--end", END.isoformat()]
    assert main([*argv, "--no-cache", "--html", str(page)]) == 0
    by_satellite = "GOES-16 12 (2025-04-07 14:01 -> 2025-04-07 14:56 UTC), GOES-19 8 (2025-04-07 15:01 -> "
    assert f"Frames by satellite: {by_satellite}" in capsys.readouterr().out
    html = page.read_text(encoding="utf-8")
    assert "<td>Frames by satellite</td>" in html and escape(by_satellite) in html
