"""The folder's look from a sample of its frames' headers (for a range without frames, and the look samples of
the tests): the look most of them share.

Blocking (a listing and a few header reads): call from a thread. No Qt.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

from goesvfi.integrity_check.look.header import read_header
from goesvfi.integrity_check.look.value import Look

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def look_sample(directory: Path | None) -> list[Path]:
    """The images directly in ``directory`` with a satellite/product name, for a range with no frame yet:
    the folder's other frames still say its look. Blocking (one listing)."""
    from goesvfi.integrity_check.time_index import SatellitePattern, parse_name

    if directory is None:
        return []
    try:
        with os.scandir(directory) as entries:
            names = sorted(
                e.name
                for e in entries
                if e.name[0] != "." and e.name.lower().endswith(IMAGE_SUFFIXES) and e.is_file(follow_symlinks=False)
            )
    except OSError:
        return []
    out = []
    for name in names:
        parsed = parse_name(name)
        if parsed is not None and parsed.satellite is not SatellitePattern.GENERIC:
            out.append(directory / name)
    return out


SAMPLE = 16
"""Frames whose headers decide a folder's look (spread over the folder's name order)."""
WIDE_SAMPLE = 512
"""Frames read when the first sample disagrees."""


def _spread(paths: Sequence[Path | str], count: int) -> list[Path | str]:
    """``count`` of ``paths`` spread over them: one at a random place in each of ``count`` equal strata (seeded by
    the length: the same folder gives the same sample). Evenly spaced picks would alias with a regular pattern
    (every third frame of another size, 46 frames: all 16 picks land on the odd frames and agree)."""
    n = len(paths)
    if n <= count:
        return list(paths)
    rng = random.Random(n)
    bounds = [i * n // count for i in range(count + 1)]
    return [paths[rng.randrange(lo, hi)] for lo, hi in pairwise(bounds)]


def _looks(paths: Sequence[Path | str]) -> list[Look]:
    looks = []
    for path in paths:
        try:
            looks.append(read_header(path))
        except (OSError, ValueError, SyntaxError):
            continue
    return looks


def _path_order(path: Path | str) -> str:
    """A sort key that orders path strings as ``Path`` objects compare (part by part), without making them."""
    return os.path.normcase(os.fspath(path)).replace(os.sep, "\0")


def folder_look(frames: Sequence[Path] | Sequence[str], sample: int = SAMPLE) -> Look | None:
    """The look most of ``frames`` share, read from the headers of a sample spread over their name order
    (:data:`SAMPLE` frames; when they disagree, up to :data:`WIDE_SAMPLE`, so a regular pattern of odd frames
    cannot outvote the rest by aliasing); the newest wins a tie. None: no readable frame (an empty folder:
    the settings decide)."""
    ordered: list[Path | str] = sorted(frames, key=_path_order)
    looks = _looks(_spread(ordered, sample))
    if len(set(looks)) > 1 and len(ordered) > len(looks):
        looks = _looks(_spread(ordered, WIDE_SAMPLE))
    if not looks:
        return None
    counts = Counter(looks)
    best = max(counts.values())
    return next(look for look in reversed(looks) if counts[look] == best)
