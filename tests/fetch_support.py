"""Helpers shared by the fetch tests (manager against the emulator, folder checks)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image

from goesvfi.integrity_check.cache.db import CacheDB
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.fetch.manager import ReconcileManager

SMALL_CDN = (416, 250)  # the smallest CONUS size keeps JPG work in tests small


class RecordingSleep:
    """An injected ``sleep`` that records the backoff delays and only yields to the loop."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


@asynccontextmanager
async def manager_for(
    emulator: NoaaEmulator,
    folder: Path,
    now: datetime,
    cache_path: Path,
    *,
    sleep: RecordingSleep | None = None,
    **settings: Any,
) -> AsyncIterator[ReconcileManager]:
    """A manager pointed at ``emulator`` with its clock at ``now``, backoff sleeps recorded, a cache at
    ``cache_path``; the manager and the cache are closed on exit."""
    settings.setdefault("cdn_size", SMALL_CDN)
    # These fetch tests tell the source of a frame by its size (CDN 416x250, S3 native 100x60): they run with
    # each source's own look. The folder's look (one size, mode and table for all) is tested in test_fetch_look.
    settings.setdefault("allow_mixed", True)
    settings.setdefault("disk_threshold", 0)
    cache = CacheDB(cache_path)
    manager = ReconcileManager(
        cache_db=cache,
        base_dir=folder,
        settings=emulator.settings(**settings),
        now=lambda: now,
        sleep=sleep or RecordingSleep(),
    )
    try:
        yield manager
    finally:
        await manager.close()
        await cache.close()


def canonical(emulator: NoaaEmulator, slot: datetime) -> str:
    """The canonical name, written out by hand from the README's pattern (not built by the code under test)."""
    sat = emulator.satellite.value
    return f"{sat}_{emulator.sector.value}_C{emulator.band:02d}_{slot:%Y%m%dT%H%M%S}Z.png"


def frame_names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")}


def leftovers(root: Path) -> list[str]:
    """Every temp or hidden file under ``root`` (lock files excepted): there must be none after a fetch."""
    out = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            hidden = name.startswith(".") and not name.startswith(".goesvfi-integrity")
            if hidden or ".part" in name:
                out.append(os.path.join(dirpath, name))
    return out


def png_size(path: Path) -> tuple[int, int]:
    """Decode the whole PNG (a truncated file fails) and return (width, height)."""
    with Image.open(path) as img:
        assert img.format == "PNG"
        img.load()
        return img.size


def files_matching(root: Path, pattern: str, *, recursive: bool = True) -> list[Path]:
    """Files named like ``pattern`` under ``root`` (anywhere below it, or directly in it)."""
    return list(root.rglob(pattern) if recursive else root.glob(pattern))
