"""The seed's import path for :class:`CacheDB` (the cache lives in :mod:`goesvfi.integrity_check.cache`)."""

from goesvfi.integrity_check.cache.db import CACHE_FILE, CacheDB, CacheError

__all__ = ["CACHE_FILE", "CacheDB", "CacheError"]
