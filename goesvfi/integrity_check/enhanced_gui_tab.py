"""GOES-VFI's import path of its enhanced tab: ``EnhancedIntegrityCheckTab`` is :class:`IntegrityCheckTab`."""

from __future__ import annotations

from goesvfi.integrity_check.gui.tab import IntegrityCheckTab

EnhancedIntegrityCheckTab = IntegrityCheckTab

__all__ = ["EnhancedIntegrityCheckTab", "IntegrityCheckTab"]
