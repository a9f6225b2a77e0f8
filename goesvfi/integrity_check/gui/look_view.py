"""LookView: what the tab shows of the folder's look, and the CSV's ``look`` column made from it."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from goesvfi.integrity_check.results import SlotResult, SlotStatus


@dataclass(frozen=True, slots=True)
class LookView:
    """What the tab shows of the folder's look (the session makes it from a ``look.decide.LookCheck``): ``look``
    described (``2500x1500 RGB star``; None without frames or default), the mismatched frames, their count and a
    tooltip for their rows."""

    look: str | None
    mismatched: frozenset[Path]
    count: int
    note: str

    def matches(self, path: Path) -> bool | None:
        """Whether ``path`` has the folder's look (None: no look known: no frames, or the default look)."""
        if self.look is None:
            return None
        return path not in self.mismatched


def with_looks(slots: Sequence[SlotResult], look: LookView | None) -> list[SlotResult]:
    """``slots`` with the CSV's ``look`` column as the command line writes it: ``ok`` or ``mismatch`` for every
    slot with a frame in the folder (fetched frames are written in the folder's look), empty without one. Before
    the look check has finished (``look`` None) only fetched frames are known to match."""
    out = []
    for slot in slots:
        value = slot.look
        if slot.path is not None and slot.status in (SlotStatus.PRESENT, SlotStatus.FETCHED):
            if look is not None:
                value = "mismatch" if slot.path in look.mismatched else "ok"
            elif slot.status is SlotStatus.FETCHED:
                value = "ok"
        out.append(slot if value == slot.look else dataclasses.replace(slot, look=value))
    return out
