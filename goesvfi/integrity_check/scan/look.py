"""The folder's look, decided from the looks the scan's integrity check read (one read per frame serves both).

Only frames that prove they are frames decide the look: files with a satellite/product name (canonical, STAR
CDN, NOAA, older GOES-VFI). A file with a generic dated name (``chart_20230501_001000.png``) counts as a frame
only when its image has the folder's look; where only generic names exist, a look needs at least
:data:`GENERIC_QUORUM` frames that agree. A look whose size the sector cannot have (not the sector's shape, or
larger than its finest grid) never decides: a planted header claiming 20000x12000 is reported, not followed.
The most common look wins over every frame, with the newest frame's look on a tie (no sampling, so a regular
pattern of odd frames cannot outvote the rest). Pure. No Qt.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from goesvfi.integrity_check.render.look import Look
from goesvfi.integrity_check.results import ScanResult, SlotResult
from goesvfi.integrity_check.time_index import Sector

LISTED = 5
"""Names a warning lists before '...'."""
GENERIC_QUORUM = 3
"""Frames with generic names that must agree before their look is the folder's (no product-named frame)."""
ASPECT_TOLERANCE = 0.02
FINEST_GRID: dict[Sector, tuple[int, int]] = {
    Sector.CONUS: (10000, 6000),
    Sector.FULL_DISK: (21696, 21696),
    Sector.MESO1: (2000, 2000),
    Sector.MESO2: (2000, 2000),
}
"""Each sector's largest image: its 0.5 km grid (band 2; DOMAIN.md). Every size it can have shares its shape."""


def plausible_size(sector: Sector, width: int | None, height: int | None) -> bool:
    """A size the sector's frames can have: its shape (within 2 %) and no larger than its finest grid."""
    if width is None or height is None:
        return True
    full_w, full_h = FINEST_GRID[sector]
    if not (0 < width <= full_w and 0 < height <= full_h):
        return False
    return abs(width / height - full_w / full_h) <= ASPECT_TOLERANCE * full_w / full_h


@dataclass(frozen=True, slots=True)
class LookDecision:
    """``look``: the folder's look (None: no frame decides it); ``not_frames``: generic-named slots whose image
    is not of that look (or that nothing proves); ``implausible``: product-named slots of an impossible size."""

    look: Look | None
    not_frames: dict[datetime, str]
    implausible: list[datetime]


def decide_look(
    looks: Mapping[datetime, str], generic: set[datetime], sector: Sector, default: Look | None = None
) -> LookDecision:
    """The folder's look from each present frame's look (``looks``: slot -> ``Look.key``; ``generic``: the
    slots whose file has a generic name). ``default`` (the settings' look) judges generic frames when no frame
    decides."""
    parsed = {ts: Look.from_key(key) for ts, key in looks.items()}
    implausible = [ts for ts, look in parsed.items() if not plausible_size(sector, look.width, look.height)]
    bad = set(implausible)
    named = [(ts, parsed[ts]) for ts in sorted(parsed) if ts not in generic and ts not in bad]
    found = _most_common(named)
    if found is None:
        others = [(ts, parsed[ts]) for ts in sorted(parsed) if ts in generic and ts not in bad]
        candidate = _most_common(others)
        if candidate is not None and sum(look == candidate for _, look in others) >= GENERIC_QUORUM:
            found = candidate
    judge = found if found is not None else default
    not_frames: dict[datetime, str] = {}
    for ts in sorted(generic & set(looks) | generic - set(looks)):
        look = parsed.get(ts)
        if ts in bad and look is not None:
            not_frames[ts] = f"not a frame: a generic name with an image size ({look.width}x{look.height}) " \
                f"a {sector.display_name} frame cannot have"  # fmt: skip
        elif look is None:
            not_frames[ts] = "not a frame: a generic name whose file is not an image"
        elif judge is None or not judge.matches(look):
            what = "no frame with a satellite name to compare with" if judge is None else judge.describe()
            not_frames[ts] = f"not a frame: a generic name whose image ({look.describe()}) is not the folder's ({what})"
    return LookDecision(found, not_frames, [ts for ts in implausible if ts not in generic])


def _most_common(items: Sequence[tuple[datetime, Look]]) -> Look | None:
    if not items:
        return None
    counts = Counter(look for _, look in items)
    best = max(counts.values())
    return next(look for _, look in reversed(items) if counts[look] == best)


@dataclass(slots=True)
class LookCheck:
    """``look``: the folder's look (None: no frame and no default); ``origin``: ``folder`` or ``settings``;
    ``mismatched``: the present frames that do not match it, in time order; ``checked``: frames checked."""

    look: Look | None
    origin: str
    mismatched: list[Path] = field(default_factory=list)
    checked: int = 0

    def as_json(self) -> dict[str, Any]:
        look = None if self.look is None else self.look.as_json() | {"origin": self.origin}
        return {"look": look, "mismatched": [p.name for p in self.mismatched]}

    def warning(self) -> str | None:
        if not self.mismatched or self.look is None:
            return None
        names = ", ".join(p.name for p in self.mismatched[:LISTED])
        more = " ..." if len(self.mismatched) > LISTED else ""
        return (
            f"{len(self.mismatched)} of {self.checked} frames do not match the folder's look "
            f"({self.look.describe()}): {names}{more} (fetch --conform rewrites them)"
        )

    def mark(self, slots: list[SlotResult]) -> list[SlotResult]:
        """Set each present slot's ``look`` to ``ok`` or ``mismatch`` (missing slots keep None)."""
        bad = set(self.mismatched)
        for slot in slots:
            if slot.path is not None and slot.status.value != "damaged":
                slot.look = "mismatch" if slot.path in bad else "ok"
        return slots


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


def check_look(scan: ScanResult, default: Look | None = None, directory: Path | None = None) -> LookCheck:
    """The folder's look (the scan's, else from the product-named images in ``directory``, else ``default``)
    and the range's frames that do not match it. Reads no frame of the range (the scan read them); blocking
    only for a range without frames (a listing and a few headers)."""
    existing = scan.existing_strings()
    looks = scan.frame_looks
    found = Look.from_key(scan.folder_look) if scan.folder_look is not None else None
    if found is None and not existing:
        from goesvfi.integrity_check.render.look import folder_look

        sample = [p for p in look_sample(directory)]
        candidate = folder_look(sample) if sample else None
        if candidate is not None and plausible_size(scan.sector, candidate.width, candidate.height):
            found = candidate
    if found is None:
        return LookCheck(default, "settings", [], 0)
    judged = [ts for ts in sorted(existing) if ts in looks]  # NetCDF frames have no image look
    mismatched = [Path(existing[ts]) for ts in judged if not found.matches(Look.from_key(looks[ts]))]
    return LookCheck(found, "folder", mismatched, len(judged))
