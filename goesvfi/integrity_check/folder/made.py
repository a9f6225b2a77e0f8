"""Folders a fetch makes for itself (the per-user default folder), and taking them back when nothing arrived.

A first fetch into ``~/GOES/<satellite>/<sector>`` creates it. When that fetch writes no frame (offline, a store
that is down, cancelled at once), the folder would stay behind holding only the fetch lock file: an empty
archive that looks like one. :func:`make_folder` returns what it created; :func:`unmake_if_empty` removes those
folders again, deepest first, when they hold nothing but the lock file.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from goesvfi.integrity_check.folder.lock import FETCH_LOCK


def make_folder(directory: Path) -> list[Path]:
    """Create ``directory`` and its missing parents; the folders created, deepest first. Blocking."""
    created = []
    probe = directory
    while not probe.exists() and probe.parent != probe:
        created.append(probe)
        probe = probe.parent
    directory.mkdir(parents=True, exist_ok=True)
    return created


def unmake_if_empty(created: list[Path]) -> bool:
    """Remove the folders :func:`make_folder` created when they hold nothing but the fetch lock file (left by
    a fetch that wrote nothing); True when they are gone. Anything else in them keeps them. Blocking."""
    if not created:
        return False
    folder = created[0]
    try:
        names = {entry.name for entry in folder.iterdir()}
    except OSError:
        return False
    if not names <= {FETCH_LOCK}:
        return False
    with contextlib.suppress(FileNotFoundError):
        (folder / FETCH_LOCK).unlink()
    for made in created:
        try:
            made.rmdir()
        except OSError:  # something else appeared in it meanwhile: leave it
            return False
    return True
