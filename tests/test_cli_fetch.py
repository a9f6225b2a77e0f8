"""``goesvfi-integrity fetch`` against the emulator: JSON, CSV, exit codes, clean messages, Ctrl-C."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.cli.main import main
from goesvfi.integrity_check.emulator.cdn_server import Fault, FaultKind
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.fetch import disk_guard
from tests.emulator_fixtures import EMULATOR_START
from tests.fetch_support import canonical, frame_names, leftovers, png_size
from tests.lock_support import start_holder, stop_holder

Factory = Callable[..., NoaaEmulator]
RANGE = ["--start", "2023-05-01T00:00", "--end", "2023-05-01T01:00"]  # 12 CONUS slots
IN_CDN_WINDOW = "2023-05-01T02:00"
S3_ONLY = "2023-06-01T00:00"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["fetch", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
@pytest.mark.usefixtures("cache_beside_folder")
def test_json_summary_and_exit_zero_when_everything_arrives(
    noaa_env_factory: Factory, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emu = noaa_env_factory(missing_fraction=0.0)
    code, out, err = run(capsys, str(folder), "--satellite", "goes18", *RANGE, "--now", IN_CDN_WINDOW, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["total"], result["existing"], result["fetched"], result["failed"]) == (12, 0, 12, [])
    assert result["sources"] == {"cdn": 12}
    assert "\r" not in err  # no progress bar when stderr is not a terminal
    assert frame_names(folder) == {canonical(emu, EMULATOR_START + timedelta(minutes=m)) for m in range(1, 60, 5)}
    assert png_size(folder / canonical(emu, EMULATOR_START + timedelta(minutes=1))) == (2500, 1500)  # CONUS default

    code, out, _ = run(capsys, str(folder), "--satellite", "goes18", *RANGE, "--now", IN_CDN_WINDOW, "--json")
    assert code == 0 and json.loads(out) | {"sources": None} == {
        "total": 12, "existing": 12, "fetched": 0, "failed": [], "unavailable": [], "sources": None,
        "stopped": None, "warnings": [],
        "look": {"width": 2500, "height": 1500, "mode": "RGB", "colour_table": "star"}, "look_notes": [],
        "mismatched": [],
    }  # fmt: skip


@pytest.mark.slow
@pytest.mark.usefixtures("cache_beside_folder")
def test_a_range_that_runs_past_now_is_not_a_failure(
    noaa_env_factory: Factory, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A cron job asking up to a rounded-up hour: the slots after ``--now`` are not published yet, not failed."""
    noaa_env_factory(missing_fraction=0.0)
    now = "2023-05-01T00:33:00Z"  # 00:01 ... 00:31 exist (7 slots); 00:36 ... 00:56 are in the future (5)
    code, out, err = run(capsys, str(folder), "--satellite", "goes18", *RANGE, "--now", now, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["total"], result["fetched"], result["failed"]) == (12, 7, [])
    future = [f"2023-05-01T00:{m:02d}:00Z" for m in (36, 41, 46, 51, 56)]
    assert [u["timestamp"] for u in result["unavailable"]] == future
    assert all("in the future: not published yet" in u["reason"] for u in result["unavailable"])


@pytest.mark.slow
@pytest.mark.usefixtures("cache_beside_folder")
def test_slots_noaa_lacks_are_skipped_and_the_csv_says_where_each_came_from(
    noaa_env_factory: Factory, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emu = noaa_env_factory(missing_fraction=0.25, seed=5)
    report = folder.parent / "fetch.csv"
    args = [str(folder), "--satellite", "GOES-18", *RANGE, "--now", S3_ONLY, "--json", "--csv", str(report)]
    code, out, err = run(capsys, *args)
    assert f"CSV report written to {report.resolve()} (12 rows)" in err  # stdout holds the JSON only
    on_s3 = {s for s in emu.s3_slots if s < EMULATOR_START + timedelta(hours=1)}
    absent = sorted(set(emu.expected[:12]) - on_s3)
    assert absent  # the seeded archive lacks some slots
    assert code == 0  # what NOAA does not have is not a failure: everything fetchable was fetched
    result = json.loads(out)
    assert result["fetched"] == len(on_s3) and result["failed"] == []
    assert [f["timestamp"] for f in result["unavailable"]] == [f"{t:%Y-%m-%dT%H:%M:%SZ}" for t in absent]
    assert all("S3: not in its listing" in f["reason"] for f in result["unavailable"])
    rows = list(csv.DictReader(report.open()))
    assert [r["timestamp"] for r in rows] == [f"{t:%Y-%m-%dT%H:%M:%SZ}" for t in emu.expected[:12]]
    for row in rows:
        if row["status"] == "fetched":
            assert row["source"] == "s3" and row["remote"].startswith(
                "ABI-L1b-RadC/2023/121/00/OR_ABI-L1b-RadC-M6C13_G18"
            )
            assert Path(row["local_path"]).parent == folder
            assert row["look"] == "ok"  # fetched frames are written in the folder's look
        else:
            assert row["look"] == ""  # no frame, no look
            assert row["status"] == "unavailable" and row["error"].startswith("no NOAA source has it")
    assert leftovers(folder.parent) == []


@pytest.mark.slow
@pytest.mark.usefixtures("cache_beside_folder")
def test_human_summary_groups_the_reasons(
    noaa_env: NoaaEmulator, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = folder.parent / "reports" / "gaps.csv"
    report.parent.mkdir()
    args = [str(folder), "--satellite", "goes16", "--start", "2026-01-01", "--end", "2026-01-01T01:00"]
    code, out, err = run(capsys, *args, "--csv", str(report))
    assert out.rstrip().splitlines()[-1] == f"CSV report written to {report.resolve()} (12 rows)"
    assert len(list(csv.DictReader(report.open()))) == 12
    assert code == 0  # NOAA never produced them: not the user's gap (DOMAIN.md: GOES-16 stopped on 2025-04-07)
    assert "warning: GOES-16 stopped producing ABI data on 2025-04-07" in err
    assert "Skipped 12 slots NOAA does not have (not tried): GOES-16 stopped producing ABI data on 2025-04-07" in out
    assert "12 never produced by NOAA" in out and "No gaps to fill." in out
    assert noaa_env.cdn.request_count() == 0 and noaa_env.s3.request_count("GET") == 0


@pytest.mark.usefixtures("cache_beside_folder")
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--concurrency", "0"], "--concurrency must be at least 1"),
        (["--cdn-days", "-1"], "--cdn-days cannot be negative"),
        (["--now", "yesterday"], "--now: 'yesterday' is not a date and time"),
        (["--satellite", "goes15"], "unknown satellite 'goes15'"),
        (["--end", "2023-04-30"], "must be after the start"),
        (["--csv", "-", "--json"], "--csv - and --json both print to stdout"),
    ],
)
def test_bad_input_is_one_line_and_exit_two(
    folder: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    code, out, err = run(capsys, str(folder), "--satellite", "goes18", *RANGE, *extra)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert out == ""


def test_a_missing_folder_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope"), "--satellite", "goes18", *RANGE)
    assert code == 2 and "nope" in err and "Traceback" not in err


@pytest.mark.usefixtures("cache_beside_folder", "noaa_env")
def test_disk_guard_message_and_exit_one(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The disk cannot really be filled here: report 812 MB free (the default threshold is 1 GiB).
    monkeypatch.setattr(disk_guard, "default_disk_free", lambda _path: 812 * disk_guard.MB)
    code, out, err = run(capsys, str(folder), "--satellite", "goes18", *RANGE, "--now", IN_CDN_WINDOW)
    assert code == 1
    assert (
        err.strip().splitlines()[-1] == f"goesvfi-integrity: Stopped: only 812 MB free on {folder} (threshold 1.0 GB)"
    )
    assert "Traceback" not in err and frame_names(folder) == set()
    assert "not fetched 12" in out


@pytest.mark.slow
@pytest.mark.usefixtures("cache_beside_folder")
def test_a_fetch_waits_for_another_fetch_into_the_folder_and_says_so(
    noaa_env_factory: Factory, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    noaa_env_factory(missing_fraction=0.0)
    holder = start_holder(folder)  # another process holds the folder's fetch lock for a second
    release = threading.Timer(1.0, stop_holder, [holder])
    release.start()
    try:
        started = time.monotonic()
        code, out, err = run(capsys, str(folder), "--satellite", "goes18", *RANGE, "--now", IN_CDN_WINDOW, "--json")
    finally:
        release.join()
    assert code == 0, err
    assert time.monotonic() - started >= 1.0
    # no progress bar (stderr is not a terminal), but the wait gets its line
    assert err.splitlines() == [f"Waiting for another fetch into {os.path.realpath(folder)} (PID {holder.pid}) ..."]
    assert json.loads(out)["fetched"] == 12


@pytest.mark.slow
@pytest.mark.usefixtures("cache_beside_folder")
def test_ctrl_c_cancels_cleanly_and_exits_130(noaa_emulator_factory: Factory, folder: Path) -> None:
    emu = noaa_emulator_factory(cdn_missing_fraction=0.0)
    emu.cdn.inject(Fault(FaultKind.STALL, "*.jpg", delay=0.4))  # slow frames: the interrupt lands mid-fetch
    env = os.environ | emu.env() | {"GOESVFI_CACHE_DIR": str(folder.parent / "cache")}
    args = [str(folder), "--satellite", "goes18", *RANGE, "--now", IN_CDN_WINDOW, "--concurrency", "2"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "goesvfi.integrity_check", "fetch", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not frame_names(folder) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip() == "goesvfi-integrity: interrupted by SIGINT: stopped, no partial frame kept (exit 130)"
    assert out == ""
    assert 1 <= len(frame_names(folder)) < 12
    assert leftovers(folder) == []
    for name in frame_names(folder):
        assert png_size(folder / name) == (2500, 1500)
