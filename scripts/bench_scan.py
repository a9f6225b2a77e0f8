#!/usr/bin/env python3
"""Scan benchmark: one year of 5-minute CONUS frames (105,120 slots, 1 % removed in gaps), each a real (small)
PNG, so every scan's structural check reads real heads and tails.

Prints, in one run, a Markdown table: a bare ``os.scandir`` walk + regex over the folder (the floor), the I/O
floor of the structural check (open, read head and tail, close, every file, one thread), the cold scan (no cache
file: walk, parse, match, check every frame, store), the warm scan (unchanged folder: no frame opened), the warm
scan with the present files' paths built, and the scan after 10 files change. Each as the best of several runs
in seconds, as a ratio to the floor, and the peak memory (max RSS) of the process that ran it: every phase runs
in its own interpreter. Then ``--verify`` throughput on 2500x1500 PNG frames against the machine's cores times
one decode's rate.

Targets: cold <= 2x the floor, warm <= 0.5x the floor, peak memory <= 250 MB, verify >= 0.8x cores / one decode.

    python scripts/bench_scan.py [--dir FOLDER] [--keep] [--repeat N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2023, 1, 1, tzinfo=UTC)
END = datetime(2024, 1, 1, tzinfo=UTC)
FLOOR_RE = re.compile(r"^goes(1[6-9])_(conus|fd|m1|m2)_C(\d{2})_(\d{8}T\d{6})Z\.png$")
TARGETS = {"cold": 2.0, "warm": 0.5}
VERIFY_TARGET = 0.8
VERIFY_FRAMES = 48


def tiny_png() -> bytes:
    """A whole 5x3 RGB PNG, built by hand (zlib + CRCs): the structural check reads its IHDR and IEND."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes((x * 40 + y * 7 + c) % 256 for x in range(5) for c in range(3)) for y in range(3))
    ihdr = struct.pack(">IIBBBBB", 5, 3, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


# --------------------------------------------------------------------------------------------------
# The folder
# --------------------------------------------------------------------------------------------------


def make_folder(folder: Path, seed: int = 2023) -> tuple[int, int]:
    """Write the year's frames with 1 % of the slots removed in gaps of 1-24 slots; (expected, written)."""
    from goesvfi.integrity_check.time_index import SatellitePattern, Sector, canonical_name, expected_slots

    slots = expected_slots(Sector.CONUS, START, END)
    rng = random.Random(seed)
    gone: set[int] = set()
    while len(gone) < len(slots) // 100:
        first = rng.randrange(len(slots))
        gone.update(range(first, min(len(slots), first + rng.randint(1, 24))))
    folder.mkdir(parents=True, exist_ok=True)
    data = tiny_png()
    for i, slot in enumerate(slots):
        if i not in gone:
            (folder / canonical_name(SatellitePattern.GOES_18, Sector.CONUS, 13, slot)).write_bytes(data)
    settle(folder)
    return len(slots), len(slots) - len(gone)


def settle(folder: Path) -> None:
    """Date the folder a minute back: the scan re-reads folders changed in the last few seconds (mtime ticks)."""
    when = time.time() - 60
    os.utime(folder, (when, when))


# --------------------------------------------------------------------------------------------------
# Phases (each runs in a child interpreter)
# --------------------------------------------------------------------------------------------------


def floor_walk(root: str) -> int:
    count, stack = 0, [root]
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif FLOOR_RE.match(entry.name):
                    count += 1
    return count


def io_floor(root: str) -> int:
    """Open, read 4 KB of head and 64 bytes of tail, close: every frame, one thread (the structural check's I/O)."""
    count = 0
    with os.scandir(root) as it:
        names = [e.path for e in it if e.name.endswith(".png")]
    for path in names:
        fd = os.open(path, os.O_RDONLY)
        try:
            size = os.fstat(fd).st_size
            os.pread(fd, 4096, 0)
            os.pread(fd, 64, max(0, size - 64))
        finally:
            os.close(fd)
        count += 1
    return count


def best(runs: int, work: Callable[[], object], before: Callable[[], None] = lambda: None) -> float:
    times = []
    for _ in range(runs):
        before()
        t = time.perf_counter()
        work()
        times.append(time.perf_counter() - t)
    return min(times)


def run_phase(phase: str, folder: Path, db_path: Path, repeat: int) -> dict[str, float]:
    from goesvfi.integrity_check.cache.db import CacheDB
    from goesvfi.integrity_check.query import ArchiveQuery
    from goesvfi.integrity_check.scan.reconciler import scan_directory
    from goesvfi.integrity_check.time_index import SatellitePattern

    def scan(paths: bool = False) -> None:
        async def go() -> None:
            async with CacheDB(db_path) as db:
                result = await scan_directory(folder, ArchiveQuery(SatellitePattern.GOES_18, START, END), cache=db)
                if paths:
                    assert len(result.existing) == len(result.expected) - len(result.missing)

        asyncio.run(go())

    def drop_cache() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)

    if phase == "floor":
        seconds = best(repeat, lambda: floor_walk(str(folder)))
    elif phase == "io-floor":
        seconds = best(repeat, lambda: io_floor(str(folder)))
    elif phase == "cold":
        seconds = best(repeat, scan, drop_cache)
    elif phase in ("warm", "warm+paths"):
        scan()  # make sure the cache holds the folder
        seconds = best(repeat, lambda: scan(paths=phase == "warm+paths"))
    else:  # "changed": before each run 10 files change: 5 frames go (or come back), 5 are renamed (or back)
        scan()
        frames = sorted(p for p in os.listdir(folder) if p.endswith(".png"))
        gone, renamed = frames[1000:1005], frames[2000:2005]
        changed = [False]

        def change() -> None:
            undo = changed[0]
            for name in gone:
                (folder / name).write_bytes(tiny_png()) if undo else (folder / name).unlink()
            for name in renamed:
                src, dst = (name + ".x", name) if undo else (name, name + ".x")
                os.rename(folder / src, folder / dst)
            changed[0] = not undo

        seconds = best(repeat, scan, change)
        if changed[0]:
            change()
        settle(folder)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes
    return {"seconds": seconds, "peak_mb": peak_mb}


def verify_throughput(folder: Path) -> float:
    """``scan --verify`` over VERIFY_FRAMES 2500x1500 RGB PNG frames (noise over a gradient, written by Pillow)
    against (cores x one frame's verify rate), each the best of 3; prints a small table, returns the ratio."""
    import numpy as np
    from PIL import Image

    from goesvfi.integrity_check.query import ArchiveQuery
    from goesvfi.integrity_check.scan.frame_check import verify_frame
    from goesvfi.integrity_check.scan.reconciler import scan_directory
    from goesvfi.integrity_check.time_index import SatellitePattern, Sector, canonical_name

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    ramp = np.add.outer(np.arange(1500), np.arange(2500)) % 256
    slots = [START + timedelta(minutes=1 + 5 * i) for i in range(VERIFY_FRAMES)]
    for i, slot in enumerate(slots):
        noise = rng.integers(0, 24, (1500, 2500, 3))
        pixels = ((ramp[..., None] + noise + 40 * np.arange(3) + i) % 256).astype(np.uint8)
        Image.fromarray(pixels).save(folder / canonical_name(SatellitePattern.GOES_18, Sector.CONUS, 13, slot))
    settle(folder)
    first = folder / canonical_name(SatellitePattern.GOES_18, Sector.CONUS, 13, slots[0])
    one = best(3, lambda: verify_frame(first))
    cores = os.cpu_count() or 1
    query = ArchiveQuery(SatellitePattern.GOES_18, START, slots[-1] + timedelta(minutes=4), Sector.CONUS, 13, 5)
    results = []

    def verify_all() -> None:  # no cache: every run decodes every frame
        results.append(asyncio.run(scan_directory(folder, query, verify=True)))

    took = best(3, verify_all)
    assert all(r.frames_checked == VERIFY_FRAMES and not r.damaged for r in results)
    paths = sorted(str(p) for p in folder.iterdir())
    ceiling = min(processes_verify(paths, cores) for _ in range(3))
    rate, floor_rate = VERIFY_FRAMES / took, cores / one
    print(f"\n| --verify, {VERIFY_FRAMES} frames 2500x1500 RGB | frames/s | x (cores / one decode) | target |")
    print("|---|---:|---:|---:|")
    print(f"| one frame, one thread: {one * 1000:.0f} ms | {1 / one:.1f} | | |")
    print(f"| scan --verify ({cores} cores) | {rate:.1f} | {rate / floor_rate:.2f} | >= {VERIFY_TARGET} |")
    print(f"| the machine's ceiling: {cores} processes, nothing shared | {VERIFY_FRAMES / ceiling:.1f} | "
          f"{VERIFY_FRAMES / ceiling / floor_rate:.2f} | |")  # fmt: skip
    return rate / floor_rate


def processes_verify(paths: list[str], processes: int) -> float:
    """What the hardware gives: ``processes`` interpreters, started and warm before the clock (each has verified
    a frame), each verifying its share of the frames; no GIL, no memory shared. Timed from the go signal."""
    shares = [paths[i::processes] for i in range(processes)]
    code = (
        "import sys\n"
        "from goesvfi.integrity_check.scan.frame_check import verify_frame\n"
        "paths = sys.argv[1:]\n"
        "verify_frame(paths[0])\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"
        "assert all(verify_frame(p).ok for p in paths)\n"
    )
    children = [
        subprocess.Popen([sys.executable, "-c", code, *share], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for share in shares
    ]
    for proc in children:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    start = time.perf_counter()
    for proc in children:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in children:
        proc.wait()
        assert proc.returncode == 0
    return time.perf_counter() - start


def child(phase: str, folder: Path, db_path: Path, repeat: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--dir", str(folder), "--db", str(db_path),
         "--repeat", str(repeat)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, help="where to build the folder (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the folder and cache afterwards")
    parser.add_argument("--repeat", type=int, default=5, help="runs per phase; the best counts (default 5)")
    parser.add_argument("--verify-only", action="store_true", help="only the --verify throughput table")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.dir, args.db, args.repeat)))
        return 0

    base = args.dir or Path(tempfile.mkdtemp(prefix="goesvfi-bench-scan-"))
    folder, db_path = base / "frames", base / "cache.sqlite3"
    if args.verify_only:
        try:
            return 0 if verify_throughput(base / "verify") >= VERIFY_TARGET else 1
        finally:
            if not args.keep:
                shutil.rmtree(base, ignore_errors=True)
    try:
        t = time.perf_counter()
        expected, written = make_folder(folder)
        took = time.perf_counter() - t
        print(f"folder: {written:,} files for {expected:,} slots ({expected - written:,} missing), written in "
              f"{took:.1f} s; best of {args.repeat} runs per phase", flush=True)  # fmt: skip
        rows = [
            ("floor: os.scandir walk + regex", "floor", None),
            ("I/O floor of the structural check: open, head, tail", "io-floor", None),
            ("cold scan (no cache file)", "cold", "cold"),
            ("warm scan (unchanged folder)", "warm", "warm"),
            ("warm scan + paths of present files", "warm+paths", None),
            ("scan after 10 files change", "changed", None),
        ]
        results = {phase: child(phase, folder, db_path, args.repeat) for _label, phase, _t in rows}
        floor = results["floor"]["seconds"]
        print("\n| run | seconds | x floor | target | peak MB |\n|---|---:|---:|---:|---:|")
        for label, phase, target in rows:
            r = results[phase]
            goal = f"<= {TARGETS[target]}x" if target else ""
            print(f"| {label} | {r['seconds']:.3f} | {r['seconds'] / floor:.2f} | {goal} | {r['peak_mb']:.0f} |")
        io = results["io-floor"]["seconds"]
        print(f"\ncold scan = {results['cold']['seconds'] / io:.2f}x the structural check's I/O floor")
        ok = all(results[p]["seconds"] <= TARGETS[p] * floor for p in TARGETS)
        ok = ok and all(r["peak_mb"] <= 250 for r in results.values())
        print(f"targets {'met' if ok else 'NOT met'} (peak memory target: <= 250 MB)")
        ratio = verify_throughput(base / "verify")
        return 0 if ok and ratio >= VERIFY_TARGET else 1
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
