"""Helpers shared by the scan tests: frame folders whose mtimes the scan cache trusts at once."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

# The ``make_frames`` fixture (tests/conftest.py): make(names, folder=None, *, settle=True) -> folder
MakeFrames = Callable[..., Path]


def settle_tree(root: Path, age: float = 60.0) -> None:
    """Set the mtime of ``root`` and every folder below it ``age`` seconds back.

    The scan re-reads a folder changed less than a few seconds before it was read (mtime granularity), so a
    test that wants the cached index used right away makes its folders look older.
    """
    when = time.time() - age
    for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        os.utime(folder, (when, when))
