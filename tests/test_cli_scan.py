"""``goesvfi-integrity scan`` / ``report`` / ``gui``: in process and as real subprocesses."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import pty
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.cache.db import CacheDB
from goesvfi.integrity_check.cli import main as cli
from goesvfi.integrity_check.cli import options
from goesvfi.integrity_check.results import SlotResult, SlotStatus, Source
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.names_support import png_name
from tests.scan_support import MakeFrames

T0 = datetime(2023, 5, 1, tzinfo=UTC)
SCRIPT = Path(sys.executable).with_name("goesvfi-integrity")

# GOES-18 CONUS, 2023-05-01 00:00-02:00: canonical PNGs, then STAR CDN JPGs, then NOAA NetCDF with :17.3 starts.
MIXED = [
    "goes18_conus_C13_20230501T000100Z.png",
    "goes18_conus_C13_20230501T000600Z.png",
    "goes18_conus_C13_20230501T001100Z.png",
    "goes18_conus_C13_20230501T001600Z.png",
    "goes18_conus_C13_20230501T003100Z.png",
    "goes18_conus_C13_20230501T003600Z.png",
    "goes18_conus_C13_20230501T004100Z.png",
    "goes18_conus_C13_20230501T004600Z.png",
    "goes18_conus_C13_20230501T005100Z.png",
    "goes18_conus_C13_20230501T005600Z.png",
    "cdn/20231210101_GOES18-ABI-CONUS-13-1250x750.jpg",
    "cdn/20231210106_GOES18-ABI-CONUS-13-1250x750.jpg",
    "cdn/20231210111_GOES18-ABI-CONUS-13-2500x1500.jpg",
    "cdn/20231210121_GOES18-ABI-CONUS-13-1250x750.jpg",
    "cdn/20231210126_GOES18-ABI-CONUS-13-1250x750.jpg",
    "s3/OR_ABI-L1b-RadC-M6C13_G18_s20231210131173_e20231210133546_c20231210134030.nc",
    "s3/OR_ABI-L1b-RadC-M6C13_G18_s20231210136173_e20231210138546_c20231210139030.nc",
    "s3/OR_ABI-L1b-RadC-M6C13_G18_s20231210141173_e20231210143546_c20231210144030.nc",
    "s3/OR_ABI-L1b-RadC-M6C13_G18_s20231210156173_e20231210158546_c20231210159030.nc",
    # Decoys: other satellite, sector and band; a download in progress; a report.
    "goes16_conus_C13_20230501T002100Z.png",
    "cdn/20231210026_GOES18-ABI-FD-13-1808x1808.jpg",
    "s3/OR_ABI-L1b-RadC-M6C07_G18_s20231210146173_e20231210148546_c20231210149030.nc",
    ".goes18_conus_C13_20230501T011600Z.png.part-1a2b3c",
    "goes18_20230501T015100Z_report.csv",
]
MISSING = ["2023-05-01T00:21:00Z", "2023-05-01T00:26:00Z", "2023-05-01T01:16:00Z", "2023-05-01T01:46:00Z",
           "2023-05-01T01:51:00Z"]  # fmt: skip
EXPECTED = [f"2023-05-01T{h:02d}:{m:02d}:00Z" for h in (0, 1) for m in range(1, 60, 5)]
ARGS = ["--satellite", "goes18", "--start", "2023-05-01T00:00", "--end", "2023-05-01T02:00Z"]


@pytest.fixture
def mixed(make_frames: MakeFrames) -> Path:
    return make_frames(MIXED)


def check_json(doc: dict) -> None:
    assert doc["expected"] == EXPECTED
    assert doc["missing"] == MISSING
    assert doc["existing"] == [t for t in EXPECTED if t not in MISSING]
    assert doc["interval_minutes"] == 5
    assert doc["gaps"] == [
        {"start": "2023-05-01T00:21:00Z", "end": "2023-05-01T00:26:00Z", "count": 2},
        {"start": "2023-05-01T01:16:00Z", "end": "2023-05-01T01:16:00Z", "count": 1},
        {"start": "2023-05-01T01:46:00Z", "end": "2023-05-01T01:51:00Z", "count": 2},
    ]
    assert doc["summary"]["missing_percent"] == round(100 * 5 / 24, 2)
    assert doc["warnings"] == []


def test_scan_json_in_process(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["scan", str(mixed), *ARGS, "--json"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1 and err == ""
    check_json(json.loads(out))


@pytest.mark.slow
@pytest.mark.parametrize("command", [[sys.executable, "-m", "goesvfi.integrity_check"], [str(SCRIPT)]])
def test_scan_json_subprocess(mixed: Path, command: list[str]) -> None:
    done = subprocess.run([*command, "scan", str(mixed), *ARGS, "--json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    check_json(json.loads(done.stdout))
    again = subprocess.run([*command, "scan", str(mixed), *ARGS, "--json"], capture_output=True, text=True, timeout=60)
    check_json(json.loads(again.stdout))  # from the cache this time


def test_scan_human_and_csv(mixed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.csv"
    assert cli.main(["scan", str(mixed), *ARGS, "--csv", str(target)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[2] == "Expected 24, present 19, missing 5 (20.83%)"
    assert out[3] == "3 gaps; longest: 2023-05-01 00:21 -> 00:26 UTC, 2 missing"
    with target.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["timestamp"] for r in rows] == EXPECTED
    assert [r["timestamp"] for r in rows if r["status"] == "missing"] == MISSING
    assert rows[12]["local_path"] == str(mixed / "cdn" / "20231210101_GOES18-ABI-CONUS-13-1250x750.jpg")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["scan", "{missing}", *ARGS], "does not exist"),
        (["scan", "{file}", *ARGS], "is not a folder"),
        (["scan", "{dir}", "--satellite", "goes21", "--start", "2023-05-01", "--end", "2023-05-02"], "goes21"),
        (
            ["scan", "{dir}", "--satellite", "goes18", "--start", "2023-05-02", "--end", "2023-05-01"],
            "must be after the start",
        ),
        (["scan", "{dir}", "--satellite", "goes18", "--start", "yesterday", "--end", "2023-05-01"], "not a date"),
        (
            ["scan", "{dir}", "--satellite", "goes18", "--start", "2023-05-01T00:02", "--end", "2023-05-01T00:04"],
            "no GOES-18 CONUS scan times",
        ),
        (["scan", "{dir}", *ARGS, "--sector", "west"], "unknown sector"),
        (["scan", "{dir}", *ARGS, "--band", "0"], "band 0"),
        (["scan", "{dir}", *ARGS, "--interval", "-5"], "negative"),
        (["scan", "{dir}", *ARGS, "--band", "x"], "invalid int"),
        (["scan", "{dir}", "--satellite", "goes18", "--start", "2023-05-01"], "--end"),
        (["frobnicate"], "invalid choice"),
        (["scan", "{dir}", *ARGS, "--json", "--csv", "-"], "both print to stdout"),
        (["report", "{dir}", *ARGS, "--json"], "--csv FILE"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "f.txt").touch()
    values = {"missing": str(tmp_path / "nope"), "file": str(tmp_path / "f.txt"), "dir": str(tmp_path)}
    assert cli.main([a.format(**values) for a in argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and message in err and "Traceback" not in err


def test_bad_input_subprocess(tmp_path: Path) -> None:
    done = subprocess.run([str(SCRIPT), "scan", str(tmp_path / "nope"), *ARGS], capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"goesvfi-integrity: error: folder {tmp_path / 'nope'} does not exist\n"


def test_goes16_after_2025_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["scan", str(tmp_path), "--satellite", "goes16", "--start", "2026-01-01", "--end", "2026-01-01T01:00"]
    assert cli.main(argv) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: GOES-16 stopped producing ABI data on 2025-04-07") and "GOES-19" in err


def test_report_merges_the_fetch_log(mixed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache_dir = tmp_path / "cache"
    g18, conus = SatellitePattern.GOES_18, Sector.CONUS
    fetched_path = mixed / png_name(g18, conus, 13, T0 + timedelta(minutes=1))

    async def log() -> None:
        async with CacheDB(cache_dir / "cache.sqlite3") as db:
            await db.log_fetches(
                [
                    SlotResult(
                        T0 + timedelta(minutes=1),
                        g18,
                        conus,
                        13,
                        SlotStatus.FETCHED,
                        Source.S3,
                        fetched_path,
                        "ABI-L1b-RadC/2023/121/00/OR_x.nc",
                    ),
                    SlotResult(
                        T0 + timedelta(minutes=21),
                        g18,
                        conus,
                        13,
                        SlotStatus.FAILED,
                        Source.CDN,
                        None,
                        "https://cdn.example/x.jpg",
                        "HTTP 404",
                    ),
                ]
            )

    asyncio.run(log())
    assert cli.main(["report", str(mixed), *ARGS, "--cache-dir", str(cache_dir)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    by_time = {r["timestamp"]: r for r in rows}
    assert len(rows) == 24
    assert by_time["2023-05-01T00:01:00Z"]["status"] == "fetched"
    assert by_time["2023-05-01T00:01:00Z"]["source"] == "s3"
    assert by_time["2023-05-01T00:21:00Z"]["status"] == "failed"
    assert by_time["2023-05-01T00:21:00Z"]["error"] == "HTTP 404"
    assert by_time["2023-05-01T00:26:00Z"]["status"] == "missing"
    assert by_time["2023-05-01T00:06:00Z"]["status"] == "present"


def test_no_arguments_without_a_display_prints_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: goesvfi-integrity") and "scan" in out and "report" in out


@pytest.mark.slow
def test_gui_options_reach_the_window_lazily() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    code = "import sys; from goesvfi.integrity_check.cli.main import main; rc = main(['gui', '--help']); " \
           "print('qt-before-gui', 'PyQt6' in sys.modules); raise SystemExit(rc)"  # fmt: skip
    probe = "import sys; import goesvfi.integrity_check.cli.main as c; c.build_parser(); print('PyQt6' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env).stdout == "False\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "--directory" in done.stdout and "--satellite" in done.stdout  # the window's own options


@pytest.mark.slow
def test_progress_bar_only_on_a_terminal(mixed: Path) -> None:
    argv = [sys.executable, "-m", "goesvfi.integrity_check", "scan", str(mixed), *ARGS, "--rescan"]
    plain = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert plain.returncode == 0 and plain.stderr == ""
    master, slave = pty.openpty()
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=slave, timeout=60)
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
    tty = b"".join(chunks).decode()
    assert done.returncode == 0
    assert "\r" in tty and "scan   [" in tty and "Scan complete" in tty
    assert b"Expected 24" in done.stdout


def test_time_options() -> None:
    assert options.parse_utc("2023-05-01") == T0
    assert options.parse_utc("2023-05-01T02:00+02:00") == T0
    assert options.parse_utc("2023-05-01 00:00Z") == T0
    with pytest.raises(options.UsageError):
        options.parse_utc("2023-05-32")


def test_archive_args_for_other_commands(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    options.add_archive_options(parser, time_range=False)
    ns = parser.parse_args([str(tmp_path), "--satellite", "g19", "--sector", "fd", "--cache-dir", str(tmp_path)])
    args = options.archive_args(ns, start=T0, end=T0 + timedelta(hours=1))
    assert (args.query.satellite, args.query.sector, args.query.band, args.query.interval_minutes) == (
        SatellitePattern.GOES_19, Sector.FULL_DISK, 13, 0,
    )  # fmt: skip
    cache = args.cache()
    assert cache is not None and cache.path == tmp_path / "cache.sqlite3"


# --------------------------------------------------------------------------------------------------
# Availability (issue 12): scan --remote against the emulator, offline, and what auto interval says
# --------------------------------------------------------------------------------------------------


def test_scan_remote_counts_what_noaa_never_produced(
    make_frames: MakeFrames, noaa_emulator_factory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A complete GOES-17 folder on a cooling day the model has no dates for: 0 missing, 72 never produced."""
    day = datetime(2021, 3, 1, tzinfo=UTC)
    start, end = day + timedelta(hours=5), day + timedelta(hours=13)
    cooling = (day + timedelta(hours=6), day + timedelta(hours=12))  # no CONUS 06:01 ... 11:56
    emu = noaa_emulator_factory(
        satellite=SatellitePattern.GOES_17, start=start, end=end, now=day + timedelta(days=30),
        missing_fraction=0.0, never_produced=[cooling],
    )  # fmt: skip
    slots = [start + timedelta(minutes=m) for m in range(1, 8 * 60, 5)]  # 96, minute % 5 == 1
    have = [s for s in slots if not cooling[0] <= s < cooling[1]]
    folder = make_frames([png_name(SatellitePattern.GOES_17, Sector.CONUS, 13, s) for s in have])
    argv = ["scan", str(folder), "--satellite", "goes17", "--start", start.isoformat(), "--end", end.isoformat(),
            "--remote", "--cdn-url", emu.cdn_url, "--s3-endpoint", emu.s3_endpoint, "--now", "2021-03-31T00:00",
            "--cache-dir", str(tmp_path / "cache")]  # fmt: skip
    assert cli.main([*argv, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["availability"] == "checked" and doc["missing"] == []
    assert len(doc["unavailable"]) == 72 and doc["unavailable"][0] == "2021-03-01T06:01:00Z"
    assert doc["unavailable"][-1] == "2021-03-01T11:56:00Z"
    assert doc["summary"]["present"] == 24 and doc["summary"]["never_produced"] == 72
    assert doc["gaps"] == [] and doc["noaa_gaps"] == [
        {"start": "2021-03-01T06:01:00Z", "end": "2021-03-01T11:56:00Z", "count": 72}
    ]
    assert "not in NOAA's S3 listing" in doc["unavailable_reasons"]["2021-03-01T06:01:00Z"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "Expected 96, present 24, missing 0 (0.0%), 72 never produced by NOAA" in out
    assert "2021-03-01 06:01 -> 11:56 UTC, 72 never produced by NOAA" in out
    assert "NOAA availability: checked" in out
    csv_path = tmp_path / "scan.csv"
    assert cli.main([*argv, "--csv", str(csv_path)]) == 0
    rows = list(csv.DictReader(csv_path.open()))
    assert [r["status"] for r in rows].count("unavailable") == 72 and len(rows) == 96


def test_scan_remote_offline_says_unknown_and_scans_as_before(
    make_frames: MakeFrames, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make_frames([png_name(SatellitePattern.GOES_18, Sector.CONUS, 13, T0 + timedelta(minutes=1))])
    dead = "http://127.0.0.1:9"
    argv = ["scan", str(folder), *ARGS, "--remote", "--cdn-url", dead, "--s3-endpoint", dead, "--json",
            "--cache-dir", str(tmp_path / "cache")]  # fmt: skip
    assert cli.main(argv) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["availability"] == "unknown" and doc["unavailable"] == [] and len(doc["missing"]) == 23
    assert "warning: availability unknown" in err


def test_scan_json_says_how_the_interval_was_detected(
    make_frames: MakeFrames, capsys: pytest.CaptureFixture[str]
) -> None:
    names = [png_name(SatellitePattern.GOES_18, Sector.CONUS, 13, T0 + timedelta(minutes=m))
             for m in (1, 6, 11, 21, 26, 36, 46, 56)]  # fmt: skip
    folder = make_frames(names)
    argv = ["scan", str(folder), "--satellite", "goes18", "--start", "2023-05-01T00:00", "--end", "2023-05-01T01:00"]
    assert cli.main([*argv, "--json"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["interval"] == {"minutes": 5, "detected": True, "steps": 3, "given": False}
    assert doc["missing"] == ["2023-05-01T00:16:00Z", "2023-05-01T00:31:00Z", "2023-05-01T00:41:00Z",
                              "2023-05-01T00:51:00Z"]  # fmt: skip
    assert "the folder's steps disagree" in err and doc["availability"] == "not checked"
    assert cli.main(argv) == 0
    assert "Every 5 min (detected from 3 steps between files)" in capsys.readouterr().out


def test_a_scan_stops_at_now_and_refuses_a_start_in_the_future(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Frames after now cannot exist yet: they are not counted missing (the window does the same)."""
    base = [str(tmp_path), "--satellite", "goes18", "--start", "2023-05-01T00:00", "--end", "2023-05-01T01:00"]
    assert cli.main(["scan", *base, "--now", "2023-05-01T00:33:00Z", "--json"]) == 0
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert result["expected"] == [f"2023-05-01T00:{m:02d}:00Z" for m in (1, 6, 11, 16, 21, 26, 31)]
    assert "note: scanning up to now (2023-05-01T00:34:00Z)" in err
    assert cli.main(["scan", *base, "--now", "2023-04-30T12:00:00Z"]) == 2
    assert "the start (2023-05-01T00:00:00Z) is in the future" in capsys.readouterr().err


def test_the_report_summary_counts_what_the_fetch_log_says(
    mixed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Slots a fetch found NOAA never had are 'never produced' in the summary, as in the CSV and the HTML."""
    cache_dir, g18, conus = tmp_path / "cache", SatellitePattern.GOES_18, Sector.CONUS
    gone = [T0 + timedelta(minutes=m) for m in (106, 111)]  # the 01:46 - 01:51 gap of the folder

    async def log() -> None:
        async with CacheDB(cache_dir / "cache.sqlite3") as db:
            await db.log_fetches(
                [SlotResult(t, g18, conus, 13, SlotStatus.UNAVAILABLE, error="not in NOAA's S3 listing") for t in gone]
            )

    asyncio.run(log())
    csv_path, html_path = tmp_path / "r.csv", tmp_path / "r.html"
    args = [
        "report",
        str(mixed),
        *ARGS,
        "--cache-dir",
        str(cache_dir),
        "--csv",
        str(csv_path),
        "--html",
        str(html_path),
    ]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "Expected 24, present 19, missing 3 (12.5%), 2 never produced by NOAA" in out
    assert "01:46 -> 01:51 UTC, 2 never produced by NOAA" in out and "01:46 -> 01:51 UTC, 2 missing" not in out
    rows = {r["timestamp"]: r["status"] for r in csv.DictReader(csv_path.open())}
    assert [rows[iso] for iso in ("2023-05-01T01:46:00Z", "2023-05-01T01:51:00Z")] == ["unavailable"] * 2
