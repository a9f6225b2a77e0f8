"""Issue 24: ``watch --metrics FILE`` / ``--metrics-port``, read back with prometheus_client's own text parser and
checked against the scenario (hand-computed slots, the emulator's own tables of what each source has, the folder).

Clock 01:30, window 1 h, latency 20 min: the first cycle sees [00:30, 01:10) = 00:31 ... 01:06 (8 slots), 01:01
absent everywhere; the second, at 01:40, sees [00:40, 01:20) and fetches 01:11 and 01:16.
"""

from __future__ import annotations

import asyncio
import shutil
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.fetch.manager import ReconcileManager
from goesvfi.integrity_check.results import SlotStatus
from goesvfi.integrity_check.time_index import Sector
from goesvfi.integrity_check.watch import WatchLoop
from goesvfi.integrity_check.watch_ops import WatchOps
from goesvfi.integrity_check.watch_record import WatchProduct, read_record
from tests.ops_support import Clock, make_emulator, manager_for, one_hour_watch
from tests.watch_support import ABSENT_EVERYWHERE, G18, frames, hm, slots_from

__all__ = ["manager_for"]

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def value(samples: Samples, name: str, labels: dict[str, str], **extra: str) -> float:
    return samples[(name, frozenset({**labels, **extra}.items()))]


def source_of(emu: NoaaEmulator, slot: object) -> str:
    """Where the plan takes a recent slot from: the CDN first, else S3 (the emulator's own tables)."""
    return "cdn" if slot in emu.cdn_slots else "s3"


@pytest.mark.slow
async def test_the_metrics_file_says_what_the_cycles_did(
    noaa_emulator_factory: Callable[..., NoaaEmulator],
    manager_for: Callable[[NoaaEmulator, Clock], ReconcileManager],
    folder: Path,
    tmp_path: Path,
) -> None:
    emu = make_emulator(noaa_emulator_factory)
    clock = Clock(hm("01:30"))
    loop = WatchLoop(one_hour_watch(folder), manager_for(emu, clock).reconcile_detailed, now=clock)
    product = WatchProduct(G18, Sector.CONUS, 13, folder)
    metrics_file = tmp_path / "textfile" / "goesvfi.prom"
    metrics_file.parent.mkdir()
    ops = WatchOps(product, now=clock, metrics_file=metrics_file)
    labels = {"satellite": "goes18", "sector": "conus", "band": "13", "folder": str(folder)}
    try:
        first = await loop.run_cycle()
        ops(first, hm("01:40"))
        after_first = parse(metrics_file.read_text())
        clock.t = hm("01:40")
        second = await loop.run_cycle()
        ops(second, hm("01:50"))
        samples = parse(metrics_file.read_text())
    finally:
        await ops.close()

    window1 = slots_from("00:31", 8)
    fetchable1 = window1 - {ABSENT_EVERYWHERE}
    assert value(after_first, "goesvfi_integrity_expected_frames", labels) == 8
    assert value(after_first, "goesvfi_integrity_present_frames", labels) == 7
    for source in ("cdn", "s3"):
        want = sum(source_of(emu, s) == source for s in fetchable1)
        assert value(after_first, "goesvfi_integrity_fetched_frames_total", labels, source=source) == want
    # 01:01: no source has it; it is either judged unavailable or failed, never present
    absent = value(after_first, "goesvfi_integrity_missing_frames", labels) + value(
        after_first, "goesvfi_integrity_unavailable_frames", labels
    )
    assert absent == 1
    failed1 = sum(s.status is SlotStatus.FAILED for s in first.slots)
    failed_total = sum(
        value(after_first, "goesvfi_integrity_failed_frames_total", labels, source=s) for s in ("cdn", "s3", "none")
        if ("goesvfi_integrity_failed_frames_total", frozenset({**labels, "source": s}.items())) in after_first
    )  # fmt: skip
    assert failed_total == failed1

    # the second cycle: gauges are the new window's, counters add up
    on_disk = frames(folder)
    assert on_disk == fetchable1 | {hm("01:11"), hm("01:16")}
    fetched_total = sum(
        value(samples, "goesvfi_integrity_fetched_frames_total", labels, source=s) for s in ("cdn", "s3")
    )
    assert fetched_total == len(on_disk) == 9
    assert value(samples, "goesvfi_integrity_expected_frames", labels) == 8  # 00:41 ... 01:16
    assert value(samples, "goesvfi_integrity_present_frames", labels) == 7
    assert value(samples, "goesvfi_integrity_newest_frame_age_seconds", labels) == 24 * 60  # 01:40 - 01:16
    assert value(samples, "goesvfi_integrity_last_cycle_timestamp_seconds", labels) == hm("01:40").timestamp()
    assert value(samples, "goesvfi_integrity_last_success_timestamp_seconds", labels) == hm("01:40").timestamp()
    assert value(samples, "goesvfi_integrity_consecutive_failed_cycles", labels) == 0
    free = value(samples, "goesvfi_integrity_free_bytes", labels)
    assert 0 < free <= shutil.disk_usage(folder).total

    # and the record status reads
    record = read_record(product)
    assert record is not None and record.started == hm("01:40") and record.have == 7 and record.next_run == hm("01:50")
    assert record.ok and record.newest_frame == hm("01:16")


def test_a_port_serves_the_same_metrics_on_loopback(folder: Path) -> None:
    from goesvfi.integrity_check.watch import CycleResult
    from goesvfi.integrity_check.watch_metrics import WatchMetrics
    from goesvfi.integrity_check.watch_record import CycleTracker

    product = WatchProduct(G18, Sector.CONUS, 13, folder)
    metrics = WatchMetrics()
    result = CycleResult(started=hm("02:00"), window_start=hm("01:00"), window_end=hm("01:40"), error="NOAA down")
    metrics.observe(product, result, CycleTracker().record(result, None), now=hm("02:00"), free_bytes=12345)
    port = metrics.serve(0)
    try:
        assert metrics._server is not None and metrics._server.server_address[0] == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
            samples = parse(resp.read().decode())
    finally:
        metrics.close()
    labels = {"satellite": "goes18", "sector": "conus", "band": "13", "folder": str(folder)}
    assert value(samples, "goesvfi_integrity_free_bytes", labels) == 12345
    assert value(samples, "goesvfi_integrity_consecutive_failed_cycles", labels) == 1
    assert value(samples, "goesvfi_integrity_last_cycle_timestamp_seconds", labels) == hm("02:00").timestamp()
    # a failed cycle never saw the window: no window gauges, and no success yet
    names = {name for name, _ in samples}
    assert "goesvfi_integrity_expected_frames" not in names
    assert "goesvfi_integrity_last_success_timestamp_seconds" not in names


async def test_a_busy_cycle_only_moves_the_last_cycle_time(folder: Path, tmp_path: Path) -> None:
    from goesvfi.integrity_check.watch import CycleResult

    product = WatchProduct(G18, Sector.CONUS, 13, folder)
    path = tmp_path / "m.prom"
    ops = WatchOps(product, now=Clock(hm("02:00")), metrics_file=path)
    busy = CycleResult(started=hm("02:00"), window_start=hm("01:00"), window_end=hm("01:40"), error="held", busy=True)
    ops(busy, hm("02:10"))
    await ops.close()
    samples = parse(await asyncio.to_thread(path.read_text))
    labels = product.labels
    assert value(samples, "goesvfi_integrity_last_cycle_timestamp_seconds", labels) == hm("02:00").timestamp()
    assert ("goesvfi_integrity_consecutive_failed_cycles", frozenset(labels.items())) not in samples


def test_the_documented_scrape_config_and_alerting_rules_use_metrics_that_exist(folder: Path) -> None:
    """docs/watch.md's YAML parses, and every goesvfi_* name its rules use is one the metrics expose."""
    import re

    from goesvfi.integrity_check.watch import CycleResult
    from goesvfi.integrity_check.watch_metrics import WatchMetrics
    from goesvfi.integrity_check.watch_record import CycleTracker

    yaml = pytest.importorskip("yaml")
    page = (Path(__file__).resolve().parent.parent / "docs" / "watch.md").read_text()
    section = page.split("## Metrics: Prometheus", 1)[1].split("\n## ", 1)[0]
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", section, flags=re.S)]
    scrape, rules = blocks
    assert scrape["scrape_configs"][0]["static_configs"][0]["targets"] == ["127.0.0.1:9464"]
    alerts = rules["groups"][0]["rules"]
    assert len(alerts) >= 3 and all({"alert", "expr"} <= set(rule) for rule in alerts)

    metrics = WatchMetrics()
    product = WatchProduct(G18, Sector.CONUS, 13, folder)
    result = CycleResult(started=hm("02:00"), window_start=hm("01:00"), window_end=hm("01:40"))
    metrics.observe(product, result, CycleTracker().record(result, None), now=hm("02:00"), free_bytes=1)
    from prometheus_client import generate_latest

    exposed = {name for name, _ in parse(generate_latest(metrics.registry).decode())}
    used = {name for rule in alerts for name in re.findall(r"goesvfi_\w+", rule["expr"])}
    assert used and used <= exposed
