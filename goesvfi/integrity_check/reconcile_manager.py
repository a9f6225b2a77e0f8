"""The seed's import path for :class:`ReconcileManager` (the fetch lives in :mod:`goesvfi.integrity_check.fetch`)."""

from goesvfi.integrity_check.fetch.manager import ReconcileManager, ReconcileReport

__all__ = ["ReconcileManager", "ReconcileReport"]
