"""The seed's import path for :class:`IntegrityCheckTab` (it lives in :mod:`goesvfi.integrity_check.gui`)."""

from goesvfi.integrity_check.gui.tab import EnhancedIntegrityCheckTab, IntegrityCheckTab

__all__ = ["EnhancedIntegrityCheckTab", "IntegrityCheckTab"]
