"""The window's worker threads run below the GUI thread's CPU priority (Linux), and ``to_thread`` uses them."""

from __future__ import annotations

import asyncio
import os
import sys
import threading

import pytest

from goesvfi.integrity_check.gui.workers import WORKER_NICE, background_executor, install_worker_pool


def own_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority is Linux's")
def test_worker_threads_are_nicer_than_the_caller() -> None:
    caller = own_nice()
    with background_executor(2) as pool:
        worker = pool.submit(own_nice).result()
    assert worker == min(19, caller + WORKER_NICE)
    assert own_nice() == caller  # the calling thread keeps its priority


def test_to_thread_runs_in_the_installed_pool() -> None:
    async def main() -> str:
        install_worker_pool()
        return await asyncio.to_thread(lambda: threading.current_thread().name)

    assert asyncio.run(main()).startswith("goesvfi-worker")
