"""Guess a folder's satellite, sector and band from a sample of its file names (the tab's folder detection).

No Qt here: it runs in a worker thread.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from goesvfi.integrity_check.time_index import SatellitePattern, Sector, parse_name


@dataclass(frozen=True, slots=True)
class ArchiveGuess:
    """The most common satellite, sector and band among a folder's parsed file names."""

    satellite: SatellitePattern | None
    sector: Sector | None
    band: int | None
    files: int  # names that parsed


def sample_archive(directory: Path, limit: int = 5000) -> ArchiveGuess:
    """Parse up to ``limit`` file names under ``directory`` (breadth first) and take the most common values."""
    satellites: Counter[SatellitePattern] = Counter()
    sectors: Counter[Sector] = Counter()
    bands: Counter[int] = Counter()
    parsed_count = 0
    pending = [directory]
    seen = 0
    while pending and seen < limit:
        folder = pending.pop(0)
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(Path(entry.path))
                        continue
                    seen += 1
                    parsed = parse_name(entry.name)
                    if parsed is not None:
                        parsed_count += 1
                        if parsed.satellite is not SatellitePattern.GENERIC:
                            satellites[parsed.satellite] += 1
                        if parsed.sector is not None:
                            sectors[parsed.sector] += 1
                        if parsed.band is not None:
                            bands[parsed.band] += 1
                    if seen >= limit:
                        break
        except OSError:
            continue

    return ArchiveGuess(
        satellites.most_common(1)[0][0] if satellites else None,
        sectors.most_common(1)[0][0] if sectors else None,
        bands.most_common(1)[0][0] if bands else None,
        parsed_count,
    )
