#!/usr/bin/env python3
"""Benchmark: fetch 300 CDN frames and 100 S3 frames from the local NOAA emulator into empty folders.

    .venv/bin/python scripts/bench_fetch.py [--cdn-frames 300] [--s3-frames 100] [--concurrency 8]

The emulator (STAR CDN on aiohttp + moto S3) runs in a child process, so its CPU and memory are not counted
here: CONUS JPGs at 2500x1500 (a few hundred KB, rendered before timing) and RadC band-13 NetCDF files at
1500 x 2500. In the same run this process times:
- ``raw GET``: plain concurrent aiohttp GETs of the same CDN JPGs, bodies read and dropped (the transport floor);
- ``CDN transport``: the CDN store downloading the same frames into a folder (streamed to files, its length and
  JPEG start/end marker check), no PNG: the transport overhead the 0.7x target is about;
- ``CDN path``: ``ReconcileManager`` fetching the CDN frames (download to a temp file, check, decode the JPG,
  write the PNG, fsync, rename);
- ``S3 path``: ``ReconcileManager`` fetching the S3 frames (download, NetCDF check, render to PNG, rename);
- ``file writes only``: the transport's bodies written to new files by one thread, no network (what storing
  the frames costs by itself);
- the CPU cost of one JPG -> PNG conversion (one thread): JPEG decode, PNG encode, ``jpeg_to_png`` end to end.
Prints frames/s and MB/s (downloaded bytes) for each, the CDN transport and the CDN path as fractions of the
raw GET throughput (target >= 0.7 for the transport), and this process's peak RSS (target <= 400 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
from PIL import Image

from goesvfi.integrity_check.cache.db import CacheDB
from goesvfi.integrity_check.fetch.manager import ReconcileManager
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.remote.base import RemoteItem
from goesvfi.integrity_check.remote.cdn_store import CDNStore
from goesvfi.integrity_check.render.cdn_jpeg import jpeg_to_png
from goesvfi.integrity_check.render.png_writer import write_png
from goesvfi.integrity_check.results import SlotResult, SlotStatus, Source
from goesvfi.integrity_check.runtime import limit_malloc_arenas
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

START = datetime(2023, 5, 1, tzinfo=UTC)
CDN_SIZE = (2500, 1500)
NC_SHAPE = (1500, 2500)
MB = 1024 * 1024


# ---- the emulator, in a child process -----------------------------------------------------------


def serve(cdn_frames: int, s3_frames: int) -> int:
    """Child: build and serve the archive, print one JSON line, serve until stdin closes."""
    from goesvfi.integrity_check.emulator.noaa import NoaaEmulator

    end = START + timedelta(minutes=5 * cdn_frames)
    emulator = NoaaEmulator(
        start=START,
        end=end,
        now=end,
        missing_fraction=1 - s3_frames / cdn_frames,  # S3 keeps s3_frames of the slots
        cdn_missing_fraction=0.0,
        nc_shape=NC_SHAPE,
        cdn_sizes=[CDN_SIZE],
    )
    print(f"building {cdn_frames} JPGs and {s3_frames} NetCDF files ...", file=sys.stderr, flush=True)
    emulator.start()
    try:
        emulator.cdn.prerender(CDN_SIZE)
        urls = [
            f"{emulator.cdn_url}/GOES18/ABI/CONUS/13/{t:%Y%j%H%M}_GOES18-ABI-CONUS-13-{CDN_SIZE[0]}x{CDN_SIZE[1]}.jpg"
            for t in emulator.cdn_slots
        ]
        info = {"env": emulator.env(), "end": end.isoformat(), "urls": urls, "s3_slots": len(emulator.s3_slots)}
        print(json.dumps(info), flush=True)
        sys.stdin.read()  # the parent closes our stdin when it is done
    finally:
        emulator.stop()
    return 0


# ---- measurements -------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    frames: int
    seconds: float
    nbytes: int

    @property
    def fps(self) -> float:
        return self.frames / self.seconds

    @property
    def mbps(self) -> float:
        return self.nbytes / MB / self.seconds


async def raw_get(urls: list[str], concurrency: int) -> Row:
    gate = asyncio.Semaphore(concurrency)
    total = 0

    async def one(session: aiohttp.ClientSession, url: str) -> None:
        nonlocal total
        async with gate, session.get(url) as resp:
            resp.raise_for_status()
            async for chunk in resp.content.iter_chunked(64 * 1024):
                total += len(chunk)

    started = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(one(session, u) for u in urls))
    return Row("raw GET (aiohttp)", len(urls), time.perf_counter() - started, total)


async def manager_fetch(
    name: str, folder: Path, end: datetime, now: datetime, concurrency: int, env: dict[str, str]
) -> Row:
    settings = FetchSettings.from_env(env, concurrency=concurrency, cdn_size=CDN_SIZE, disk_threshold=0)
    async with (
        CacheDB(folder.parent / f"{folder.name}.sqlite") as cache,
        ReconcileManager(cache, folder, settings=settings, now=lambda: now) as manager,
    ):
        scan = await manager.scan(folder, ArchiveQuery(SatellitePattern.GOES_18, START, end))
        started = time.perf_counter()
        slots = await manager.fetch_missing(scan)
        seconds = time.perf_counter() - started
        fetched = [s for s in slots if s.status is SlotStatus.FETCHED]
        nbytes = await downloaded_bytes(manager, fetched)
    return Row(name, len(fetched), seconds, nbytes)


async def downloaded_bytes(manager: ReconcileManager, fetched: list[SlotResult]) -> int:
    """Bytes the fetch downloaded: S3 listings give sizes; the CDN index does not, so ask with HEAD requests."""
    total = 0
    for source in (Source.CDN, Source.S3):
        mine = [s for s in fetched if s.source is source]
        if not mine:
            continue
        items = await manager.store(source).find(
            mine[0].satellite, mine[0].sector, mine[0].band, [s.timestamp for s in mine]
        )
        sizes = [item.size for item in items.values()]
        if all(size is not None for size in sizes):
            total += sum(size or 0 for size in sizes)
            continue
        async with aiohttp.ClientSession() as session:
            for item in items.values():
                async with session.head(item.location) as resp:
                    total += int(resp.headers["Content-Length"])
    return total


async def cdn_transport(folder: Path, end: datetime, concurrency: int, env: dict[str, str]) -> Row:
    """The CDN store alone: each frame downloaded into a folder with the store's check, no PNG."""
    settings = FetchSettings.from_env(env, concurrency=concurrency, cdn_size=CDN_SIZE)
    store = CDNStore(settings)
    slots = [START + timedelta(minutes=1 + 5 * i) for i in range(int((end - START).total_seconds() // 300))]
    items = await store.find(SatellitePattern.GOES_18, Sector.CONUS, 13, slots)
    gate = asyncio.Semaphore(concurrency)
    await asyncio.to_thread(folder.mkdir)
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
    return Row("CDN transport (store download + check, no PNG)", len(received), seconds, sum(received.values()))


def file_writes(source: Path, work: Path, repeat: int = 3) -> Row:
    """Writing the transport's bodies to new files, one thread, no network: the floor of any transport that
    stores frames (best of ``repeat``)."""
    bodies = [p.read_bytes() for p in sorted(source.iterdir())]
    best = float("inf")
    for i in range(repeat):
        folder = work / f"writes-{i}"
        folder.mkdir()
        started = time.perf_counter()
        for n, body in enumerate(bodies):
            with (folder / f"{n}.jpg").open("wb") as fh:
                fh.write(body)
        best = min(best, time.perf_counter() - started)
    return Row("file writes only (same bytes, new files, no network)", len(bodies), best, sum(map(len, bodies)))


def conversion_cost(jpg: bytes, work: Path, repeat: int = 7) -> dict[str, float]:
    """Median milliseconds, one thread: JPEG decode (Pillow), PNG encode (the project's writer), jpeg_to_png."""
    (work / "one.jpg").write_bytes(jpg)

    def decode() -> np.ndarray:
        with Image.open(io.BytesIO(jpg)) as image:
            return np.asarray(image)

    pixels = decode()

    def encode() -> None:
        write_png(io.BytesIO(), pixels)

    def convert() -> None:
        jpeg_to_png(work / "one.jpg", work / "one.png")

    out = {}
    for name, fn in (
        ("JPEG decode", decode),
        ("PNG encode", encode),
        ("jpeg_to_png (decode + encode + write)", convert),
    ):
        fn()
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        out[name] = statistics.median(times) * 1000
    return out


def peak_rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform != "darwin" else rss / MB  # Linux: KiB, macOS: bytes


async def run(info: dict[str, Any], concurrency: int, work: Path) -> list[Row]:
    end = datetime.fromisoformat(info["end"])
    env: dict[str, str] = info["env"]
    rows = []
    for i in range(3):  # each takes well under a second: alternate them, the best of each counts
        rows.append(await raw_get(info["urls"], concurrency))
        rows.append(await cdn_transport(work / f"transport-{i}", end, concurrency, env))
    (work / "cdn").mkdir()
    rows.append(await manager_fetch("CDN path (JPG -> PNG)", work / "cdn", end, end, concurrency, env))
    (work / "s3").mkdir()
    far = end + timedelta(days=30)  # every slot beyond the CDN's reach: S3 only
    rows.append(await manager_fetch("S3 path (NetCDF -> PNG)", work / "s3", end, far, concurrency, env))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cdn-frames", type=int, default=300)
    parser.add_argument("--s3-frames", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--no-arena-cap", action="store_true", help="leave glibc's malloc arenas uncapped")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.cdn_frames, args.s3_frames)
    if not 0 < args.s3_frames <= args.cdn_frames:
        parser.error("need 0 < --s3-frames <= --cdn-frames")
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", f"--cdn-frames={args.cdn_frames}", f"--s3-frames={args.s3_frames}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line:
            print("the emulator did not start", file=sys.stderr)
            return 1
        info = json.loads(line)
        if not args.no_arena_cap:
            limit_malloc_arenas()  # as the fetch command does
        with tempfile.TemporaryDirectory(prefix="bench-fetch-") as tmp:
            rows = asyncio.run(run(info, args.concurrency, Path(tmp)))
            rss = peak_rss_mb()  # the fetches' peak, before the single-thread conversion timing below
            writes = file_writes(Path(tmp) / "transport-0", Path(tmp))
            cost = conversion_cost(next((Path(tmp) / "transport-0").iterdir()).read_bytes(), Path(tmp))
    finally:
        if child.stdin is not None:
            child.stdin.close()
        child.wait(timeout=60)
    best = {
        name: max((r for r in rows if r.name == name), key=lambda r: r.mbps)
        for name in dict.fromkeys(r.name for r in rows)
    }
    raw, transport, cdn, s3 = best.values()
    print(f"fetch benchmark: {args.cdn_frames} CDN frames {CDN_SIZE[0]}x{CDN_SIZE[1]}, {args.s3_frames} S3 frames "
          f"{NC_SHAPE[0]}x{NC_SHAPE[1]}, concurrency {args.concurrency}")  # fmt: skip
    print("| path | frames | seconds | frames/s | MB/s | / raw GET |\n|---|---:|---:|---:|---:|---:|")
    for row in (raw, transport, writes, cdn, s3):
        share = f"{row.mbps / raw.mbps:.3f}" if row.name.startswith("CDN") else ""
        print(f"| {row.name} | {row.frames} | {row.seconds:.2f} | {row.fps:.1f} | {row.mbps:.1f} | {share} |")
    ratio = transport.mbps / raw.mbps
    print(f"CDN transport / raw GET throughput: {ratio:.2f} (target >= 0.7) {'OK' if ratio >= 0.7 else 'MISSED'}")
    extra = (transport.seconds - raw.seconds - writes.seconds) / transport.frames * 1000
    print(f"raw GET + file writes: {raw.seconds + writes.seconds:.2f} s; CDN transport: {transport.seconds:.2f} s "
          f"(the store's own cost beyond both: {extra:.2f} ms per frame)")  # fmt: skip
    print(f"CDN path (with JPG -> PNG) / raw GET throughput: {cdn.mbps / raw.mbps:.3f}")
    print("one JPG -> PNG conversion, one thread, median ms: " + ", ".join(f"{k} {v:.0f}" for k, v in cost.items()))
    print(f"peak RSS of this process: {rss:.0f} MB (target <= 400 MB) {'OK' if rss <= 400 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
