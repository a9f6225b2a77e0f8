"""Process-wide facts and settings: the program's name, whether a display exists, glibc's malloc, a thread's CPU
priority.

Keep a fetching process's memory flat and its frames' buffers warm: :func:`tune_malloc`.

glibc gives each thread that allocates concurrently its own arena, and an arena keeps its peak after the
memory is freed. A fetch decodes 10-30 MB frames (NetCDF, JPEG) and encodes PNGs in worker threads, so with
the default cap (8 x cores) every worker thread ends up holding a frame's worth of freed memory: measured
with 8 threads, 550 MB resident instead of 190 MB. Two arenas are plenty for threads that mostly wait on
the network or hold the GIL (what ``MALLOC_ARENA_MAX=2`` does).

The opposite waste: a frame's buffers (11-20 MB each) freed at the top of a thread's heap were given back to
the kernel at once (glibc's trim threshold adapts only up to 64 MB) and the next frame faulted the same pages
in again, zeroed: 300-1,600 page faults and 2-4 ms of kernel time per frame, 5-10 % of a fetch's CPU
(``scripts/bench_fetch.py``). A fixed mmap threshold of 32 MB (glibc's largest: a frame's buffers come from the
arenas) and a trim threshold of 128 MB keep them mapped between frames (measured: 0-40 faults a frame; peak RSS
283-291 MB in the benchmark, as before, up to 70 MB more in back-to-back S3 fetches); :func:`release_free_memory`
gives most of it back when a fetch ends. All set from inside the process before the worker threads start;
no-ops where the C library is not glibc.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TypeVar

PROG = "goesvfi-integrity"
T = TypeVar("T")
log = logging.getLogger(__name__)

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8  # glibc's mallopt() parameter numbers
MALLOC_ARENAS = 2
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's largest
TRIM_THRESHOLD = 128 * 1024 * 1024  # 64 MB still let 300-400 pages a frame go (measured)


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.mallopt.restype = ctypes.c_int
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
    except (OSError, AttributeError):  # musl and other C libraries have no mallopt
        return None
    return libc


def tune_malloc(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas at ``arenas`` and keep freed frame buffers mapped (see the module); True if it
    took effect. Call before threads start."""
    libc = _glibc()
    if libc is None:
        return False
    settings = ((_M_ARENA_MAX, arenas), (_M_MMAP_THRESHOLD, MMAP_THRESHOLD), (_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return all([bool(libc.mallopt(param, value)) for param, value in settings])


def release_free_memory() -> None:
    """Give the kernel the free memory malloc keeps (``malloc_trim``): the main arena's top and the free chunks of
    every arena; called when a fetch ends. The top of the one other arena (:data:`MALLOC_ARENAS`), at most
    :data:`TRIM_THRESHOLD`, stays with the process until it is used again (glibc trims it only on a free there).
    A no-op where the C library is not glibc."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def lower_thread_priority(nice: int) -> None:
    """Lower the calling thread's CPU priority by ``nice`` (Linux, where threads are scheduled apart and a thread
    may always lower its own priority; a no-op elsewhere or when a sandbox refuses it)."""
    if nice <= 0 or not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except OSError as exc:
        log.debug("thread priority not lowered: %s", exc)


def has_display() -> bool:
    """Whether this is a desktop session (macOS, Windows, or DISPLAY / WAYLAND_DISPLAY set)."""
    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


async def run_blocking(func: Callable[..., T], *args: object, executor: Executor | None = None) -> T:
    """Run ``func`` in a thread (``executor``, default: the loop's); when cancelled, wait for it to end first.

    So a ``finally`` that removes temp files runs only after the thread stopped writing them.
    """
    loop = asyncio.get_running_loop()
    fut = loop.run_in_executor(executor, functools.partial(func, *args))
    try:
        return await asyncio.shield(fut)
    except asyncio.CancelledError:
        while not fut.done():
            try:
                await asyncio.wait({fut})
            except asyncio.CancelledError:
                continue
        if not fut.cancelled() and fut.exception() is not None:
            log.debug("work ended by an error after a cancel: %s", fut.exception())
        raise
