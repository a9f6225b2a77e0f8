"""The fetch helpers on their own: backoff delays, the hybrid plan, the disk guard, atomic writes, name checks."""

from __future__ import annotations

import asyncio
import platform
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.fetch.disk_guard import MB, DiskGuard, DiskSpaceError, estimate_bytes
from goesvfi.integrity_check.fetch.plan import plan_fetch
from goesvfi.integrity_check.fetch.retry import RetryPolicy, with_retries
from goesvfi.integrity_check.folder.atomic import PNG_MAGIC, check_png, commit, temp_path
from goesvfi.integrity_check.folder.sweep import sweep_stale_temps
from goesvfi.integrity_check.remote.base import (
    RemoteNotFoundError,
    RemoteUnavailableError,
    UnsafeNameError,
    check_plain_name,
)
from goesvfi.integrity_check.results import Source
from goesvfi.integrity_check.runtime import run_blocking
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

# ---- retry ----------------------------------------------------------------------------------------


class Flaky:
    """Fails with the given errors, then returns "ok"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


async def test_backoff_doubles_with_full_jitter_and_honours_retry_after() -> None:
    slept: list[float] = []

    async def sleep(s: float) -> None:
        slept.append(s)

    policy = RetryPolicy(retries=4, backoff_base=0.5, backoff_max=3.0)
    op = Flaky(*(RemoteUnavailableError("503") for _ in range(3)), RemoteUnavailableError("429", retry_after=2.5))
    assert await with_retries(op, policy, sleep, rand=lambda: 1.0) == "ok"
    # rand()=1 gives the ceilings: 0.5, 1, 2, then min(3, 4) = 3 (>= the server's 2.5)
    assert slept == [0.5, 1.0, 2.0, 3.0]
    assert op.calls == 5

    slept.clear()
    op = Flaky(RemoteUnavailableError("429", retry_after=2.5))
    assert await with_retries(op, policy, sleep, rand=lambda: 0.1) == "ok"
    assert slept == [2.5]  # jitter 0.05 is shorter than the server asked for


async def test_gives_up_after_the_retries_and_says_so() -> None:
    async def sleep(s: float) -> None:
        pass

    op = Flaky(*(RemoteUnavailableError("HTTP 503") for _ in range(10)))
    with pytest.raises(RemoteUnavailableError, match=r"HTTP 503 \(gave up after 3 attempts\)"):
        await with_retries(op, RetryPolicy(retries=2), sleep)
    assert op.calls == 3


async def test_not_found_and_long_retry_after_are_not_retried() -> None:
    slept: list[float] = []

    async def sleep(s: float) -> None:
        slept.append(s)

    op = Flaky(RemoteNotFoundError("404"))
    with pytest.raises(RemoteNotFoundError):
        await with_retries(op, RetryPolicy(), sleep)
    op = Flaky(RemoteUnavailableError("429", retry_after=600))
    with pytest.raises(RemoteUnavailableError, match="asked to wait 600 s"):
        await with_retries(op, RetryPolicy(backoff_max=30), sleep)
    assert op.calls == 1 and slept == []


# ---- plan -----------------------------------------------------------------------------------------

NOW = datetime(2024, 6, 10, 12, 0, tzinfo=UTC)


def test_hybrid_plan_orders_stores_by_age() -> None:
    recent = NOW - timedelta(days=1)  # inside the CDN window: CDN first
    week_old = NOW - timedelta(days=8, minutes=4)  # past the cutoff but within the retention margin
    old = NOW - timedelta(days=11)  # beyond what the CDN keeps
    future = NOW + timedelta(minutes=9)
    plan = plan_fetch(SatellitePattern.GOES_18, Sector.CONUS, [old, future, recent, week_old], NOW, 7)
    assert plan.order == {
        old: (Source.S3,),
        week_old: (Source.S3, Source.CDN),
        recent: (Source.CDN, Source.S3),
    }
    assert list(plan.order) == sorted(plan.order)
    assert "future" in plan.unavailable[future]
    assert plan.slots_for(Source.CDN) == [week_old, recent]
    assert plan.slots_for(Source.S3) == [old, week_old, recent]


def test_meso_has_no_cdn_and_goes16_after_retirement_is_skipped() -> None:
    plan = plan_fetch(SatellitePattern.GOES_18, Sector.MESO1, [NOW - timedelta(hours=1)], NOW, 7)
    assert plan.order == {NOW - timedelta(hours=1): (Source.S3,)}

    late = datetime(2026, 1, 5, 0, 1, tzinfo=UTC)
    plan = plan_fetch(SatellitePattern.GOES_16, Sector.CONUS, [late], datetime(2026, 1, 6, tzinfo=UTC), 7)
    assert plan.order == {}
    assert "GOES-16 stopped producing ABI data on 2025-04-07" in plan.unavailable[late]
    assert "GOES-19" in plan.unavailable[late]


# ---- disk guard -----------------------------------------------------------------------------------


def test_estimate_prefers_listed_size() -> None:
    assert estimate_bytes(Source.S3, Sector.CONUS, None) == 10 * MB
    assert estimate_bytes(Source.S3, Sector.CONUS, 20 * MB) == 40 * MB  # 20 MB download + 20 MB PNG
    assert estimate_bytes(Source.CDN, Sector.CONUS, 400_000) == 400_000 + 6 * MB


def test_guard_counts_running_downloads(tmp_path: Path) -> None:
    free = [1024 * MB]
    guard = DiskGuard(tmp_path, threshold=1000 * MB, disk_free=lambda _p: free[0])
    assert guard.check_start() is None
    assert guard.reserve(10 * MB)
    assert guard.reserve(10 * MB)
    assert not guard.reserve(10 * MB)  # 1024 - 20 reserved - 10 < 1000
    assert isinstance(guard.tripped, DiskSpaceError)
    assert str(guard.tripped) == f"Stopped: only 1004 MB free on {tmp_path} (threshold 1000 MB)"
    guard.release(20 * MB)
    assert not guard.reserve(1)  # once tripped, the guard stays tripped


def test_guard_trips_before_start(tmp_path: Path) -> None:
    guard = DiskGuard(tmp_path, threshold=1024**3, disk_free=lambda _p: 812 * MB)
    error = guard.check_start()
    assert error is not None
    assert str(error) == f"Stopped: only 812 MB free on {tmp_path} (threshold 1.0 GB)"


# ---- atomic writes --------------------------------------------------------------------------------


def test_temp_commit_and_sweep(tmp_path: Path) -> None:
    final = tmp_path / "goes18_conus_C13_20240610T000100Z.png"
    tmp = temp_path(final, ".png")
    assert tmp.parent == tmp_path
    assert tmp.name.startswith(".goes18_conus_C13_20240610T000100Z.png.part-") and tmp.suffix == ".png"
    assert temp_path(final) != temp_path(final)
    tmp.write_bytes(b"frame")
    commit(tmp, final)
    assert final.read_bytes() == b"frame" and not tmp.exists()

    leftover = temp_path(final, ".nc")
    legacy = tmp_path / "frame_0001.png"  # a frame with a name of its own, being rewritten (fetch --conform)
    legacy_tmp = temp_path(legacy, ".png")
    other = tmp_path / ".someone-else.part-1"
    for path in (leftover, legacy_tmp, other):
        path.write_bytes(b"x")
    sweep_stale_temps(tmp_path, finals={final.name, "absent.png"})
    assert final.exists() and not leftover.exists() and legacy_tmp.exists() and other.exists()
    sweep_stale_temps(tmp_path, finals={legacy.name})
    assert not legacy_tmp.exists() and other.exists()

    with pytest.raises(ValueError):
        commit(tmp_path / "a", tmp_path / "sub" / "a")


def test_check_png_needs_signature_and_end(tmp_path: Path) -> None:
    from PIL import Image

    good = tmp_path / "good.png"
    Image.new("L", (4, 3)).save(good)
    check_png(good)
    cut = tmp_path / "cut.png"
    cut.write_bytes(good.read_bytes()[:-5])
    with pytest.raises(ValueError, match="not a complete PNG"):
        check_png(cut)
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"GIF89a" + b"\0" * 20)
    with pytest.raises(ValueError):
        check_png(fake)
    assert good.read_bytes()[:8] == PNG_MAGIC


# ---- names and threads ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["../../x.nc", "/etc/passwd", "a/b.jpg", "a\\b.jpg", "C:evil.jpg", "..", "", "x\x00.nc", "..x.jpg"]
)
def test_hostile_names_are_refused(name: str) -> None:
    with pytest.raises(UnsafeNameError):
        check_plain_name(name)


def test_real_names_pass() -> None:
    for name in (
        "20241621201_GOES18-ABI-CONUS-13-2500x1500.jpg",
        "OR_ABI-L1b-RadC-M6C13_G18_s20241621201173_e20241621203546_c20241621204030.nc",
    ):
        assert check_plain_name(name) == name


async def test_cancel_waits_for_the_thread_before_cleanup(tmp_path: Path) -> None:
    started = threading.Event()
    out = tmp_path / "written"

    def slow_write() -> None:
        started.set()
        time.sleep(0.3)
        out.write_bytes(b"late")

    task = asyncio.create_task(run_blocking(slow_write))
    await asyncio.to_thread(started.wait, 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # the cancel came through only after the thread wrote: a finally block can now remove the file
    assert out.read_bytes() == b"late"


def test_malloc_arena_cap_takes_effect_on_glibc() -> None:
    code = "from goesvfi.integrity_check.runtime import tune_malloc as f; print(f())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert out.strip() == str(glibc)


FRAME_BUFFERS = """
import os, resource, sys, threading
from goesvfi.integrity_check.runtime import release_free_memory, tune_malloc
if sys.argv[1] == "tuned":
    assert tune_malloc()
MB = 1024 * 1024
faults = []

def rss_mb():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB

def frames():  # a conversion thread: three frame-sized buffers (2500 x 1500 RGB), touched, freed, per frame
    for _ in range(6):
        before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
        buffers = []
        for _ in range(3):
            buffer = bytearray(12 * MB)
            buffer[::4096] = bytes(len(range(0, len(buffer), 4096)))
            buffers.append(buffer)
        del buffers, buffer
        faults.append(resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before)

thread = threading.Thread(target=frames)
thread.start()
thread.join()
print(faults[1:])
frames()  # the main thread's arena, which malloc_trim shrinks (a thread arena's top stays: glibc's rule)
kept = rss_mb()
release_free_memory()
print(kept - rss_mb())
"""


@pytest.mark.skipif(
    not (sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"), reason="glibc's malloc only"
)
def test_tuned_malloc_keeps_frame_buffers_mapped_until_released() -> None:
    def run(mode: str) -> tuple[list[int], float]:
        out = subprocess.run(
            [sys.executable, "-c", FRAME_BUFFERS, mode], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        return [int(x) for x in out[0].strip("[]").split(",")], float(out[1])

    tuned_faults, released_mb = run("tuned")
    plain_faults, _ = run("plain")
    pages = 3 * 12 * 1024 * 1024 // 4096  # 9,216 pages a frame
    assert max(tuned_faults) < pages // 20  # the buffers of the frame before serve the next one
    assert min(plain_faults) > pages // 2  # glibc's own thresholds give them back and fault them in again
    assert released_mb > 20  # what malloc kept goes back to the kernel when asked (a fetch's end)
