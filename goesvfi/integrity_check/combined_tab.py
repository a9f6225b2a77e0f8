"""GOES-VFI's old name for its Integrity Check tab: ``CombinedIntegrityAndImageryTab`` is :class:`IntegrityCheckTab`.

GOES-VFI's ``ui_setup_manager.py`` (before ``scripts/install_into_goes_vfi.py`` patches it) and its tests import
this name. Old GOES-VFI combined the integrity table with an imagery browser; here the tab is one class.
"""

from __future__ import annotations

from goesvfi.integrity_check.gui.tab import IntegrityCheckTab

CombinedIntegrityAndImageryTab = IntegrityCheckTab

__all__ = ["CombinedIntegrityAndImageryTab", "IntegrityCheckTab"]
