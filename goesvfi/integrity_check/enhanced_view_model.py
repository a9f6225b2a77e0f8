"""The seed's import path for :class:`EnhancedViewModel` (it lives in :mod:`goesvfi.integrity_check.gui`)."""

from goesvfi.integrity_check.gui.view_model import EnhancedViewModel

__all__ = ["EnhancedViewModel"]
