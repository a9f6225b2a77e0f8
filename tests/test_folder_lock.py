"""The folder lock: exclusive across objects and processes, waits, names its holder, never blocks the loop."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import pytest

from goesvfi.integrity_check.folder.lock import (
    FETCH_LOCK,
    WATCH_LOCK,
    FolderLock,
    FolderLockedError,
    FolderLockError,
    folder_lock,
    folder_lock_async,
    read_holder,
)
from goesvfi.integrity_check.time_index import parse_name
from tests.lock_support import start_holder, stop_holder


def test_second_lock_in_same_process_is_refused_and_names_this_pid(tmp_path: Path) -> None:
    with FolderLock(tmp_path, purpose="watch"):
        with pytest.raises(FolderLockedError) as info:
            FolderLock(tmp_path).acquire()
        assert info.value.holder.pid == os.getpid()
        assert info.value.holder.purpose == "watch"
        assert f"PID {os.getpid()}" in str(info.value)
        assert str(tmp_path) in str(info.value)
    # released: a new lock works, and the released file no longer names a holder
    assert read_holder(tmp_path / FETCH_LOCK).pid is None
    with folder_lock(tmp_path) as lock:
        assert lock.held
    assert not lock.held


@pytest.mark.slow
def test_other_process_holding_the_lock_is_named(tmp_path: Path) -> None:
    proc = start_holder(tmp_path)
    try:
        started = time.monotonic()
        with pytest.raises(FolderLockedError) as info:
            FolderLock(tmp_path, wait=0.5, poll=0.05).acquire()
        assert time.monotonic() - started >= 0.5
        assert info.value.holder.pid == proc.pid
        assert f"PID {proc.pid}" in str(info.value)
        assert "waiting 0.5 s" in str(info.value)
    finally:
        stop_holder(proc)
    # the holder exited: its lock went with it
    with folder_lock(tmp_path):
        pass


def test_crashed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    proc = start_holder(tmp_path)
    proc.kill()
    proc.wait(timeout=10)
    with FolderLock(tmp_path, wait=0):
        assert (tmp_path / FETCH_LOCK).exists()


def test_waiter_gets_the_lock_when_the_holder_releases(tmp_path: Path) -> None:
    holder = FolderLock(tmp_path)
    holder.acquire()
    timer = threading.Timer(0.3, holder.release)
    timer.start()
    try:
        started = time.monotonic()
        with FolderLock(tmp_path, wait=5, poll=0.02):
            waited = time.monotonic() - started
        assert 0.25 <= waited < 4
    finally:
        timer.join()


def test_fetch_and_watch_locks_are_independent(tmp_path: Path) -> None:
    with FolderLock(tmp_path, name=WATCH_LOCK, purpose="watch"), FolderLock(tmp_path, name=FETCH_LOCK):
        assert (tmp_path / WATCH_LOCK).exists() and (tmp_path / FETCH_LOCK).exists()


def test_lock_file_names_are_not_frames(tmp_path: Path) -> None:
    assert parse_name(FETCH_LOCK) is None
    assert parse_name(WATCH_LOCK) is None


def test_unusable_folder_gives_a_clear_error(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    with pytest.raises(FolderLockError, match="cannot create the lock file"):
        FolderLock(not_a_folder).acquire()


async def test_async_acquire_waits_without_blocking_the_loop(tmp_path: Path) -> None:
    holder = FolderLock(tmp_path, purpose="fetch")
    holder.acquire()
    ticks = 0
    waits: list[int | None] = []

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def release_later() -> None:
        await asyncio.sleep(0.3)
        holder.release()

    tick_task = asyncio.create_task(ticker())
    release_task = asyncio.create_task(release_later())
    lock = FolderLock(tmp_path, wait=5, poll=0.05)
    await lock.acquire_async(on_wait=lambda h: waits.append(h.pid))
    assert lock.held
    lock.release()
    tick_task.cancel()
    await release_task
    assert ticks >= 10  # the loop kept running while we waited
    assert waits == [os.getpid()]  # told once, with the holder's PID


async def test_async_context_manager_and_timeout(tmp_path: Path) -> None:
    async with folder_lock_async(tmp_path, purpose="watch") as lock:
        assert lock.held
        with pytest.raises(FolderLockedError, match="'watch' run"):
            async with folder_lock_async(tmp_path, wait=0.1):
                pass
    assert not lock.held


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        FolderLock(".", wait=-1)
    with pytest.raises(ValueError):
        FolderLock(".", purpose="two words")
