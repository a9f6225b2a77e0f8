"""The core objects the view model drives: one scan cache and one ReconcileManager per set of fetch settings.

The manager is kept between commands (its stores' HTTP sessions and S3 client are costly to build) and
replaced when the settings change. Nothing here opens a file or a connection until a command needs it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from goesvfi.integrity_check.gui.workers import WORKER_NICE
from goesvfi.integrity_check.settings import FetchSettings

if TYPE_CHECKING:
    from goesvfi.integrity_check.cache.db import CacheDB
    from goesvfi.integrity_check.fetch.manager import ReconcileManager

ManagerFactory = Callable[[FetchSettings, "CacheDB"], "ReconcileManager"]


class CoreSession:
    def __init__(
        self,
        cache_path: Path | None,
        factory: ManagerFactory | None,
        now: Callable[[], datetime],
        disk_free: Callable[[Path], int],
    ) -> None:
        self._cache_path = cache_path
        self._factory = factory
        self._now = now
        self._disk_free = disk_free
        self._cache: CacheDB | None = None
        self._managed: tuple[FetchSettings, ReconcileManager] | None = None

    async def manager(self, settings: FetchSettings) -> ReconcileManager:
        if self._managed is not None and self._managed[0] == settings:
            return self._managed[1]
        await self._close_manager()
        if self._cache is None:
            from goesvfi.integrity_check.cache.db import CacheDB

            self._cache = CacheDB(self._cache_path)
        if self._factory is not None:
            manager = self._factory(settings, self._cache)
        else:
            from goesvfi.integrity_check.fetch.manager import ReconcileManager

            manager = ReconcileManager(
                self._cache,
                settings=settings,
                now=self._now,
                disk_free=self._disk_free,
                render_nice=WORKER_NICE,
            )
        self._managed = (settings, manager)
        return manager

    async def _close_manager(self) -> None:
        if self._managed is not None:
            manager, self._managed = self._managed[1], None
            await manager.close()

    async def close(self) -> None:
        """Close the manager's stores, then the cache."""
        await self._close_manager()
        if self._cache is not None:
            cache, self._cache = self._cache, None
            await cache.close()
