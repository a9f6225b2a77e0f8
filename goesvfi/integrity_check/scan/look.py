"""Which present frames do not match the folder's look (blocking: reads one header per frame, never pixels).

The folder's look is the look most of a sample of its frames share (:func:`..render.look.folder_look`); an
empty folder takes the settings' look. Every present frame of the scanned range is then checked by its header
(size, mode, the colour table the PNG names): about 30 microseconds per frame on a local disk.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goesvfi.integrity_check.render.look import Look, folder_look, mismatched
from goesvfi.integrity_check.results import ScanResult, SlotResult

LISTED = 5
"""Names a warning lists before '...'."""


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
            if slot.path is not None:
                slot.look = "mismatch" if slot.path in bad else "ok"
        return slots


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def look_sample(directory: Path | None, present: list[Path]) -> list[Path]:
    """The frames a folder's look is read from: the scanned range's present frames, else the images directly
    in ``directory`` (a range with no frame yet still follows the folder). Blocking (one listing at most)."""
    if present or directory is None:
        return present
    try:
        with os.scandir(directory) as entries:
            return sorted(
                Path(e.path)
                for e in entries
                if e.name[0] != "." and e.name.lower().endswith(IMAGE_SUFFIXES) and e.is_file(follow_symlinks=False)
            )
    except OSError:
        return []


def check_look(scan: ScanResult, default: Look | None = None, directory: Path | None = None) -> LookCheck:
    """The folder's look (from a sample of the scan's present frames, else of the images in ``directory``,
    else ``default``) and the range's frames that do not match it (blocking)."""
    existing = scan.existing_strings()  # strings: no 100,000 Path objects for the garbage collector to walk
    present = [existing[t] for t in sorted(existing)]
    sample: list[Path] | list[str] = present or look_sample(directory, [])
    found = folder_look(sample) if sample else None
    if found is None:
        return LookCheck(default, "settings", [], 0)
    return LookCheck(found, "folder", [Path(p) for p in mismatched(present, found)], len(present))
