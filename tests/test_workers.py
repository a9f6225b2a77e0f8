"""Background threads run below the GUI thread's CPU priority (Linux): the window's worker pool, which
``to_thread`` uses, and a window's fetch conversion threads."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from pathlib import Path

import pytest

from goesvfi.integrity_check.fetch.manager import ReconcileManager
from goesvfi.integrity_check.gui.workers import WORKER_NICE, background_executor, install_worker_pool
from goesvfi.integrity_check.runtime import lower_thread_priority
from goesvfi.integrity_check.settings import FetchSettings

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority is Linux's")


def own_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@linux_only
def test_worker_threads_are_nicer_than_the_caller() -> None:
    caller = own_nice()
    with background_executor(2) as pool:
        worker = pool.submit(own_nice).result()
    assert worker == min(19, caller + WORKER_NICE)
    assert own_nice() == caller  # the calling thread keeps its priority


@linux_only
def test_lower_thread_priority_changes_the_calling_thread_only() -> None:
    caller = own_nice()
    seen: list[int] = []

    def body() -> None:
        lower_thread_priority(3)
        seen.append(own_nice())
        lower_thread_priority(0)  # no change
        seen.append(own_nice())

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    assert seen == [min(19, caller + 3)] * 2
    assert own_nice() == caller


@linux_only
async def test_a_windows_conversion_threads_run_below_the_gui_thread(tmp_path: Path) -> None:
    caller = own_nice()
    settings = FetchSettings(concurrency=2)
    async with (
        ReconcileManager(base_dir=tmp_path, settings=settings, use_cache=False, render_nice=WORKER_NICE) as window,
        ReconcileManager(base_dir=tmp_path, settings=settings, use_cache=False) as command,
    ):
        loop = asyncio.get_running_loop()
        niced = await loop.run_in_executor(window._render_executor(), own_nice)
        plain = await loop.run_in_executor(command._render_executor(), own_nice)
    assert niced == min(19, caller + WORKER_NICE)
    assert plain == caller  # the command line converts at its own priority


def test_to_thread_runs_in_the_installed_pool() -> None:
    async def main() -> str:
        install_worker_pool()
        return await asyncio.to_thread(lambda: threading.current_thread().name)

    assert asyncio.run(main()).startswith("goesvfi-worker")
