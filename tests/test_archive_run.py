"""``scan``/``fetch``/``report``/``watch --archive``: three products (two bands, two sectors, three satellites) of
one archive file, against three emulators in one process (moto keeps one state per process, so one S3 endpoint
serves every bucket; the CDN is left out with --cdn-days 0)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.archive_watch import ArchiveWatch
from goesvfi.integrity_check.cli.main import main
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.emulator.s3_server import S3Fault, S3FaultKind
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from goesvfi.integrity_check.watch import WatchConfig, WatchLoop

START = datetime(2024, 11, 1, tzinfo=UTC)
END = START + timedelta(minutes=30)
ARCHIVE = """
[[product]]
satellite = "goes18"
sector = "conus"
band = 13
folder = "g18-conus-13"

[[product]]
satellite = "goes16"
sector = "conus"
band = 9
folder = "g16-conus-09"

[[product]]
satellite = "goes19"
sector = "fd"
band = 13
folder = "g19-fd-13"
"""


@pytest.fixture
def emulators() -> Iterator[list[NoaaEmulator]]:
    made = [
        NoaaEmulator(SatellitePattern.GOES_18, Sector.CONUS, 13, start=START, end=END, now=END, nc_shape=(30, 50),
                     missing_fraction=0.0),
        NoaaEmulator(SatellitePattern.GOES_16, Sector.CONUS, 9, start=START, end=END, now=END, nc_shape=(30, 50),
                     missing_fraction=0.0),
        NoaaEmulator(SatellitePattern.GOES_19, Sector.FULL_DISK, 13, start=START, end=END, now=END,
                     nc_shape=(50, 50), missing_fraction=0.0),
    ]  # fmt: skip
    started = []
    try:
        for emulator in made:
            started.append(emulator.start())
        yield made
    finally:
        for emulator in reversed(started):
            emulator.stop()


def _options(emulators: list[NoaaEmulator]) -> list[str]:
    return ["--cdn-url", emulators[0].cdn_url, "--s3-endpoint", emulators[0].s3_endpoint, "--now", END.isoformat(),
            "--cdn-days", "0", "--no-cache"]  # fmt: skip


def _frames(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.suffix == ".png"} if folder.is_dir() else set()


CONUS_MINUTES = ["0001", "0006", "0011", "0016", "0021", "0026"]


@pytest.mark.slow
def test_fetch_and_report_run_every_product(
    emulators: list[NoaaEmulator], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "goesvfi-archive.toml"
    archive.write_text(ARCHIVE, encoding="utf-8")
    span = ["--start", START.isoformat(), "--end", END.isoformat()]
    assert main(["fetch", "--archive", str(archive), *span, *_options(emulators)]) == 0
    out = capsys.readouterr().out
    assert len(re.findall(r"^== product \d/3: ", out, re.M)) == 3
    assert out.count("Present before 0, fetched") == 3  # one summary per product
    assert f"Archive {archive}: 3 products, 3 complete, 0 with frames missing, 0 failed (exit 0)" in out
    assert _frames(tmp_path / "g18-conus-13") == {f"goes18_conus_C13_20241101T{m}00Z.png" for m in CONUS_MINUTES}
    assert _frames(tmp_path / "g16-conus-09") == {f"goes16_conus_C09_20241101T{m}00Z.png" for m in CONUS_MINUTES}
    assert _frames(tmp_path / "g19-fd-13") == {f"goes19_fd_C13_20241101T{m}00Z.png" for m in ("0000", "0010", "0020")}

    page = tmp_path / "report.html"
    assert main(["report", str(tmp_path), *span, "--html", str(page), "--no-cache", "--now", END.isoformat()]) == 0
    html = page.read_text(encoding="utf-8")
    assert html.count('<section id="product-') == 3
    for title in ("GOES-18 CONUS band 13", "GOES-16 CONUS band 9", "GOES-19 Full Disk band 13"):
        assert title in html
    assert html.count(": 6 of 6</li>") == 2 and ": 3 of 3</li>" in html


def test_a_bad_archive_file_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "goesvfi-archive.toml"
    archive.write_text(ARCHIVE.replace("band = 9", "band = 99"), encoding="utf-8")
    code = main(["scan", "--archive", str(archive), "--start", "2024-11-01", "--end", "2024-11-02"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "product 2: band: band 99 is not an ABI band" in err[0]


@pytest.mark.slow
def test_watch_serves_every_product_in_one_process_and_a_failing_one_does_not_stop_the_others(
    emulators: list[NoaaEmulator], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "goesvfi-archive.toml"
    archive.write_text(ARCHIVE, encoding="utf-8")
    # GOES-16's bucket refuses every request: the second product's cycle fails, the third still runs
    emulators[0].s3.inject(S3Fault(S3FaultKind.STATUS, path="/noaa-goes16*", status=403, code="AccessDenied"))
    options = [o for o in _options(emulators) if o != "--no-cache"] + ["--cache-dir", str(tmp_path / "cache")]
    code = main(["watch", "--archive", str(archive), "--once", "--window", "31m", "--latency", "0", *options])
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("[")]
    assert [line.split("]")[0] + "]" for line in lines] == [
        "[goes18 conus band 13]", "[goes16 conus band 9]", "[goes19 fd band 13]",
    ]  # fmt: skip
    assert code == 1  # --once and a cycle failed
    assert _frames(tmp_path / "g18-conus-13") == {f"goes18_conus_C13_20241101T{m}00Z.png" for m in CONUS_MINUTES}
    assert _frames(tmp_path / "g16-conus-09") == set()
    assert _frames(tmp_path / "g19-fd-13") == {f"goes19_fd_C13_20241101T{m}00Z.png" for m in ("0000", "0010", "0020")}


async def test_products_take_fair_turns(tmp_path: Path) -> None:
    """Three products due at once each run one cycle before any runs again; a failing one stays in its turn."""
    order: list[str] = []

    class Report:
        slots = ()

    def reconcile_for(name: str, fail: bool = False) -> Callable[..., object]:
        async def reconcile(directory: Path, query: ArchiveQuery, **_kw: object) -> Report:
            order.append(name)
            if fail:
                raise OSError("disk gone")
            return Report()

        return reconcile

    clock = [END]
    loops = []
    for name in ("a", "b", "c"):
        folder = tmp_path / name
        folder.mkdir()
        config = WatchConfig(directory=folder, satellite=SatellitePattern.GOES_18, window=timedelta(hours=1),
                             every=timedelta(minutes=10), latency=timedelta(0))  # fmt: skip
        loops.append((name, WatchLoop(config, reconcile_for(name, fail=name == "b"), now=lambda: clock[0])))

    stop = asyncio.Event()

    async def sleep(seconds: float) -> None:
        clock[0] += timedelta(seconds=seconds)
        if len(order) >= 9:
            stop.set()

    watch = ArchiveWatch(loops, now=lambda: clock[0], sleep=sleep)
    await watch.run(stop)
    assert order[:6] == ["a", "b", "c", "a", "b", "c"]  # every due product once per round, in file order
    rounds = "".join(order).replace("b", "").split("a")[1:]
    assert all(r == "c" for r in rounds)  # a and c run once each per round: b's failure (and backoff) stops neither
    assert order.count("b") >= 2


def test_status_takes_the_archive_file_one_line_per_product(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "goesvfi-archive.toml"
    archive.write_text(ARCHIVE)
    for folder in ("g18-conus-13", "g16-conus-09", "g19-fd-13"):
        (tmp_path / folder).mkdir()
    code = main(["status", "--archive", str(archive), "--now", END.isoformat(), "--no-cache"])
    out = capsys.readouterr().out
    assert code == 1  # empty folders, no watcher: every product needs a look
    assert [line for line in out.splitlines() if line.startswith("== product")] == [
        f"== product 1/3: goes18 conus band 13 -> {tmp_path / 'g18-conus-13'}",
        f"== product 2/3: goes16 conus band 9 -> {tmp_path / 'g16-conus-09'}",
        f"== product 3/3: goes19 fd band 13 -> {tmp_path / 'g19-fd-13'}",
    ]
    assert out.strip().splitlines()[-1] == f"Archive {archive}: 3 products, 0 fine, 3 needing a look, 0 failed (exit 1)"
