"""The seed's import path for :class:`Reconciler` (the scan lives in :mod:`goesvfi.integrity_check.scan`)."""

from goesvfi.integrity_check.scan.reconciler import Reconciler, ScanInputError, scan_directory

__all__ = ["Reconciler", "ScanInputError", "scan_directory"]
