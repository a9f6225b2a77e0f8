"""Issue 24: ``goesvfi-integrity status``: one line (or JSON) per product and an exit status for scripts.

The folder is filled by two watch cycles on the emulator (01:30 and 01:40: 00:31 ... 01:16 but 01:01, absent
everywhere), whose record status reads; then status is asked at several times.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.cli.main import main
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.fetch.manager import ReconcileManager
from goesvfi.integrity_check.time_index import Sector
from goesvfi.integrity_check.watch import CycleResult, WatchLoop
from goesvfi.integrity_check.watch_ops import WatchOps
from goesvfi.integrity_check.watch_record import WatchProduct
from tests.ops_support import Clock, make_emulator, manager_for, one_hour_watch
from tests.watch_support import G18, hm

__all__ = ["manager_for"]


def status(folder: Path, now: str, *extra: str) -> tuple[int, str]:
    import contextlib
    import io

    out = io.StringIO()
    argv = ["status", str(folder), "--satellite", "goes18", "--window", "1h", "--now", now, "--no-cache", *extra]
    with contextlib.redirect_stdout(out):
        code = main(argv)
    return code, out.getvalue()


@pytest.mark.slow
async def test_status_says_how_the_kept_archive_is_doing(
    noaa_emulator_factory: Callable[..., NoaaEmulator],
    manager_for: Callable[[NoaaEmulator, Clock], ReconcileManager],
    folder: Path,
) -> None:
    emu = make_emulator(noaa_emulator_factory)
    clock = Clock(hm("01:30"))
    loop = WatchLoop(one_hour_watch(folder), manager_for(emu, clock).reconcile_detailed, now=clock)
    ops = WatchOps(WatchProduct(G18, Sector.CONUS, 13, folder), now=clock)
    try:
        for at in ("01:30", "01:40"):
            clock.t = hm(at)
            ops(await loop.run_cycle(), hm(at) + timedelta(minutes=10))
    finally:
        await ops.close()

    # 01:45: window [00:45, 01:25) = 00:46 ... 01:21 (8 slots); 01:21 is not fetched yet, 01:01 never was
    code, text = await asyncio.to_thread(status, folder, "2023-05-01T01:45", "--json")
    report = json.loads(text)
    (product,) = report["products"]
    assert code == 0 and report["ok"] and product["problems"] == []
    assert product["expected"] == 8 and product["present"] == 6
    assert product["missing"] + product["unavailable"] == 2
    assert product["newest_frame"] == "2023-05-01T01:16:00Z" and product["newest_frame_age_seconds"] == 29 * 60
    assert (
        product["last_cycle"]["started"] == "2023-05-01T01:40:00Z"
        and product["last_cycle"]["outcome"] == "ok, 1 failed"
    )
    assert product["product"] == {"satellite": "goes18", "sector": "conus", "band": "13", "folder": str(folder)}

    # the same as a line
    code, text = await asyncio.to_thread(status, folder, "2023-05-01T01:45")
    assert code == 0 and text.count("\n") == 1
    assert "GOES-18 CONUS band 13" in text and "newest 29 min ago" in text and text.rstrip().endswith("- OK")
    assert "last cycle 2023-05-01T01:40:00Z ok, 1 failed" in text  # 01:01 (tests/test_watch.py: it fails)

    # 03:00: the watcher stopped (its 01:50 run never came), the newest frame is 1 h 44 min old, and the
    # window [02:00, 02:40) holds nothing
    code, text = await asyncio.to_thread(status, folder, "2023-05-01T03:00")
    assert code == 1 and "NEEDS A LOOK" in text
    assert "no frame in the window" in text and "missed its run due 2023-05-01T01:50:00Z" in text

    # a failed last cycle needs a look even when the frames are fine
    ops = WatchOps(WatchProduct(G18, Sector.CONUS, 13, folder), now=clock)
    ops(CycleResult(hm("01:42"), hm("00:42"), hm("01:22"), error="NOAA down", outage=True), hm("01:52"))
    await ops.close()
    code, text = await asyncio.to_thread(status, folder, "2023-05-01T01:45")
    assert code == 1 and "the last cycle failed: NOAA down" in text


def test_status_of_a_folder_no_watcher_keeps(folder: Path) -> None:
    code, text = status(folder, "2023-05-01T01:45", "--json")
    (product,) = json.loads(text)["products"]
    assert code == 1 and product["last_cycle"] is None and product["present"] == 0
    assert product["problems"][0] == "no frame in the window"


def test_status_refuses_bad_input(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", str(folder), "--satellite", "goes18", "--stale", "soon"]) == 2
    assert "--stale" in capsys.readouterr().err
    assert main(["status", str(folder), "--satellite", "goes18", "--csv", "out.csv"]) == 2
    assert "--csv does not apply to status" in capsys.readouterr().err
