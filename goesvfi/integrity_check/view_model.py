"""GOES-VFI's import path of its basic view model: ``IntegrityCheckViewModel`` is :class:`EnhancedViewModel`.

There is one view model (no basic and enhanced stacks). GOES-VFI's old ``MissingTimestamp`` and ``ScanStatus``
have no counterpart here: results are :class:`~.results.SlotResult` with a :class:`~.results.SlotStatus`.
"""

from __future__ import annotations

from goesvfi.integrity_check.gui.view_model import EnhancedViewModel

IntegrityCheckViewModel = EnhancedViewModel

__all__ = ["EnhancedViewModel", "IntegrityCheckViewModel"]
