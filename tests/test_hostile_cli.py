"""Issue 14 through the command line: signals during a fetch held by a dripping server, huge ranges, bad
endpoint schemes. The fetches run in a child process against :mod:`tests.hostile_server` on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from goesvfi.integrity_check.cli.main import main
from tests.hostile_server import HostileServer, RssMonitor, drip, static
from tests.scan_support import gradient_image, write_frame

KEY_NAME = "OR_ABI-L1b-RadC-M6C13_G18_s20231210001173_e20231210003546_c20231210004030.nc"
LISTING = (
    '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    "<Name>noaa-goes18</Name><Prefix>ABI-L1b-RadC/2023/121/00/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys>"
    f"<IsTruncated>false</IsTruncated><Contents><Key>ABI-L1b-RadC/2023/121/00/{KEY_NAME}</Key><Size>4000</Size>"
    "</Contents></ListBucketResult>"
)
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def rss() -> Iterator[RssMonitor]:
    """What each test adds to this process's RSS stays under 500 MB (the child processes are bounded by their
    servers and by the refusals)."""
    with RssMonitor() as monitor:
        yield monitor
    assert monitor.growth_mb < 500, f"the test took {monitor.growth_mb:.0f} MB"


@pytest.fixture
def dripping_s3() -> Iterator[HostileServer]:
    """An S3 that lists one object for 2023-05-01 00:01 and sends it one byte every half second."""
    routes = {
        "/noaa-goes18": static(LISTING.encode(), headers={"Content-Type": "application/xml"}),
        "/noaa-goes18/*": drip(b"\x89HDF\r\n\x1a\n" * 500, every=0.5, content_type="application/x-netcdf"),
    }
    with HostileServer(routes, max_seconds=60) as server:
        yield server


CHILD_MB = 500
"""The most memory a child fetch or scan may take (its own peak RSS)."""


class PeakRss:
    """The child's own peak RSS: the kernel's high-water mark of its program (``VmHWM``), sampled from right
    after it started until it exits (``wait4``'s ``ru_maxrss`` would count the forked copy of pytest too)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.kb = 0
        self._status = Path(f"/proc/{proc.pid}/status")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                lines = self._status.read_text().splitlines()
            except OSError:
                return
            for line in lines:
                if line.startswith("VmHWM:"):
                    self.kb = max(self.kb, int(line.split()[1]))
            self._stop.wait(0.01)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.kb / 1024


PEAKS: dict[int, PeakRss] = {}


def watched(proc: subprocess.Popen[str]) -> subprocess.Popen[str]:
    """Start sampling ``proc``'s memory at once (finish() reads it)."""
    PEAKS[proc.pid] = PeakRss(proc)
    return proc


def finish(proc: subprocess.Popen[str], timeout: float = 60) -> tuple[int, str, str, float]:
    """Wait for ``proc`` (killed after ``timeout``: a hang guard, not a measurement): (exit status, stdout,
    stderr, its peak RSS in MB when it was :func:`watched`, else 0)."""
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        out = proc.stdout.read() if proc.stdout else ""  # a few lines at most: stderr cannot fill meanwhile
        err = proc.stderr.read() if proc.stderr else ""
        code = proc.wait()
    finally:
        timer.cancel()
    peak = PEAKS.pop(proc.pid).stop() if proc.pid in PEAKS else 0.0
    if code < 0:  # killed by a signal (the timer): report as the shell does
        code = 128 - code
    return code, out, err, peak


def start_fetch(folder: Path, server: HostileServer) -> subprocess.Popen[str]:
    args = [
        sys.executable, "-m", "goesvfi.integrity_check", "fetch", str(folder), "--satellite", "goes18",
        "--start", "2023-05-01T00:00", "--end", "2023-05-01T00:05", "--now", "2023-06-01T00:00",
        "--cdn-url", server.url, "--s3-endpoint", server.url, "--no-cache",
    ]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return watched(subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))


def wait_for_download(server: HostileServer, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    """Until the server has sent the first bytes of the object (a download holds a body this small in memory:
    no file shows it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.sent > 0 and any(KEY_NAME in path for path in server.requests):
            time.sleep(0.2)  # a byte or two more: the download is held mid-body
            return
        if proc.poll() is not None:
            raise AssertionError(f"fetch ended early: {proc.communicate()}")
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("no download started")


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_a_held_download_stops_it_cleanly(
    tmp_path: Path, dripping_s3: HostileServer, sig: signal.Signals, status: int
) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    proc = start_fetch(folder, dripping_s3)
    wait_for_download(dripping_s3, proc)
    proc.send_signal(sig)
    code, _out, err, peak_mb = finish(proc)
    # It stopped mid-body: the object (4,000 bytes, one every half second) was far from sent. (The 2 s figure
    # is not a test's business: a clock on a busy machine proves nothing; finish() kills a hang after 60 s.)
    assert dripping_s3.sent < 4000
    assert code == status, err
    assert 0 < peak_mb < CHILD_MB, f"the fetch took {peak_mb:.0f} MB"
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


# ---- 9 and 10: credentials never shown or stored; folders whose names are not UTF-8 ---------------------


def cdn_routes(good: bytes, wrong: bytes) -> dict:  # type: ignore[type-arg]
    """A CDN band folder listing 00:01 (a good frame at the default 2500x1500) and 00:06 (a wrong-size one)."""
    names = ["20231210001_GOES18-ABI-CONUS-13-2500x1500.jpg", "20231210006_GOES18-ABI-CONUS-13-2500x1500.jpg"]
    index = "<html><pre>" + "".join(f'<a href="{n}">{n}</a>\n' for n in names) + "</pre></html>"
    return {
        "/GOES18/ABI/CONUS/13/": static(index.encode(), headers={"Content-Type": "text/html"}),
        f"/GOES18/ABI/CONUS/13/{names[0]}": static(good),
        f"/GOES18/ABI/CONUS/13/{names[1]}": static(wrong),
    }


def jpeg(size: tuple[int, int]) -> bytes:
    import io

    out = io.BytesIO()
    gradient_image("RGB", size).save(out, "JPEG")
    return out.getvalue()


def test_credentials_in_endpoint_urls_are_sent_but_never_shown_or_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    import base64

    folder, cache = tmp_path / "frames", tmp_path / "cache"
    folder.mkdir()
    with HostileServer(cdn_routes(jpeg((2500, 1500)), jpeg((16, 16))), max_seconds=60) as server:
        url = server.url.replace("http://", "http://user:s3cr3tpw@")
        code = main(
            ["fetch", str(folder), "--satellite", "goes18", "--start", "2023-05-01T00:00", "--end", "2023-05-01T00:10",
             "--now", "2023-05-01T01:00", "--cdn-url", url, "--s3-endpoint", url, "--cache-dir", str(cache),
             "--csv", str(tmp_path / "report.csv")]
        )  # fmt: skip
        out, err = capsys.readouterr()
        report = main(
            ["report", str(folder), "--satellite", "goes18", "--start", "2023-05-01T00:00", "--end", "2023-05-01T00:10",
             "--cache-dir", str(cache)]
        )  # fmt: skip
        report_out, report_err = capsys.readouterr()
    assert code == 1 and report == 0  # one frame fetched, the wrong-size one failed
    assert (folder / "goes18_conus_C13_20230501T000100Z.png").exists()
    assert "Basic " + base64.b64encode(b"user:s3cr3tpw").decode() in server.authorizations  # sent as a header
    shown = out + err + report_out + report_err + caplog.text + (tmp_path / "report.csv").read_text()
    assert "127.0.0.1" in shown and "s3cr3tpw" not in shown and "user:" not in shown
    for stored in cache.iterdir():  # the SQLite file and its WAL: listings, fetch log, scans
        assert b"s3cr3tpw" not in stored.read_bytes(), stored.name
    assert (cache / "cache.sqlite3").stat().st_mode & 0o777 == 0o600


def test_a_folder_whose_name_is_not_utf8_scans_and_fetches(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = Path(os.fsdecode(os.fsencode(tmp_path) + b"/sub\xe9"))
    folder.mkdir()
    nested = Path(os.fsdecode(os.fsencode(folder) + b"/inner\xff"))
    nested.mkdir()
    write_frame(nested / "goes18_conus_C13_20230501T001100Z.png", (2500, 1500))
    common = ["--satellite", "goes18", "--start", "2023-05-01T00:00", "--end", "2023-05-01T00:15"]
    cache = ["--cache-dir", str(tmp_path / "cache")]
    assert main(["scan", str(folder), *common, *cache, "--json"]) == 0
    assert '"missing": ["2023-05-01T00:01:00Z", "2023-05-01T00:06:00Z"]' in capsys.readouterr().out
    with HostileServer(cdn_routes(jpeg((2500, 1500)), jpeg((2500, 1500))), max_seconds=60) as server:
        code = main(
            ["fetch", str(folder), *common, *cache, "--now", "2023-05-01T01:00", "--cdn-url", server.url,
             "--s3-endpoint", server.url, "--csv", str(tmp_path / "report.csv"), "--json"]
        )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert (folder / "goes18_conus_C13_20230501T000100Z.png").exists()
    assert os.fsencode(folder) + b"/goes18_conus_C13_20230501T000100Z.png" in (tmp_path / "report.csv").read_bytes()
    assert main(["scan", str(folder), *common, *cache, "--json"]) == 0  # again, from the cache
    assert '"missing": []' in capsys.readouterr().out


def test_the_deadline_is_an_option_and_must_be_positive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["fetch", str(tmp_path), "--satellite", "goes18", "--start", "2023-05-01", "--end", "2023-05-01T01:00",
         "--deadline", "0", "--no-cache"]
    )  # fmt: skip
    assert code == 2 and "--deadline must be positive" in capsys.readouterr().err


@pytest.mark.slow
def test_sigterm_while_planning_a_long_range_stops_the_process(tmp_path: Path) -> None:
    """Five years of CONUS slots (525,600) keep the scan's worker thread busy for seconds: SIGTERM sent once
    that thread runs still ends the process, with the one line and 143 (the thread is not waited for)."""
    args = [
        sys.executable, "-m", "goesvfi.integrity_check", "scan", str(tmp_path), "--satellite", "goes18",
        "--start", "2023-01-01", "--end", "2028-01-01", "--no-cache", "--json",
    ]  # fmt: skip
    # One thread per library pool: the scan's worker is then the process's second thread, the event waited for.
    env = dict(os.environ, PYTHONPATH=str(REPO), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    proc = watched(subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    tasks = Path(f"/proc/{proc.pid}/task")
    while proc.poll() is None and len(list(tasks.iterdir())) < 2:
        time.sleep(0.01)
    assert proc.poll() is None, "the scan ended before its worker thread was seen"
    proc.send_signal(signal.SIGTERM)
    code, out, err, peak_mb = finish(proc)
    assert code == 143, err
    assert out == ""  # no result: the scan was not waited for and finished
    assert 0 < peak_mb < CHILD_MB, f"the scan took {peak_mb:.0f} MB"
    assert err.strip().endswith("interrupted by SIGTERM: stopped, no partial frame kept (exit 143)")


SLOW_CLEANUP = """
import asyncio
from goesvfi.integrity_check.cli.interrupt import run_interruptible

async def work():
    try:
        print("ready", flush=True)
        await asyncio.sleep(3600)
    finally:
        print("cleaning", flush=True)
        await asyncio.shield(asyncio.sleep(3600))  # a cleanup that would never end

run_interruptible(work(), grace=3600)
"""


@pytest.mark.slow
def test_a_second_signal_leaves_at_once() -> None:
    """docs/limits.md (How it exits): the first signal cancels and waits for the cleanup; a second one leaves at once,
    here with a cleanup (and a grace) of an hour: the exit proves it did not wait."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_CLEANUP],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n"
    proc.send_signal(signal.SIGTERM)
    assert proc.stdout.readline() == "cleaning\n"  # the first signal cancelled the work: its cleanup runs
    proc.send_signal(signal.SIGINT)
    code, _out, err, _peak = finish(proc)
    assert code == 130, err
    assert err.strip() == "goesvfi-integrity: SIGINT again: leaving now"
