"""Process-wide facts and settings: the program's name, whether a display exists, glibc's malloc arenas, a
thread's CPU priority.

Keep a fetching process's memory flat: cap glibc's malloc arenas.

glibc gives each thread that allocates concurrently its own arena, and an arena keeps its peak after the
memory is freed. A fetch decodes 10-30 MB frames (NetCDF, JPEG) and encodes PNGs in worker threads, so with
the default cap (8 x cores) every worker thread ends up holding a frame's worth of freed memory: measured
with 8 threads, 550 MB resident instead of 190 MB. Two arenas are plenty for threads that mostly wait on
the network or hold the GIL. This is what ``MALLOC_ARENA_MAX=2`` does, set from inside the process before
the worker threads start. A no-op where the C library is not glibc.
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

_M_ARENA_MAX = -8  # glibc's mallopt() parameter number


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Cap glibc's malloc arenas for this process; True if it took effect. Call before threads start."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and other C libraries have no mallopt
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, arenas))


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
