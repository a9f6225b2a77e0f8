"""Issue 14 through the command line: signals during a fetch held by a dripping server, huge ranges, bad
endpoint schemes. The fetches run in a child process against :mod:`tests.hostile_server` on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from goesvfi.integrity_check.cli.main import main
from tests.hostile_server import HostileServer, drip, static

KEY_NAME = "OR_ABI-L1b-RadC-M6C13_G18_s20231210001173_e20231210003546_c20231210004030.nc"
LISTING = (
    '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    "<Name>noaa-goes18</Name><Prefix>ABI-L1b-RadC/2023/121/00/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys>"
    f"<IsTruncated>false</IsTruncated><Contents><Key>ABI-L1b-RadC/2023/121/00/{KEY_NAME}</Key><Size>4000</Size>"
    "</Contents></ListBucketResult>"
)
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def dripping_s3() -> Iterator[HostileServer]:
    """An S3 that lists one object for 2023-05-01 00:01 and sends it one byte every half second."""
    routes = {
        "/noaa-goes18": static(LISTING.encode(), headers={"Content-Type": "application/xml"}),
        "/noaa-goes18/*": drip(b"\x89HDF\r\n\x1a\n" * 500, every=0.5, content_type="application/x-netcdf"),
    }
    with HostileServer(routes, max_seconds=60) as server:
        yield server


def start_fetch(folder: Path, server: HostileServer) -> subprocess.Popen[str]:
    args = [
        sys.executable, "-m", "goesvfi.integrity_check", "fetch", str(folder), "--satellite", "goes18",
        "--start", "2023-05-01T00:00", "--end", "2023-05-01T00:05", "--now", "2023-06-01T00:00",
        "--cdn-url", server.url, "--s3-endpoint", server.url, "--no-cache",
    ]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_part_file(folder: Path, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(".part-" in p.name for p in folder.iterdir()):
            return
        if proc.poll() is not None:
            raise AssertionError(f"fetch ended early: {proc.communicate()}")
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("no download started")


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_a_held_download_stops_within_2_s_cleanly(
    tmp_path: Path, dripping_s3: HostileServer, sig: signal.Signals, status: int
) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    proc = start_fetch(folder, dripping_s3)
    wait_for_part_file(folder, proc)
    sent = time.monotonic()
    proc.send_signal(sig)
    try:
        _out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    took = time.monotonic() - sent
    assert took < 2.0 + 1.0, f"took {took:.1f} s"  # the requirement is 2 s; 1 s margin for a busy machine
    assert proc.returncode == status, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == [f"goesvfi-integrity: interrupted by {sig.name}: stopped, no partial frame kept (exit {status})"]
    assert [p.name for p in folder.iterdir() if ".part" in p.name] == []


def test_a_range_outside_the_goes_r_era_is_refused_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", str(tmp_path), "--satellite", "goes18", "--start", "0001-01-01", "--end", "9999-12-31"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "outside the GOES-R era" in err and "0001-01-01" in err


def test_ten_years_of_meso_slots_are_refused_with_how_to_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    code = main(
        [
            "fetch",
            str(tmp_path),
            "--satellite",
            "goes18",
            "--sector",
            "m1",
            "--start",
            "2023-01-01",
            "--end",
            "2033-01-01",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "5,260,321 expected frames" in err and "limit of" in err and "split it into ranges of at most" in err
    assert time.monotonic() - started < 60  # refused before anything is built (bounded, generous)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "http://", "not a url"])
@pytest.mark.parametrize("option", ["--cdn-url", "--s3-endpoint"])
def test_a_non_http_endpoint_is_refused_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, option: str
) -> None:
    code = main(
        ["fetch", str(tmp_path), "--satellite", "goes18", "--start", "2023-05-01", "--end", "2023-05-01T01:00",
         option, url, "--no-cache"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2, err
    assert (err.count("\n") == 1 and "http:// or https://" in err) or "not a valid URL" in err
