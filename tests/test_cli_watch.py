"""``goesvfi-integrity watch`` end to end against the emulator (real clock, data around the real now)."""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.cli.fetch_options import now_clock
from goesvfi.integrity_check.cli.main import main
from goesvfi.integrity_check.emulator.cdn_server import Fault, FaultKind
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.folder.lock import WATCH_LOCK, read_holder
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.names_support import png_name, png_time
from tests.watch_support import leftovers

G18 = SatellitePattern.GOES_18
LINE_RE = re.compile(r"expected (\d+) present (\d+) fetched (\d+) failed (\d+)")


@pytest.fixture
def live(noaa_env_factory: Callable[..., NoaaEmulator]) -> NoaaEmulator:
    """An emulator holding the last 2 hours (no slot absent), with the environment pointing at it."""
    now = datetime.now(UTC)
    return noaa_env_factory(satellite=G18, start=now - timedelta(hours=2), end=now, now=now, missing_fraction=0.0)


def frames(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if png_time(n))


def watch_args(folder: Path, tmp_path: Path, *extra: str) -> list[str]:
    return ["watch", str(folder), "--satellite", "goes18", "--window", "1h", "--every", "10m",
            "--cache-dir", str(tmp_path / "cache"), *extra]  # fmt: skip


def start_watcher(folder: Path, tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "goesvfi.integrity_check", *watch_args(folder, tmp_path, *extra)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


def wait_for(condition: Callable[[], bool], timeout: float, proc: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the watcher ended early: {proc.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.mark.slow
def test_once_fetches_the_window_and_prints_one_line(
    live: NoaaEmulator, folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(watch_args(folder, tmp_path, "--once")) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"watching {folder}: GOES-18 CONUS band 13, window 1h, every 10m, latency 20m")
    match = LINE_RE.search(out[1])
    assert match, out
    expected, present, fetched, failed = map(int, match.groups())
    # a 40-minute window of 5-minute CONUS scans holds 8 slots; all are on the emulator
    assert (expected, present, fetched, failed) == (8, 0, 8, 0)
    assert len(frames(folder)) == 8 and leftovers(folder) == []
    newest = max(png_time(n) for n in frames(folder))  # type: ignore[type-var]
    assert datetime.now(UTC) - newest >= timedelta(minutes=20)  # nothing NOAA could not have published yet

    # again: everything is present, nothing is fetched twice
    jpgs = live.cdn.request_count("*.jpg")
    csv_path = tmp_path / "window.csv"
    assert main(watch_args(folder, tmp_path, "--once", "--json", "--csv", str(csv_path))) == 0
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["fetched"] == 0 and record["failed"] == 0 and record["present"] == record["expected"] >= 7
    rows = csv_path.read_text().splitlines()
    assert len(rows) == 1 + record["expected"]  # a header, then one row per slot of the window
    assert all(",present," in row for row in rows[1:])
    assert live.cdn.request_count("*.jpg") == jpgs
    assert record["next_run"] is None and record["error"] is None


@pytest.mark.slow
def test_keep_prunes_only_old_own_frames_with_a_dry_run_first(
    live: NoaaEmulator, folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old_time = datetime.now(UTC).replace(minute=1, second=0, microsecond=0) - timedelta(days=3)
    old = folder / png_name(G18, Sector.CONUS, 13, old_time)
    other = folder / png_name(SatellitePattern.GOES_19, Sector.CONUS, 13, old_time)
    mine_but_recent = folder / png_name(G18, Sector.CONUS, 13, old_time + timedelta(days=2, hours=12))
    notes = folder / "notes.txt"
    for path in (old, other, mine_but_recent, notes):
        path.write_bytes(b"x")

    assert main(watch_args(folder, tmp_path, "--once", "--keep", "1", "--dry-run")) == 0
    out = capsys.readouterr().out
    assert f"would delete {old}" in out
    assert "would prune 1" in out
    assert out.count("would delete") == 1
    assert old.exists()

    assert main(watch_args(folder, tmp_path, "--once", "--keep", "1")) == 0
    out = capsys.readouterr().out
    assert f"deleted {old}" in out and " pruned 1" in out
    assert not old.exists()
    assert other.exists() and mine_but_recent.exists() and notes.exists()


@pytest.mark.slow
def test_no_cache_writes_no_cache_file(
    live: NoaaEmulator, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default_cache = tmp_path / "default-cache"
    monkeypatch.setenv("GOESVFI_CACHE_DIR", str(default_cache))
    args = ["watch", str(folder), "--satellite", "goes18", "--window", "1h", "--once", "--no-cache"]
    assert main(args) == 0
    assert len(frames(folder)) == 8
    assert not default_cache.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--every", "10x"], "--every: '10x' is not a duration"),
        (["--keep", "0.01"], "shorter than the window"),
        (["--keep", "30m"], "shorter than the window"),  # a duration is read as one (the window here is 1h)
        (["--keep", "soon"], "--keep: 'soon' is not a duration"),
        (["--dry-run"], "add --keep"),
        (["--keep", "2", "--prune-max-share", "150%"], "--prune-max-share: '150%' must be above 0 and at most 100%"),
        (["--keep", "2", "--prune-max-share", "0"], "must be above 0"),
        (["--keep", "2", "--prune-max-share", "a quarter"], "--prune-max-share: 'a quarter' is not a share"),
        (["--window", "15m"], "longer than"),
        (["--rescan"], "does not apply to watch"),
        (["--satellite", "goes21"], "unknown satellite"),
        (["--concurrency", "0"], "--concurrency must be at least 1"),
        (["--now", "yesterday"], "--now: 'yesterday' is not a date and time"),
    ],
)
def test_bad_input_is_one_line_and_status_2(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    assert main(watch_args(folder, tmp_path, *extra)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_missing_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(watch_args(tmp_path / "nope", tmp_path)) == 2
    assert "nope" in capsys.readouterr().err


@pytest.mark.slow
def test_sigterm_during_a_fetch_leaves_nothing_partial_and_exits_0(
    live: NoaaEmulator, folder: Path, tmp_path: Path
) -> None:
    # every other frame stalls, so frames are still downloading when the first one lands
    live.cdn.inject(Fault(FaultKind.STALL, path="*.jpg", delay=5.0, every=2))
    proc = start_watcher(folder, tmp_path)
    try:
        wait_for(lambda: bool(frames(folder)), 60, proc)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "SIGTERM: stopping" in err
    assert not LINE_RE.search(out)  # the cycle was cancelled, not completed
    written = frames(folder)
    assert 1 <= len(written) < 8
    assert leftovers(folder) == []
    for name in written:
        assert (folder / name).read_bytes()[-8:] == b"IEND\xaeB`\x82"  # complete PNGs only
    assert read_holder(folder / WATCH_LOCK).pid is None  # the lock went with it


@pytest.mark.slow
def test_a_second_watcher_exits_3_naming_the_first(live: NoaaEmulator, folder: Path, tmp_path: Path) -> None:
    first = start_watcher(folder, tmp_path)
    try:
        wait_for(lambda: read_holder(folder / WATCH_LOCK).pid == first.pid, 60, first)
        second = start_watcher(folder, tmp_path)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 3, err
        assert f"PID {first.pid}" in err and "another watcher keeps this folder" in err
        assert not LINE_RE.search(out)
        # the first one completes its cycle (its line is printed), then Ctrl-C stops it cleanly
        assert first.stdout is not None
        line = ""
        while not LINE_RE.search(line):
            line = first.stdout.readline()
            assert line, first.communicate()  # the watcher ended before its cycle line
        assert len(frames(folder)) == 8
        first.send_signal(signal.SIGINT)
        _, err = first.communicate(timeout=30)
        assert first.returncode == 0, err
    finally:
        if first.poll() is None:
            first.kill()
    assert leftovers(folder) == []


@pytest.mark.slow
def test_fetch_options_and_now_without_environment(
    noaa_emulator_factory: Callable[..., NoaaEmulator],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--cdn-url``/``--s3-endpoint`` reach the emulator with no environment; ``--now`` places the window and
    the CDN cutoff; ``--cdn-days`` picks the store."""
    monkeypatch.delenv("GOESVFI_CDN_URL", raising=False)
    monkeypatch.delenv("GOESVFI_S3_ENDPOINT", raising=False)
    emu = noaa_emulator_factory(satellite=G18, missing_fraction=0.0)  # 2023-05-01 00:00-02:00
    endpoints = ["--cdn-url", emu.cdn_url, "--s3-endpoint", emu.env()["GOESVFI_S3_ENDPOINT"]]
    # window [now - 1h, now - 20m) = [00:30, 01:10): 00:31 ... 01:06, 8 slots
    past = ["--once", "--json", "--now", "2023-05-01T01:29:30", "--concurrency", "2", *endpoints]
    for cdn_days, source in (("0", "s3"), ("7", "cdn")):  # 0: every slot is older than the cutoff
        folder = tmp_path / f"frames-{source}"
        folder.mkdir()
        report = tmp_path / f"{source}.csv"
        args = watch_args(folder, tmp_path, *past, "--cdn-days", cdn_days, "--csv", str(report))
        assert main(args) == 0
        record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert (record["window_start"], record["window_end"]) == ("2023-05-01T00:30:00Z", "2023-05-01T01:10:00Z")
        assert (record["expected"], record["fetched"], record["failed"]) == (8, 8, 0)
        assert [row["source"] for row in csv.DictReader(report.open())] == [source] * 8
        assert len(frames(folder)) == 8
    assert emu.cdn.request_count("*.jpg") == 8 and emu.s3.request_count("GET", "/noaa-goes18/ABI-L1b-RadC/*") >= 8


def test_watch_help_lists_the_fetch_options_of_fetch(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", "--help"]) == 0
    watch_help = capsys.readouterr().out
    assert main(["fetch", "--help"]) == 0
    fetch_help = capsys.readouterr().out
    for option in ("--cdn-days", "--concurrency", "--cdn-url URL", "--s3-endpoint URL", "--now ISO"):
        assert option in watch_help

    def group(text: str) -> str:
        return text[text.index("fetch options:") :].split("\n\n")[0].strip()

    assert group(watch_help) == group(fetch_help)
    assert "runs on in real time" in group(watch_help)


def test_now_starts_a_clock_that_runs_in_real_time() -> None:
    """The clock's steps are the real clock's over the same interval (both read here): no threshold a busy
    machine could miss."""
    assert now_clock(argparse.Namespace(now=None)) is None
    real_start = datetime.now(UTC)
    clock = now_clock(argparse.Namespace(now="2023-05-01T01:30"))
    assert clock is not None
    start = datetime(2023, 5, 1, 1, 30, tzinfo=UTC)
    first = clock()
    real_first = datetime.now(UTC)
    time.sleep(0.2)
    real_second = datetime.now(UTC)
    second = clock()
    real_end = datetime.now(UTC)
    assert start <= first <= start + (real_first - real_start)
    assert real_second - real_first <= second - first <= real_end - real_start
    assert second - first >= timedelta(seconds=0.2)  # it runs (a sleep is a lower bound)


@pytest.mark.slow
def test_the_audit_finds_a_frame_damaged_in_place_and_the_cycle_replaces_it(
    live: NoaaEmulator, folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(watch_args(folder, tmp_path, "--once")) == 0
    names = frames(folder)
    assert len(names) == 8
    victim = folder / names[3]
    data = bytearray(victim.read_bytes())
    pos = 8
    while data[pos + 4 : pos + 8] != b"IDAT":  # walk the chunks by hand to the first pixel data
        pos += 12 + int.from_bytes(data[pos : pos + 4], "big")
    data[pos + 8 + 50] ^= 0xFF  # one flipped bit pattern inside the pixel data: the chunk's CRC no longer holds
    damaged = bytes(data)
    stat = victim.stat()
    with open(victim, "r+b") as fh:  # in place: the folder does not change, only a decode can tell
        fh.write(damaged)
    os.utime(victim, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert main(watch_args(folder, tmp_path, "--once")) == 0  # a plain cycle trusts the cached verdict
    assert victim.read_bytes() == damaged
    capsys.readouterr()
    assert main(watch_args(folder, tmp_path, "--once", "--audit", "8")) == 0
    assert victim.read_bytes() != damaged
    from PIL import Image

    with Image.open(victim) as image:
        image.load()  # whole again
    kept = list((folder / ".goesvfi-quarantine").iterdir())
    assert [p.read_bytes() for p in kept] == [damaged]
