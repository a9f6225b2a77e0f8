"""The seed's import path for :class:`EnhancedViewModel` (it lives in :mod:`goesvfi.integrity_check.gui`)."""

from goesvfi.integrity_check.gui.view_model import EnhancedViewModel

__all__ = ["EnhancedIntegrityCheckViewModel", "EnhancedViewModel"]

EnhancedIntegrityCheckViewModel = EnhancedViewModel
"""GOES-VFI's name for the view model (its ``ui_setup_manager.py`` and tests import it): the same class."""
