"""The folder's look, decided from the looks the scan's integrity check read (one read per frame serves both),
and the check of a scan's frames against it.

Only frames that prove they are frames decide the look: files with a satellite/product name (canonical, STAR
CDN, NOAA, older GOES-VFI). A file with a generic dated name (``chart_20230501_001000.png``) counts as a frame
only when its image has the folder's look; where only generic names exist, a look needs at least
:data:`GENERIC_QUORUM` frames that agree. A look whose size the sector cannot have (not the sector's shape, or
larger than its finest grid) never decides: a planted header claiming 20000x12000 is reported, not followed.
The most common look wins over every frame, with the newest frame's look on a tie (no sampling, so a regular
pattern of odd frames cannot outvote the rest). Pure. No Qt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from goesvfi.integrity_check.look.sample import folder_look, look_sample
from goesvfi.integrity_check.look.value import Look
from goesvfi.integrity_check.results import ScanResult, SlotResult
from goesvfi.integrity_check.time_index import Sector
from goesvfi.integrity_check.time_index.bands import finest_size

LISTED = 5
"""Names a warning lists before '...'."""
GENERIC_QUORUM = 3
"""Frames with generic names that must agree before their look is the folder's (no product-named frame)."""
ASPECT_TOLERANCE = 0.02
FINEST_GRID: dict[Sector, tuple[int, int]] = {sector: finest_size(sector) for sector in Sector}
"""Each sector's largest image: its finest band's grid (band 2, 0.5 km; the band table). Every size it can have
shares its shape."""


def plausible_size(
    sector: Sector, width: int | None, height: int | None, accepted: tuple[int, int] | None = None
) -> bool:
    """A size the sector's frames can have: its shape (within 2 %) and no larger than its finest grid; or the
    size the user gave (``--size``, bounded when given)."""
    if width is None or height is None or (width, height) == accepted:
        return True
    full_w, full_h = FINEST_GRID[sector]
    if not (0 < width <= full_w and 0 < height <= full_h):
        return False
    return abs(width / height - full_w / full_h) <= ASPECT_TOLERANCE * full_w / full_h


@dataclass(frozen=True, slots=True)
class LookDecision:
    """``look``: the folder's look (None: no frame decides it); ``not_frames``: generic-named slots whose image
    is not of that look (or that nothing proves), with why; ``implausible``: product-named slots of an impossible
    size; ``off_look``: product-named slots whose look differs from ``look``; ``looked``: frames with a look."""

    look: Look | None
    not_frames: dict[int, str]
    implausible: list[int]
    off_look: np.ndarray
    looked: int


def decide_look(
    named: Mapping[str, np.ndarray],
    generic: Mapping[int, str | None],
    sector: Sector,
    default: Look | None = None,
    accepted: tuple[int, int] | None = None,
) -> LookDecision:
    """The folder's look from the present frames' looks: ``named`` maps each look (``Look.key``) to the slots
    (time order) of product-named frames with it; ``generic`` maps each generic-named slot to its look (None: not
    an image). ``default`` (the settings' look) judges generic frames when no frame decides; ``accepted``: a size
    the user gave, plausible whatever the sector's shape."""
    looks = {key: Look.from_key(key) for key in {*named, *(k for k in generic.values() if k is not None)}}
    bad = {key for key, look in looks.items() if not plausible_size(sector, look.width, look.height, accepted)}
    found = _most_common({k: v for k, v in named.items() if k not in bad and len(v)})
    if found is None:
        counts: dict[str, list[int]] = {}
        for ts, key in generic.items():
            if key is not None and key not in bad:
                counts.setdefault(key, []).append(ts)
        best = _most_common({k: np.array(sorted(v)) for k, v in counts.items()})
        if best is not None and len(counts[best.key]) >= GENERIC_QUORUM:
            found = best
    judge = found if found is not None else default
    not_frames: dict[int, str] = {}
    for ts in sorted(generic):
        key = generic[ts]
        look = None if key is None else looks[key]
        if look is None:
            not_frames[ts] = "not a frame: a generic name whose file is not an image"
        elif key in bad:
            not_frames[ts] = (
                f"not a frame: a generic name with an image size ({look.width}x{look.height}) a "
                f"{sector.display_name} frame cannot have"
            )
        elif judge is None or not judge.matches(look):
            what = "no frame with a satellite name to compare with" if judge is None else judge.describe()
            not_frames[ts] = f"not a frame: a generic name whose image ({look.describe()}) is not the folder's ({what})"
    implausible = sorted(int(t) for key in bad & set(named) for t in named[key].tolist())
    off = [v for k, v in named.items() if found is not None and not found.matches(looks[k])]
    off_look = np.sort(np.concatenate(off)) if off else np.zeros(0, dtype=np.int64)
    looked = sum(len(v) for v in named.values()) + sum(1 for t, k in generic.items() if k and t not in not_frames)
    return LookDecision(found, not_frames, implausible, off_look, looked)


def _most_common(items: Mapping[str, np.ndarray]) -> Look | None:
    """The look of the most slots; on a tie, the one of the newest frame."""
    if not items:
        return None
    key = max(items, key=lambda k: (len(items[k]), int(items[k][-1])))
    return Look.from_key(key)


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


def check_look(scan: ScanResult, default: Look | None = None, directory: Path | None = None) -> LookCheck:
    """The folder's look (the scan's, else from the product-named images in ``directory``, else ``default``)
    and the range's frames that do not match it. Reads no frame of the range (the scan read them); blocking
    only for a range without frames (a listing and a few headers)."""
    found = Look.from_key(scan.folder_look) if scan.folder_look is not None else None
    if found is None and not scan.looked:
        sample = look_sample(directory)
        candidate = folder_look(sample) if sample else None
        if candidate is not None and plausible_size(scan.sector, candidate.width, candidate.height):
            found = candidate
    if found is None:
        return LookCheck(default, "settings", [], 0)
    existing = scan.existing_strings() if scan.off_look else {}
    mismatched = [Path(existing[ts]) for ts in scan.off_look if ts in existing]
    return LookCheck(found, "folder", mismatched, scan.looked)
