"""The plan of ``fetch --conform``: which present frames do not match the folder's look, and what brings each to it.

A mismatched frame whose colour table is the folder's (or either table is not recorded) is rewritten where it is
(resampled and converted); one of another table is fetched again in the folder's look. :mod:`..fetch.conform`
carries the plan out. Blocking (a header read per mismatched frame): call from a thread. No Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from goesvfi.integrity_check.look.decide import check_look
from goesvfi.integrity_check.look.header import read_header
from goesvfi.integrity_check.look.plan import LookPlan, plan_look
from goesvfi.integrity_check.look.value import UNKNOWN, Look
from goesvfi.integrity_check.results import ScanResult
from goesvfi.integrity_check.settings import FetchSettings

REWRITE = "rewrite"
REFETCH = "refetch"


@dataclass(slots=True)
class ConformAction:
    path: Path
    timestamp: datetime
    action: str  # rewrite (resample / convert here) or refetch (another colour table)
    before: Look | None
    done: bool = False
    error: str | None = None

    def describe(self) -> str:
        before = "unreadable" if self.before is None else self.before.describe()
        return f"{self.path.name}: {before} -> {self.action}"


@dataclass(slots=True)
class ConformReport:
    look: Look | None
    plan: LookPlan | None
    actions: list[ConformAction] = field(default_factory=list)
    dry_run: bool = False

    @property
    def done(self) -> list[ConformAction]:
        return [a for a in self.actions if a.done]

    @property
    def failed(self) -> list[ConformAction]:
        return [a for a in self.actions if a.error is not None]

    def as_json(self) -> dict[str, object]:
        return {
            "look": None if self.look is None else self.look.as_json(),
            "dry_run": self.dry_run,
            "frames": [
                {"name": a.path.name, "action": a.action, "done": a.done, "error": a.error} for a in self.actions
            ],
        }


def conform_action(before: Look | None, look: Look) -> str:
    """:data:`REWRITE` when ``before`` (a frame's look, None: unreadable) has ``look``'s colour table or either
    table is unknown, else :data:`REFETCH`."""
    if before is None:
        return REFETCH
    if UNKNOWN in (before.table, look.table):
        return REWRITE
    return REWRITE if before.table == look.table else REFETCH


def plan_conform(scan: ScanResult, settings: FetchSettings, dry_run: bool = False) -> ConformReport:
    """The folder's look (the scan's) and one action per present frame of ``scan`` that does not match it, in
    time order (no action without a folder look). Blocking: reads the mismatched frames' headers."""
    check = check_look(scan)
    if check.look is None:
        return ConformReport(None, None, [], dry_run)
    plan = plan_look(scan.sector, check.look, settings, forced=check.look, band=scan.band)
    look = plan.look or check.look
    slot_of = {path: ts for ts, path in scan.existing.items()}
    actions = []
    for path in check.mismatched:
        try:
            before: Look | None = read_header(path)
        except (OSError, ValueError, SyntaxError):
            before = None
        if before is not None and look.matches(before) and UNKNOWN not in (before.table, look.table):
            continue  # already in the look (a view's part whose own scan decided another look holds such frames)
        actions.append(ConformAction(path, slot_of[path], conform_action(before, look), before))
    return ConformReport(look, plan, actions, dry_run)
