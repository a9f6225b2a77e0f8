"""ShownResults: the scan the tab shows and what belongs to it (Qt-free; the view model publishes its changes).

The scan, the folder it is of, its digest (the table's, timeline's and calendar's data), its look check (None
until finished) and, for GOES-East/West, its view query (a fetch goes part by part, each from its satellite).
A running fetch updates the digest in place, slot by slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from goesvfi.integrity_check.gui.look_view import LookView
from goesvfi.integrity_check.gui.results_digest import ResultsDigest, update_digest
from goesvfi.integrity_check.gui.slot_list import SlotList
from goesvfi.integrity_check.query import ViewQuery
from goesvfi.integrity_check.results import ScanResult, SlotResult


@dataclass(slots=True)
class ShownResults:
    """What the tab shows (see the module docstring); nothing before the first scan."""

    scan: ScanResult | None = None
    folder: Path | None = None
    digest: ResultsDigest | None = None
    look: LookView | None = None
    view_query: ViewQuery | None = None

    def show(self, scan: ScanResult | None, digest: ResultsDigest | None, folder: Path | None = None) -> None:
        self.scan, self.digest, self.folder = scan, digest, folder

    @property
    def slots(self) -> SlotList:
        """The shown slots in time order (columns; each ``SlotResult`` is built when read)."""
        return SlotList.from_results([]) if self.digest is None else self.digest.slots

    @property
    def unresolved(self) -> bool:
        """Some shown slots are missing, damaged or failed: a fetch has work."""
        return self.digest is not None and self.digest.unresolved > 0

    @property
    def has_slots(self) -> bool:
        return self.digest is not None and bool(self.digest.slots)

    def update(self, results: list[SlotResult]) -> tuple[ResultsDigest, np.ndarray] | None:
        """Take slots a running fetch finished; the new digest and the positions that changed (None: none did)."""
        if self.digest is None:
            return None
        updated = update_digest(self.digest, results)
        if updated is not None:
            self.digest = updated[0]
        return updated

    def take_look(self, scan: ScanResult, look: LookView) -> bool:
        """Keep the look check of ``scan``; False (kept not) when another scan replaced it meanwhile."""
        if self.scan is not scan:
            return False
        self.look = look
        return True
