#!/usr/bin/env python3
"""Benchmark: fetch one day of CONUS (288 frames) from the local NOAA emulator, CPU-bound and network-bound.

    .venv/bin/python scripts/bench_fetch.py [--frames 288] [--s3-frames 96] [--concurrency 8] [--runs 3] \\
        [--latency-ms 60] [--bandwidth-mb 20] [--sweep 2,4,8,16,32] [--listing-days 30] [--skip-network]

The emulator (STAR CDN on aiohttp + moto S3) runs in a child process, so its CPU and memory are not counted
here (it shares the cores): ``--frames`` CONUS slots, each as a 2500x1500 JPG on the CDN and a 1500 x 2500
RadC band-13 NetCDF on S3. Every fetch writes frames in the default look (the CDN's: 2500x1500 RGB, STAR's
colour table), as ``fetch`` into an empty folder does. Three parts, each printed as a table:

1. **CPU-bound** (loopback, no delay): the CDN path (JPG -> PNG, all frames) and the S3 path (NetCDF -> PNG,
   ``--s3-frames``) through ``ReconcileManager.fetch_missing``, best of ``--runs``, against their *conversion
   floor* measured in the same run: cores / the time of one conversion on one thread (the look conversion
   that runs in a fetch: ``jpeg_to_png`` / ``render_png`` with the look), timed between the runs (median).
   Target >= 0.8x the floor. Also printed: the emulator's CPU per frame (it runs on the same cores, which
   NOAA's servers do not) and how busy the cores were (this process's CPU and the emulator's / cores x time).
2. **Network-bound** (the emulator at ``--latency-ms`` per request and ``--bandwidth-mb`` MB/s per
   connection): the stores' downloads alone (no PNG) at each ``--sweep`` concurrency, against the bound
   bytes / (connections x bandwidth) + requests x latency / connections (target >= 0.8x), then both whole
   paths at ``--concurrency`` against max(that bound, frames / conversion floor).
3. **S3 listing** at the same latency: a fetch of ``--listing-days`` days (one listing per hour prefix) whose
   last ``--s3-frames`` slots of the first day exist: when the listing ended, when the first frame was written.

Prints the load average before and after (the development machine is shared) and this process's peak RSS
(target <= 400 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from goesvfi.integrity_check.cache.db import CacheDB
from goesvfi.integrity_check.fetch.manager import ReconcileManager
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.remote.base import RemoteItem, RemoteStore
from goesvfi.integrity_check.remote.cdn_store import CDNStore
from goesvfi.integrity_check.remote.s3_store import S3Store
from goesvfi.integrity_check.render import netcdf
from goesvfi.integrity_check.render.cdn_jpeg import jpeg_to_png
from goesvfi.integrity_check.render.netcdf import render_png
from goesvfi.integrity_check.results import Progress, SlotStatus, Stage
from goesvfi.integrity_check.runtime import tune_malloc
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

START = datetime(2023, 5, 1, tzinfo=UTC)
CDN_SIZE = (2500, 1500)
NC_SHAPE = (1500, 2500)
MB = 1024 * 1024
CORES = os.cpu_count() or 1


# ---- the emulator, in a child process -----------------------------------------------------------


def serve(frames: int) -> int:
    """Child: build and serve the archive, print one JSON line, then obey ``net LATENCY BANDWIDTH`` lines on
    stdin (answering ``ok``) until stdin closes."""
    from goesvfi.integrity_check.emulator.noaa import NoaaEmulator

    end = START + timedelta(minutes=5 * frames)
    emulator = NoaaEmulator(
        start=START, end=end, now=end, missing_fraction=0.0, cdn_missing_fraction=0.0, nc_shape=NC_SHAPE,
        cdn_sizes=[CDN_SIZE],
    )  # fmt: skip
    print(f"building {frames} JPGs and {frames} NetCDF files ...", file=sys.stderr, flush=True)
    emulator.start()
    try:
        emulator.cdn.prerender(CDN_SIZE)
        slot = emulator.s3_slots[0]
        info = {
            "env": emulator.env(),
            "end": end.isoformat(),
            "jpg": f"{emulator.cdn_url}/GOES18/ABI/CONUS/13/{slot:%Y%j%H%M}_GOES18-ABI-CONUS-13-2500x1500.jpg",
            "nc": f"{emulator.s3_endpoint}/{emulator.bucket}/{emulator.s3_keys[slot]}",
        }
        print(json.dumps(info), flush=True)
        for line in sys.stdin:
            _, latency, bandwidth = line.split()
            emulator.network.set(float(latency), None if bandwidth == "none" else float(bandwidth))
            print("ok", flush=True)
    finally:
        emulator.stop()
    return 0


class Child:
    def __init__(self, frames: int, path: str | None) -> None:
        env = dict(os.environ)
        if path:  # the emulator's code (``--child-path``), e.g. to time an older product against this emulator
            env["PYTHONPATH"] = path
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", f"--frames={frames}"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit("the emulator did not start")
        self.info: dict[str, Any] = json.loads(line)

    def network(self, latency: float, bandwidth: float | None) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"net {latency} {bandwidth or 'none'}\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "ok"

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=120)


# ---- measurements -------------------------------------------------------------------------------


@dataclass
class Run:
    frames: int
    seconds: float
    nbytes: int = 0
    cpu: float = 0.0  # this process's CPU seconds (user + system), all threads
    server_cpu: float = 0.0  # the emulator's CPU seconds in the same time (it shares the cores)

    @property
    def cpu_ms(self) -> float:
        return self.cpu * 1000 / max(1, self.frames)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds

    def busy(self) -> float:
        """How busy the cores were: (this process's CPU + the emulator's) / (cores x seconds)."""
        return (self.cpu + self.server_cpu) / (CORES * self.seconds)


def settings_for(env: dict[str, str], concurrency: int) -> FetchSettings:
    return FetchSettings.from_env(env, concurrency=concurrency, cdn_size=CDN_SIZE, disk_threshold=0)


async def manager_fetch(
    folder: Path,
    start: datetime,
    end: datetime,
    now: datetime,
    concurrency: int,
    env: dict[str, str],
    progress: Callable[[Progress], None] | None = None,
    server_pid: int | None = None,
) -> Run:
    await asyncio.to_thread(folder.mkdir)
    async with (
        CacheDB(folder.parent / f"{folder.name}.sqlite") as cache,
        ReconcileManager(cache, folder, settings=settings_for(env, concurrency), now=lambda: now) as manager,
    ):
        scan = await manager.scan(folder, ArchiveQuery(SatellitePattern.GOES_18, start, end))
        server = process_cpu_seconds(server_pid) if server_pid else 0.0
        cpu, started = cpu_seconds(), time.perf_counter()
        slots = await manager.fetch_missing(scan, progress_callback=progress)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        server = process_cpu_seconds(server_pid) - server if server_pid else 0.0
    return Run(sum(s.status is SlotStatus.FETCHED for s in slots), seconds, cpu=cpu, server_cpu=server)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu_seconds(pid: int) -> float:
    """Another process's CPU seconds (user + system) from /proc (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def transport(store: RemoteStore, slots: list[datetime], folder: Path, concurrency: int) -> Run:
    """The store's downloads alone (its checks included, no PNG), ``concurrency`` at once; listing not timed."""
    items = await store.find(SatellitePattern.GOES_18, Sector.CONUS, 13, slots)
    await asyncio.to_thread(folder.mkdir)
    gate = asyncio.Semaphore(concurrency)
    received: dict[str, int] = {}

    async def one(item: RemoteItem) -> None:
        def progress(done: int, total: int | None) -> None:
            received[item.name] = done

        async with gate:
            await store.download(item, folder / item.name, progress)

    started = time.perf_counter()
    await asyncio.gather(*(one(item) for item in items.values()))
    seconds = time.perf_counter() - started
    await store.close()
    return Run(len(received), seconds, sum(received.values()))


CPU_MS: dict[str, list[float]] = {"cdn": [], "s3": []}  # the same conversions' CPU time (thread_time)
LOCK_MS: list[float] = []  # how long each S3 conversion held the process's HDF5 lock


class TimedLock:
    """Stands in for ``render.netcdf.NETCDF_LOCK`` while one conversion is timed: how long it is held."""

    def __init__(self, lock: Any) -> None:
        self.lock, self.held = lock, 0.0

    def __enter__(self) -> None:
        self.lock.acquire()
        self.since = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.held += time.perf_counter() - self.since
        self.lock.release()


def conversion_ms(jpg: Path, nc: Path, work: Path, repeat: int = 3) -> tuple[list[float], list[float]]:
    """One look conversion on one thread, ``repeat`` times each: CDN JPG -> PNG and NetCDF -> PNG (wall ms)."""
    cdn, s3 = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.thread_time()
        jpeg_to_png(jpg, work / "c.png", size=CDN_SIZE, mode="RGB", table="star", expected_size=CDN_SIZE)
        cdn.append((time.perf_counter() - t0) * 1000)
        CPU_MS["cdn"].append((time.thread_time() - c0) * 1000)
        lock = netcdf.NETCDF_LOCK
        netcdf.NETCDF_LOCK = timed = TimedLock(lock)  # type: ignore[assignment]
        try:
            t0, c0 = time.perf_counter(), time.thread_time()
            render_png(nc, work / "s.png", colormap="star", size=CDN_SIZE, mode="RGB", max_shape=NC_SHAPE)
            s3.append((time.perf_counter() - t0) * 1000)
            CPU_MS["s3"].append((time.thread_time() - c0) * 1000)
        finally:
            netcdf.NETCDF_LOCK = lock
        LOCK_MS.append(timed.held * 1000)
    return cdn, s3


def peak_rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform != "darwin" else rss / MB  # Linux: KiB, macOS: bytes


def spread(values: list[float]) -> str:
    return f"{min(values):.1f}-{max(values):.1f}"


async def fetch_file(url: str, dest: Path) -> Path:
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        resp.raise_for_status()
        await asyncio.to_thread(dest.write_bytes, await resp.read())
    return dest


# ---- the three parts ----------------------------------------------------------------------------


async def cpu_part(child: Child, args: argparse.Namespace, work: Path) -> None:
    env, end = child.info["env"], datetime.fromisoformat(child.info["end"])
    jpg = await fetch_file(child.info["jpg"], work / "one.jpg")
    nc = await fetch_file(child.info["nc"], work / "one.nc")
    conversion_ms(jpg, nc, work, 1)  # warm up (imports, tables)
    CPU_MS["cdn"].clear()
    CPU_MS["s3"].clear()
    LOCK_MS.clear()
    cdn_ms, s3_ms = conversion_ms(jpg, nc, work)
    s3_start = end - timedelta(minutes=5 * args.s3_frames)
    cdn_runs, s3_runs = [], []
    for i in range(args.runs):
        pid = child.proc.pid
        cdn_runs.append(await manager_fetch(work / f"cdn-{i}", START, end, end, args.concurrency, env, server_pid=pid))
        more = conversion_ms(jpg, nc, work)
        cdn_ms += more[0]
        s3_ms += more[1]
        far = end + timedelta(days=30)  # every slot beyond the CDN's reach: S3 only
        s3_runs.append(await manager_fetch(work / f"s3-{i}", s3_start, end, far, args.concurrency, env, server_pid=pid))
        more = conversion_ms(jpg, nc, work)
        cdn_ms += more[0]
        s3_ms += more[1]
    print(f"\n## CPU-bound: loopback, concurrency {args.concurrency}, {CORES} cores, best of {args.runs} runs")
    print("| path | frames | seconds (best) | frames/s (best) | frames/s (runs) | one conversion ms (median) "
          "| floor frames/s | x floor | CPU ms per frame: fetch (best run) / one conversion | emulator CPU ms "
          "per frame | cores busy |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    paths = (("CDN path (JPG -> PNG)", cdn_runs, cdn_ms, "cdn"), ("S3 path (NetCDF -> PNG)", s3_runs, s3_ms, "s3"))
    for name, runs, ms, key in paths:
        best = max(runs, key=lambda r: r.fps)
        floor = CORES * 1000 / statistics.median(ms)
        cpu = statistics.median(CPU_MS[key])
        print(f"| {name} | {best.frames} | {best.seconds:.2f} | {best.fps:.1f} | {spread([r.fps for r in runs])} "
              f"| {statistics.median(ms):.0f} ({spread(ms)}) | {floor:.1f} | {best.fps / floor:.2f} "
              f"| {best.cpu_ms:.0f} / {cpu:.0f} | {best.server_cpu * 1000 / max(1, best.frames):.1f} "
              f"| {best.busy():.0%} |")  # fmt: skip
    held = statistics.median(LOCK_MS)
    print(f"S3 conversion: HDF5 lock held {held:.1f} ms (median, range {spread(LOCK_MS)}): one process cannot "
          f"convert more than {1000 / held:.1f} S3 frames/s")  # fmt: skip
    cpu_part.floors = {  # type: ignore[attr-defined]
        "cdn": CORES * 1000 / statistics.median(cdn_ms),
        "s3": CORES * 1000 / statistics.median(s3_ms),
    }


async def network_part(child: Child, args: argparse.Namespace, work: Path) -> None:
    env, end = child.info["env"], datetime.fromisoformat(child.info["end"])
    latency, bandwidth = args.latency_ms / 1000, args.bandwidth_mb * 1e6
    child.network(latency, bandwidth)
    slots = [START + timedelta(minutes=1 + 5 * i) for i in range(args.frames)]
    far = end + timedelta(days=30)
    print(f"\n## Network-bound: {args.latency_ms:g} ms per request, {args.bandwidth_mb:g} MB/s per connection, "
          f"{args.frames} frames")  # fmt: skip
    print("| store downloads (no PNG) | connections | seconds | frames/s | MB/s | bound s | bound / measured |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in ("CDN", "S3"):
        for concurrency in args.sweep:
            settings = settings_for(env, concurrency)
            store: RemoteStore = CDNStore(settings) if name == "CDN" else S3Store(settings, now=lambda: far)
            run = await transport(store, slots, work / f"t-{name}-{concurrency}", concurrency)
            bound = run.nbytes / (concurrency * bandwidth) + run.frames * latency / concurrency
            print(f"| {name} | {concurrency} | {run.seconds:.2f} | {run.fps:.1f} | {run.nbytes / MB / run.seconds:.1f} "
                  f"| {bound:.2f} | {bound / run.seconds:.2f} |")  # fmt: skip
            transport_bytes = run.nbytes / max(1, run.frames)
            network_part.sizes[name] = transport_bytes  # type: ignore[attr-defined]
    floors: dict[str, float] = getattr(cpu_part, "floors", {})
    print("\n| whole path (JPG/NetCDF -> PNG) | connections | frames | seconds | frames/s | network bound s "
          "| CPU floor s | bound / measured | emulator CPU ms per frame | cores busy |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, now in (("CDN", end), ("S3", far)):
        run = await manager_fetch(
            work / f"net-{name}", START, end, now, args.concurrency, env, server_pid=child.proc.pid
        )
        size = network_part.sizes[name]  # type: ignore[attr-defined]
        net = run.frames * size / (args.concurrency * bandwidth) + run.frames * latency / args.concurrency
        cpu = run.frames / floors[name.lower()] if name.lower() in floors else 0.0
        print(f"| {name} | {args.concurrency} | {run.frames} | {run.seconds:.2f} | {run.fps:.1f} | {net:.2f} "
              f"| {cpu:.2f} | {max(net, cpu) / run.seconds:.2f} | {run.server_cpu * 1000 / max(1, run.frames):.1f} "
              f"| {run.busy():.0%} |")  # fmt: skip
    child.network(0.0, None)


network_part.sizes = {}  # type: ignore[attr-defined]


async def listing_part(child: Child, args: argparse.Namespace, work: Path) -> None:
    env, end = child.info["env"], datetime.fromisoformat(child.info["end"])
    latency = args.latency_ms / 1000
    child.network(latency, args.bandwidth_mb * 1e6)
    start = end - timedelta(minutes=5 * args.s3_frames)
    stop = START + timedelta(days=args.listing_days)
    far = stop + timedelta(days=30)
    marks: dict[str, float] = {}
    t0 = time.perf_counter()

    def progress(p: Progress) -> None:
        now = time.perf_counter() - t0
        if p.stage is Stage.LIST:
            marks["listed"] = now
        elif p.result is not None and p.result.status is SlotStatus.FETCHED:
            marks.setdefault("first", now)
            marks["last"] = now

    run = await manager_fetch(work / "listing", start, stop, far, args.concurrency, env, progress)
    child.network(0.0, None)
    hours = (stop - start) // timedelta(hours=1)
    print(f"\n## S3 listing: {args.listing_days} days ({hours} hour prefixes) at {args.latency_ms:g} ms, "
          f"{args.s3_frames} frames to fetch, concurrency {args.concurrency}")  # fmt: skip
    print("| fetch | seconds | last listing progress s | first frame written s | frames | listing bound s |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| {args.listing_days} days, S3 only | {run.seconds:.2f} | {marks.get('listed', 0):.2f} "
          f"| {marks.get('first', 0):.2f} | {run.frames} | {hours * latency / 8:.2f} |")  # fmt: skip


async def run(child: Child, args: argparse.Namespace, work: Path) -> None:
    await cpu_part(child, args, work)
    if not args.skip_network:
        await network_part(child, args, work)
        await listing_part(child, args, work)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=288, help="CONUS slots (288: one day)")
    parser.add_argument("--s3-frames", type=int, default=96, help="frames of the S3 path and the listing run")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=60.0)
    parser.add_argument("--bandwidth-mb", type=float, default=20.0)
    parser.add_argument("--sweep", type=lambda t: [int(x) for x in t.split(",")], default=[2, 4, 8, 16, 32])
    parser.add_argument("--listing-days", type=int, default=30)
    parser.add_argument("--skip-network", action="store_true", help="only the CPU-bound part")
    parser.add_argument("--no-malloc-tuning", action="store_true", help="leave glibc's malloc as it is")
    parser.add_argument("--child-path", help=argparse.SUPPRESS)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.frames)
    if not 0 < args.s3_frames <= args.frames:
        parser.error("need 0 < --s3-frames <= --frames")
    child = Child(args.frames, args.child_path)
    load_before = os.getloadavg()
    try:
        if not args.no_malloc_tuning:
            tune_malloc()  # as the fetch command does
        with tempfile.TemporaryDirectory(prefix="bench-fetch-") as tmp:
            asyncio.run(run(child, args, Path(tmp)))
    finally:
        child.close()
    rss = peak_rss_mb()
    load_after = os.getloadavg()
    print(f"\npeak RSS of this process: {rss:.0f} MB (target <= 400 MB) {'OK' if rss <= 400 else 'MISSED'}")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} ({CORES} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
