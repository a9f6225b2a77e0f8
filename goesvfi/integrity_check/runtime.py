"""Process-wide facts and settings: the program's name, whether a display exists, glibc's malloc arenas.

Keep a fetching process's memory flat: cap glibc's malloc arenas.

glibc gives each thread that allocates concurrently its own arena, and an arena keeps its peak after the
memory is freed. A fetch decodes 10-30 MB frames (NetCDF, JPEG) and encodes PNGs in worker threads, so with
the default cap (8 x cores) every worker thread ends up holding a frame's worth of freed memory: measured
with 8 threads, 550 MB resident instead of 190 MB. Two arenas are plenty for threads that mostly wait on
the network or hold the GIL. This is what ``MALLOC_ARENA_MAX=2`` does, set from inside the process before
the worker threads start. A no-op where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

PROG = "goesvfi-integrity"

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


def has_display() -> bool:
    """Whether this is a desktop session (macOS, Windows, or DISPLAY / WAYLAND_DISPLAY set)."""
    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
