"""The window's worker threads: the event loop's default executor, at a lower CPU priority than the GUI thread.

The core runs its blocking work with ``asyncio.to_thread`` (folder walks, digests, JPEG decode and PNG encode,
NetCDF rendering, file writes). During a fetch that work keeps both cores of a small machine busy, and the GUI
thread, woken every few milliseconds by a timer, a repaint or a progress update, queues for a core behind it.
Worker threads that lower their own priority (``nice`` +10) let the scheduler give the GUI thread a core first.
Measured with ``scripts/bench_ui.py`` (fetch of 200 frames, two runs each, load average 5-7 from other jobs):
p99 stall 15-21 ms against 27-30 ms with workers at the GUI's priority; the longest stall stayed 80-120 ms
either way (other processes' turns on the cores), and the fetch took as long (21-28 s, the runs' spread).

Linux schedules threads separately, so ``setpriority`` on a thread's id affects that thread only; elsewhere
(macOS, Windows) the pool is a plain one. Unprivileged: a thread may always lower its own priority. The fetch's
conversion threads run at the same lower priority in the window (``ReconcileManager(render_nice=...)``): Qt's
raster engine fills large areas on its own pool of threads and the GUI thread waits for them, so a conversion at
the GUI's priority delays even a repaint (``scripts/bench_ui.py --trace-stalls``).
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor

from goesvfi.integrity_check.runtime import lower_thread_priority

WORKER_NICE = 10
WORKERS = 10  # what qasync's default executor allows


def background_executor(workers: int = WORKERS) -> ThreadPoolExecutor:
    """A thread pool whose threads run below the GUI thread's priority."""
    return ThreadPoolExecutor(
        workers, thread_name_prefix="goesvfi-worker", initializer=functools.partial(lower_thread_priority, WORKER_NICE)
    )


def install_worker_pool(loop: asyncio.AbstractEventLoop | None = None) -> ThreadPoolExecutor:
    """Make :func:`background_executor` the default executor of ``loop`` (default: the running loop), which
    ``asyncio.to_thread`` uses. Call it once, where the loop is started (the window, a host's window)."""
    executor = background_executor()
    (loop or asyncio.get_running_loop()).set_default_executor(executor)
    return executor
