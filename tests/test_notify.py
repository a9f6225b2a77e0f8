"""Issue 24: alerts. The rules on hand-made cycles; delivery end to end against the emulator (NOAA goes down and
comes back) and a local receiver on 127.0.0.1: a webhook, an ntfy topic, and one that always answers 500."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.emulator.cdn_server import Fault, FaultKind
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.emulator.s3_server import S3Fault, S3FaultKind
from goesvfi.integrity_check.fetch.manager import ReconcileManager
from goesvfi.integrity_check.notify import Alert, Alerter, AlertRules, EventKind, Notifier, check_receiver, printable
from goesvfi.integrity_check.results import SlotResult, SlotStatus, Source
from goesvfi.integrity_check.time_index import Sector
from goesvfi.integrity_check.watch import CycleResult, WatchLoop
from goesvfi.integrity_check.watch_ops import WatchOps
from goesvfi.integrity_check.watch_record import CycleTracker, WatchProduct
from tests.ops_support import Clock, Receiver, make_emulator, manager_for, one_hour_watch, receiver
from tests.watch_support import G18, hm

__all__ = ["manager_for", "receiver"]


def cycle(at: str, statuses: dict[str, SlotStatus], *, error: str | None = None) -> CycleResult:
    slots = tuple(
        SlotResult(hm(t), G18, Sector.CONUS, 13, status=s, source=Source.CDN if s is SlotStatus.FETCHED else None)
        for t, s in sorted(statuses.items())
    )
    return CycleResult(
        started=hm(at), window_start=hm("00:00"), window_end=hm(at) - timedelta(minutes=20), slots=slots,
        expected=len(slots), error=error, outage=error is not None,
    )  # fmt: skip


OK, GAP = SlotStatus.PRESENT, SlotStatus.FAILED


def kinds(alerts: list[Alert]) -> list[tuple[str, bool]]:
    return [(a.kind.value, a.firing) for a in alerts]


def test_an_event_alerts_once_then_once_more_when_it_clears_and_not_more_than_hourly(folder: Path) -> None:
    product = WatchProduct(G18, Sector.CONUS, 13, folder)
    alerter = Alerter(AlertRules(gap_age=timedelta(minutes=30), disk_threshold=0))
    tracker = CycleTracker()

    def run(at: str, statuses: dict[str, SlotStatus]) -> list[tuple[str, bool]]:
        result = cycle(at, statuses)
        return kinds(alerter.update(product, result, tracker.record(result, None), now=hm(at), free_bytes=10**12))

    assert run("01:00", {"00:11": OK, "00:36": OK}) == []
    assert run("01:10", {"00:36": GAP, "00:41": OK}) == [("gap", True)]  # 00:36 is 34 min old
    assert run("01:20", {"00:36": GAP, "00:51": OK}) == []  # still the same episode: no repeat
    assert run("01:30", {"00:36": OK, "01:01": OK}) == [("gap", False)]  # back to normal, once
    assert run("01:40", {"00:36": GAP, "01:11": OK}) == []  # again within the hour: held back
    assert run("01:50", {"00:36": OK, "01:21": OK}) == []  # its clearing was never announced: nothing to undo
    assert run("02:20", {"01:06": GAP, "01:51": OK}) == [("gap", True)]  # an hour after the last: sent


def test_stale_disk_and_failing_cycles_are_judged_per_kind(folder: Path) -> None:
    product = WatchProduct(G18, Sector.CONUS, 13, folder)
    alerter = Alerter(AlertRules(stale_after=timedelta(hours=1), failed_cycles=2, disk_threshold=5000))
    tracker = CycleTracker()
    none = SlotStatus.UNAVAILABLE

    def run(result: CycleResult, free: int) -> list[tuple[str, bool]]:
        alerts = alerter.update(product, result, tracker.record(result, None), now=result.started, free_bytes=free)
        return sorted(kinds(alerts))

    # NOAA has nothing newer than 00:36, 1 h 24 min before 02:00: stale; the disk is below the guard
    assert run(cycle("02:00", {"00:36": OK, "01:01": none, "01:31": none}), 4999) == [("disk", True), ("stale", True)]
    assert run(cycle("02:10", {}, error="NOAA down"), 5000) == [("disk", False)]  # one failure of two
    assert run(cycle("02:20", {}, error="NOAA down"), 5000) == [("failing", True)]
    assert run(cycle("02:30", {"01:56": OK}), 5000) == [("failing", False), ("stale", False)]


def test_text_from_outside_is_escaped_before_it_is_shown() -> None:
    assert printable("bad\x1b[31mred\r\nline\x00") == "bad\\x1b[31mred\\r\\nline\\x00"
    assert len(printable("x" * 1000, 50)) == 50


@pytest.mark.parametrize("url", ["ftp://host/x", "file:///etc/passwd", "not a url", "ntfy+gopher://h/t"])
def test_a_receiver_that_is_not_http_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        check_receiver(url)


@pytest.mark.slow
async def test_noaa_down_and_back_alerts_every_receiver_once_each_way(
    noaa_emulator_factory: Callable[..., NoaaEmulator],
    manager_for: Callable[[NoaaEmulator, Clock], ReconcileManager],
    receiver: Receiver,
    folder: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu = make_emulator(noaa_emulator_factory)
    clock = Clock(hm("01:30"))
    loop = WatchLoop(one_hour_watch(folder), manager_for(emu, clock).reconcile_detailed, now=clock)
    product = WatchProduct(G18, Sector.CONUS, 13, folder)
    hook, topic, down = f"{receiver.url}/hook", f"ntfy+{receiver.url}/ntfy/goes", f"{receiver.url}/down"
    ops = WatchOps(
        product, now=clock, receivers=[hook, topic, down],
        rules=AlertRules(failed_cycles=2, gap_age=timedelta(hours=6), disk_threshold=0),
    )  # fmt: skip
    ops.notifier = Notifier([hook, topic, down], attempts=3, backoff=0.01)  # quick retries for the test
    results: list[CycleResult] = []
    caplog.set_level(logging.INFO, logger="goesvfi.integrity_check.notify")
    try:
        for n, at in enumerate(["01:30", "01:40", "01:50", "02:00", "02:10"]):
            if n == 1:  # NOAA goes down for the 2nd to 4th cycles
                emu.cdn.inject(Fault(FaultKind.STATUS, status=503))
                emu.s3.inject(S3Fault(S3FaultKind.STATUS, status=503))
            if n == 4:
                emu.cdn.clear_faults()
                emu.s3.clear_faults()
            clock.t = hm(at)
            results.append(await loop.run_cycle())
            ops(results[-1], hm(at) + timedelta(minutes=10))
            await asyncio.sleep(0)
    finally:
        await ops.close()
    assert [r.outage for r in results] == [False, True, True, True, False]  # the scenario did what it says

    hooks = [r.json() for r in receiver.at("/hook")]
    assert [(h["event"], h["status"]) for h in hooks] == [("failing", "firing"), ("failing", "resolved")]
    assert hooks[0]["product"] == {"satellite": "goes18", "sector": "conus", "band": "13", "folder": str(folder)}
    assert hooks[0]["time"] == "2023-05-01T01:50:00Z"  # the second failing cycle in a row
    assert hooks[1]["time"] == "2023-05-01T02:10:00Z"
    ntfy = receiver.at("/ntfy/goes")
    assert len(ntfy) == 2
    assert ntfy[0].headers["Title"] == "GOES-18 CONUS band 13: watch failing"
    assert ntfy[0].headers["Priority"] == "high" and "2 cycles in a row failed" in ntfy[0].body.decode()
    assert ntfy[1].headers["Title"].endswith("back to normal")
    # the broken receiver: each message tried 3 times, then given up; the watch went on regardless
    assert len(receiver.at("/down")) == 6
    assert ops.notifier.given_up == 2 and ops.notifier.delivered == 4
    shown = "\n".join(r.getMessage() for r in caplog.records)
    assert "not delivered after 3 tries" in shown and "\\x1b[31m" in shown and "\x1b" not in shown


async def test_a_receiver_that_cannot_be_reached_gives_up_within_its_bound(folder: Path) -> None:
    product = WatchProduct(G18, Sector.CONUS, 13, folder)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    notifier = Notifier(["http://127.0.0.1:9/hook"], attempts=4, backoff=2.0, timeout=2, sleep=sleep)
    notifier.send([Alert(EventKind.DISK, product, True, "low", datetime.fromisoformat("2023-05-01T00:00:00+00:00"))])
    await notifier.close(drain=30)
    assert waits == [2.0, 4.0, 8.0] and notifier.given_up == 1 and notifier.delivered == 0


async def test_once_runs_carry_the_alert_state_over_in_the_record(receiver: Receiver, folder: Path) -> None:
    """Three ``watch --once`` runs (three WatchOps, as three processes): the disk event is announced by the first,
    not repeated by the second, and its clearing announced by the third."""
    product = WatchProduct(G18, Sector.CONUS, 13, folder)
    hook = f"{receiver.url}/hook"
    for at, guard in (("01:00", 2**62), ("01:10", 2**62), ("01:20", 0)):
        ops = WatchOps(product, now=Clock(hm(at)), receivers=[hook], rules=AlertRules(disk_threshold=guard))
        ops(cycle(at, {"00:36": OK}), None)
        await ops.close()
    assert [(h.json()["event"], h.json()["status"]) for h in receiver.at("/hook")] == [
        ("disk", "firing"),
        ("disk", "resolved"),
    ]
