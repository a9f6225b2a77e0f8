"""Watch every product of an archive file in one process (``watch --archive FILE``). Qt-free.

Each product is a :class:`~.watch.WatchLoop` over its own folder, holding that folder's watch lock (a folder another
watcher keeps is reported and left out; the others run). Cycles take fair turns: whenever several products are due,
each runs one cycle, in the order they became due, before any runs again. A cycle never raises for a failure (the
loop records it and backs off that product only), so one product's failure does not stop the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from goesvfi.integrity_check.folder.lock import WATCH_LOCK, FolderLock, FolderLockedError
from goesvfi.integrity_check.watch import Clock, CycleResult, Sleep, WatchLoop, until_stopped

T = TypeVar("T")
ProductCycle = Callable[[str, CycleResult, datetime | None], None]
LockedCallback = Callable[[str, FolderLockedError], None]


@dataclass(slots=True)
class WatchedProduct:
    name: str
    loop: WatchLoop
    next_run: datetime | None = None  # None: due now
    cycles: int = 0
    lock: FolderLock | None = field(default=None, repr=False)


class ArchiveWatch:
    """Run ``products`` (name, loop) until ``stop`` is set (or one round with ``once``)."""

    def __init__(
        self, products: list[tuple[str, WatchLoop]], *, now: Clock | None = None, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.products = [WatchedProduct(name, loop) for name, loop in products]
        self._now: Clock = now or (lambda: datetime.now(UTC))
        self._sleep = sleep

    def due(self, now: datetime) -> list[WatchedProduct]:
        """The products whose next run has come, the longest-waiting first (never-run ones in file order)."""
        ready = [p for p in self.products if p.lock is not None and (p.next_run is None or p.next_run <= now)]
        order = {id(p): i for i, p in enumerate(self.products)}
        return sorted(ready, key=lambda p: (p.next_run is not None, p.next_run or now, order[id(p)]))

    async def _lock_all(self, on_locked: LockedCallback | None) -> None:
        for product in self.products:
            cfg = product.loop.config
            lock = FolderLock(cfg.directory, name=WATCH_LOCK, purpose="watch", wait=cfg.lock_wait)
            try:
                await lock.acquire_async()
            except FolderLockedError as exc:
                if on_locked is not None:
                    on_locked(product.name, exc)
                continue
            product.lock = lock

    def _release_all(self) -> None:
        for product in self.products:
            if product.lock is not None:
                product.lock.release()
                product.lock = None

    async def run(
        self,
        stop: asyncio.Event,
        on_cycle: ProductCycle | None = None,
        *,
        once: bool = False,
        on_locked: LockedCallback | None = None,
    ) -> int:
        """Cycles until ``stop`` (``once``: one cycle per product); the number of cycles run. Products whose
        folder another watcher keeps are reported to ``on_locked`` and skipped."""
        cycles = 0
        await self._lock_all(on_locked)
        try:
            while not stop.is_set() and any(p.lock is not None for p in self.products):
                for product in self.due(self._now()):
                    if stop.is_set():
                        break
                    result = await until_stopped(product.loop.run_cycle(), stop)
                    if result is None:
                        break
                    cycles += 1
                    product.cycles += 1
                    product.next_run = None if once else product.loop.schedule_after(result)
                    if on_cycle is not None:
                        on_cycle(product.name, result, product.next_run)
                if once:
                    break
                waits = [p.next_run for p in self.products if p.lock is not None and p.next_run is not None]
                delay = (min(waits) - self._now()).total_seconds() if waits else 0.0
                if delay > 0 and not stop.is_set():
                    await until_stopped(self._sleep(delay), stop)
        finally:
            self._release_all()
        return cycles
