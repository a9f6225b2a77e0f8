"""Integrity Check: find which GOES ABI scan times a folder lacks, fetch them, report.

Names load lazily so that importing the package (or the core) never imports Qt.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "Reconciler": "scan.reconciler",
    "ReconcileManager": "fetch.manager",
    "CacheDB": "cache.db",
    "SatellitePattern": "time_index",
    "Sector": "time_index",
    "EnhancedViewModel": "gui.view_model",
    "IntegrityCheckTab": "gui.tab",
    "EnhancedIntegrityCheckTab": "gui.tab",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
