"""Sweep stale temp files of our own naming from a folder a run writes into (issue 14 item 8).

A run killed with ``kill -9`` (or a power cut) leaves its temp files behind, all named by
:func:`goesvfi.integrity_check.folder.atomic.temp_path`: downloads ``.<canonical name>.part-<hex>.jpg|.nc`` and
PNG encodes ``.<canonical name>.part-<hex>.png`` (earlier versions wrote ``..<name>.part-<hex>.png.<random>.part``:
swept too).
Every fetch run removes those, whatever slots it fetches. Only names of that shape whose final name is one of
our canonical frame names are touched (and only regular files, never through a symlink), so nothing of the
user's is ever removed. Temp files of frames being written right now by this process (``keep``) are left alone;
without the folder's fetch lock, only files older than ``min_age`` seconds count as stale.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Container
from pathlib import Path

from goesvfi.integrity_check.time_index import parse_canonical

log = logging.getLogger(__name__)

_TEMP_RE = re.compile(r"^\.+(?P<final>[^/\\]+?\.png)\.part-[0-9a-f]+(?:\..*)?$")
UNLOCKED_MIN_AGE = 3600.0
"""Without the fetch lock a temp file may belong to a fetch in another process: only an hour-old one is stale
(a download has at most the request deadline, a PNG encode seconds)."""


def own_temp_final(name: str, finals: Container[str] | None = None) -> str | None:
    """The frame name a temp file of ours is for, or None when ``name`` is not one of ours: its final name is one
    of ``finals`` when given (frames being rewritten, whatever their names), else a canonical frame name."""
    match = _TEMP_RE.match(name)
    if match is None:
        return None
    final = match["final"]
    if finals is not None:
        return final if final in finals else None
    return final if parse_canonical(final) is not None else None


def sweep_stale_temps(
    directory: Path,
    *,
    keep: Container[str] = (),
    min_age: float = 0.0,
    now: float | None = None,
    finals: Container[str] | None = None,
) -> list[str]:
    """Remove our stale temp files in ``directory`` (not recursive); return the names removed (blocking).

    ``finals``: only temp files of these frames (``fetch --conform`` sweeps the frames it rewrites)."""
    removed: list[str] = []
    now = time.time() if now is None else now
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        final = own_temp_final(entry.name, finals)
        if final is None or final in keep:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if min_age > 0 and now - entry.stat(follow_symlinks=False).st_mtime < min_age:
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(entry.name)
    if removed:
        log.info("Removed %d stale temp file(s) in %s", len(removed), directory)
    return removed
