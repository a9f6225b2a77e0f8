"""Shared parts of the issue-24 tests (metrics, alerts, status): the watch scenario of tests/watch_support.py with
a hand-driven clock, a manager on the emulator, and a local alert receiver on 127.0.0.1.

The emulator: GOES-18 CONUS 2023-05-01 00:00-03:00, seed 26, 10 % absent per side (01:01 absent everywhere).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from goesvfi.integrity_check.cache.db import CacheDB
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.fetch.manager import ReconcileManager
from goesvfi.integrity_check.time_index import Sector
from goesvfi.integrity_check.watch import WatchConfig
from tests.watch_support import ABSENT_EVERYWHERE, DAY, G18


class Clock:
    def __init__(self, start: datetime) -> None:
        self.t = start

    def __call__(self) -> datetime:
        return self.t


def make_emulator(factory: Callable[..., NoaaEmulator]) -> NoaaEmulator:
    emu = factory(
        satellite=G18, start=DAY, end=DAY + timedelta(hours=3), missing_fraction=0.1, seed=26, cdn_sizes=[(416, 250)]
    )
    assert emu.missing_everywhere == [ABSENT_EVERYWHERE]
    return emu


@pytest.fixture
async def manager_for(tmp_path: Path) -> AsyncIterator[Callable[[NoaaEmulator, Clock], ReconcileManager]]:
    made: list[ReconcileManager] = []

    def make(emu: NoaaEmulator, clock: Clock) -> ReconcileManager:
        cache = CacheDB(tmp_path / f"cache{len(made)}.sqlite")
        settings = emu.settings(cdn_size=(416, 250), retries=1, backoff_base=0.01, backoff_max=0.05)
        manager = ReconcileManager(cache_db=cache, settings=settings, now=clock)
        made.append(manager)
        return manager

    yield make
    for manager in made:
        await manager.close()
        await manager.cache_db.close()


def one_hour_watch(folder: Path, **kw: Any) -> WatchConfig:
    options: dict[str, Any] = {"window": timedelta(hours=1), "every": timedelta(minutes=10)}
    options.update(kw)
    return WatchConfig(folder, G18, Sector.CONUS, 13, latency=timedelta(minutes=20), **options)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A local alert receiver: ``/hook`` (200), ``/ntfy/<topic>`` (200), ``/down`` (500 every time)."""

    url: str = ""
    got: list[Received] = field(default_factory=list)

    def at(self, path: str) -> list[Received]:
        return [r for r in self.got if r.path == path]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()

    async def handle(request: web.Request) -> web.Response:
        rec.got.append(Received(request.path, dict(request.headers), await request.read()))
        if request.path == "/down":
            return web.Response(status=500, text="receiver broken\x1b[31m on purpose")
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    rec.url = f"http://127.0.0.1:{port}"
    try:
        yield rec
    finally:
        await asyncio.wait_for(runner.cleanup(), 10)
