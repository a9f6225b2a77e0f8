"""Bandwidth cap benchmark: the rate achieved under ``--max-rate`` against the local emulator.

For each cap, a process-wide limiter is set (as ``--max-rate`` does) and ``--concurrency`` workers download CDN
frames (2500x1500 JPEGs) and S3 objects (NetCDF) from the emulator, through the product's own stores, over
loopback (unthrottled, so the cap is the only limit), until about ``--seconds`` worth of the cap has arrived.
Achieved = bytes received / wall time from the first request to the last byte. An uncapped row shows the
loopback ceiling.

    python scripts/bench_rate.py [--caps 100K,300K,1M,3M,10M] [--seconds 6] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.remote.base import RemoteItem
from goesvfi.integrity_check.remote.cdn_store import CDNStore
from goesvfi.integrity_check.remote.rate import format_rate, parse_rate
from goesvfi.integrity_check.remote.s3_store import S3Store
from goesvfi.integrity_check.results import Source
from goesvfi.integrity_check.time_index import SatellitePattern

DAY = datetime(2023, 5, 1, tzinfo=UTC)
SIZE = (2500, 1500)


def items(emu: NoaaEmulator) -> list[RemoteItem]:
    out = []
    for slot in sorted(set(emu.cdn_frames) & set(emu.s3_keys)):
        name = f"{slot:%Y%j%H%M}_GOES18-ABI-CONUS-13-{SIZE[0]}x{SIZE[1]}.jpg"
        out.append(RemoteItem(slot, slot, name, f"{emu.cdn_url}/GOES18/ABI/CONUS/13/{name}", Source.CDN))
        key = emu.s3_keys[slot]
        out.append(RemoteItem(slot, slot, key.rsplit("/", 1)[1], key, Source.S3))
    return out


async def run(
    emu: NoaaEmulator, cap: float | None, seconds: float, concurrency: int, work: Path, *, warm: bool = False
) -> tuple[int, float]:
    settings = emu.settings(max_rate=cap, concurrency=concurrency, min_rate=0)
    stores = {Source.CDN: CDNStore(settings), Source.S3: S3Store(settings)}
    budget = (cap or 50e6) * seconds
    queue = itertools.cycle(items(emu))
    received = 0
    booked = 0.0
    sizes: dict[str, int] = {}

    async def worker(n: int) -> None:
        nonlocal received, booked
        dest = work / f"w{n}"
        while booked < budget:
            item = next(queue)
            booked += sizes.get(item.name, 150_000)
            await stores[item.source].download(item, dest)
            size = dest.stat().st_size
            sizes[item.name] = size
            received += size

    async def warm_up() -> None:
        for n, item in enumerate(items(emu)):
            await stores[item.source].download(item, work / f"warm{n}")

    try:
        started = time.perf_counter()
        await (warm_up() if warm else asyncio.gather(*(worker(n) for n in range(concurrency))))
        return received, time.perf_counter() - started
    finally:
        for store in stores.values():
            await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--caps", default="100K,300K,1M,3M,10M", help="caps to measure (K = 1000, M = 1000000)")
    parser.add_argument("--seconds", type=float, default=6.0, help="about this long per cap (default 6)")
    parser.add_argument("--concurrency", type=int, default=8, help="downloads at the same time (default 8)")
    ns = parser.parse_args()
    caps: list[float | None] = [parse_rate(c) for c in ns.caps.split(",")]
    with (
        tempfile.TemporaryDirectory() as tmp,
        NoaaEmulator(
            SatellitePattern.GOES_18, start=DAY, end=DAY + timedelta(hours=2), now=DAY + timedelta(hours=2),
            missing_fraction=0.0, cdn_sizes=[SIZE], nc_shape=(600, 1000),
        ) as emu,
    ):  # fmt: skip
        print(f"emulator on loopback, {ns.concurrency} connections, CDN {SIZE[0]}x{SIZE[1]} JPEGs and S3 NetCDF")
        # warm-up: the emulator draws each frame on its first request; measure transfers, not drawing
        asyncio.run(run(emu, None, 0.0, ns.concurrency, Path(tmp), warm=True))
        print(f"{'cap':>12} {'achieved':>12} {'achieved/cap':>13} {'MB':>8} {'seconds':>8}")
        for cap in [*caps, None]:
            received, elapsed = asyncio.run(run(emu, cap, ns.seconds if cap else 2.0, ns.concurrency, Path(tmp)))
            rate = received / elapsed
            ratio = f"{rate / cap:.3f}" if cap else "-"
            shown = format_rate(cap) if cap else "none"
            print(f"{shown:>12} {format_rate(rate):>12} {ratio:>13} {received / 1e6:8.1f} {elapsed:8.2f}", flush=True)


if __name__ == "__main__":
    main()
