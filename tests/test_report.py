"""CSV report, fetch-log merge and gap analytics, against hand-computed values."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.report import (
    CSV_COLUMNS,
    format_summary,
    merge_fetch_log,
    summarize,
    write_csv,
)
from goesvfi.integrity_check.results import SlotResult, SlotStatus, Source
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

G18, CONUS = SatellitePattern.GOES_18, Sector.CONUS
T0 = datetime(2023, 5, 1, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def slots() -> list[SlotResult]:
    return [
        SlotResult(at(1), G18, CONUS, 13, SlotStatus.PRESENT, Source.LOCAL, Path("/f/a.png")),
        SlotResult(at(6), G18, CONUS, 13, SlotStatus.FETCHED, Source.S3, Path("/f/b.png"), "ABI/x.nc"),
        SlotResult(at(11), G18, CONUS, 13, SlotStatus.FAILED, Source.CDN, None, "https://c/x.jpg", 'HTTP 503, "busy"'),
        SlotResult(at(16), G18, CONUS, 13),
    ]


def test_csv_columns_and_rows(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    write_csv(target, slots())
    with target.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CSV_COLUMNS == (
        "timestamp", "satellite", "sector", "band", "status", "source", "local_path", "remote", "error", "look",
    )  # fmt: skip
    assert rows[1] == ["2023-05-01T00:01:00Z", "goes18", "conus", "13", "present", "local", "/f/a.png", "", "", ""]
    assert rows[2] == [
        "2023-05-01T00:06:00Z", "goes18", "conus", "13", "fetched", "s3", "/f/b.png", "ABI/x.nc", "", "",
    ]  # fmt: skip
    assert rows[3][4:] == ["failed", "cdn", "", "https://c/x.jpg", 'HTTP 503, "busy"', ""]
    assert rows[4] == ["2023-05-01T00:16:00Z", "goes18", "conus", "13", "missing", "", "", "", "", ""]
    assert len(rows) == 5


def test_csv_replaces_atomically_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    target.write_text("old")
    write_csv(target, slots()[:1])
    assert target.read_text().count("\n") == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]
    with pytest.raises(OSError):
        write_csv(tmp_path / "no" / "such" / "folder.csv", slots())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]


def test_summarize_hand_computed() -> None:
    # Two days of 6 slots each (4-hourly); missing: day 1 slots 2-4, day 2 slots 0 and 5 (the last).
    expected = [T0 + timedelta(hours=4 * i) for i in range(12)]
    missing = [expected[i] for i in (2, 3, 4, 6, 11)]
    s = summarize(expected, missing)
    assert s["expected"] == 12 and s["present"] == 7 and s["missing"] == 5
    assert s["missing_percent"] == 41.67
    assert s["gaps"] == 3
    assert s["longest_gap"]["start"] == "2023-05-01T08:00:00Z" and s["longest_gap"]["end"] == "2023-05-01T16:00:00Z"
    assert s["longest_gap"]["count"] == 3
    assert s["missing_per_day"] == {"2023-05-01": 3, "2023-05-02": 2}


def test_summarize_ties_and_empty() -> None:
    expected = [at(5 * i + 1) for i in range(6)]
    s = summarize(expected, [expected[1], expected[4]])
    assert s["gaps"] == 2 and s["longest_gap"]["start"] == "2023-05-01T00:06:00Z"  # the earliest of equal gaps
    none = summarize(expected, [])
    assert none["gaps"] == 0 and none["longest_gap"] is None and none["missing_percent"] == 0.0
    assert summarize([], [])["expected"] == 0


def test_format_summary() -> None:
    expected = [at(5 * i + 1) for i in range(288)]
    missing = [*expected[36:60], expected[100]]
    text = format_summary(expected, missing, title="GOES-18 CONUS")
    lines = text.splitlines()
    assert lines[0] == "GOES-18 CONUS"
    assert lines[1] == "Expected 288, present 263, missing 25 (8.68%)"
    assert lines[2] == "2 gaps; longest: 2023-05-01 03:01 -> 04:56 UTC, 24 missing"
    assert "  2023-05-01 08:21 UTC, 1 missing" in lines
    assert lines[-1] == "  2023-05-01  25 of 288"
    assert format_summary(expected, []).endswith("No gaps.")
    many = format_summary(expected, expected[::2], max_lines=3)
    assert "  ... and 141 more" in many.splitlines()


def test_merge_fetch_log() -> None:
    scan = [
        SlotResult(at(1), G18, CONUS, 13, SlotStatus.PRESENT, Source.LOCAL, Path("/f/1.png")),
        SlotResult(at(6), G18, CONUS, 13, SlotStatus.PRESENT, Source.LOCAL, Path("/f/6.png")),
        SlotResult(at(11), G18, CONUS, 13),
        SlotResult(at(16), G18, CONUS, 13),
        SlotResult(at(21), G18, CONUS, 13),
    ]
    log = {
        at(1): SlotResult(at(1), G18, CONUS, 13, SlotStatus.FETCHED, Source.CDN, Path("/f/1.png"), "https://c/1.jpg"),
        at(6): SlotResult(at(6), G18, CONUS, 13, SlotStatus.FAILED, Source.S3, None, "k6", "timeout"),
        at(11): SlotResult(at(11), G18, CONUS, 13, SlotStatus.FAILED, Source.S3, None, "k11", "not in the archive"),
        at(16): SlotResult(at(16), G18, CONUS, 13, SlotStatus.FETCHED, Source.S3, Path("/f/16.png"), "k16"),
    }
    merged = merge_fetch_log(scan, log)
    got = [(r.status, r.source, r.path, r.remote, r.error) for r in merged]
    assert got == [
        (SlotStatus.FETCHED, Source.CDN, Path("/f/1.png"), "https://c/1.jpg", None),
        (SlotStatus.PRESENT, Source.LOCAL, Path("/f/6.png"), None, None),  # failed once, there now
        (SlotStatus.FAILED, Source.S3, None, "k11", "not in the archive"),
        (SlotStatus.MISSING, Source.S3, None, "k16", "fetched before, but no longer in the folder"),
        (SlotStatus.MISSING, None, None, None, None),
    ]


def test_fillable_gaps_and_noaa_gaps_are_counted_apart() -> None:
    """Issue 12: 288 expected, 216 present, 0 missing, 72 never produced (a GOES-17 cooling day, 06:01-11:56)."""
    expected = [at(5 * i + 1) for i in range(288)]
    never = expected[72:144]  # 06:01 ... 11:56
    s = summarize(expected, [], never)
    assert (s["expected"], s["present"], s["missing"], s["never_produced"]) == (288, 216, 0, 72)
    assert s["gaps"] == 0 and s["noaa_gaps"] == 1
    lines = format_summary(expected, [], unavailable=never).splitlines()
    assert lines[0] == "Expected 288, present 216, missing 0 (0.0%), 72 never produced by NOAA"
    assert lines[1] == "1 NOAA gap (nothing to fetch):"
    assert lines[2] == "  2023-05-01 06:01 -> 11:56 UTC, 72 never produced by NOAA"
    assert lines[-1] == "No gaps to fill."
    # a missing slot next to NOAA's gap is its own (fillable) gap, not part of NOAA's
    both = summarize(expected, [expected[144]], never)
    assert (both["gaps"], both["longest_gap"]["start"], both["present"]) == (1, "2023-05-01T12:01:00Z", 215)
