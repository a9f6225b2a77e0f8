"""Fetch a GOES-East / GOES-West folder: each part of the view from its own satellite, into one folder, one look.

Every part is scanned (:mod:`..scan.view`: the handover overlap covered by either satellite's frames) and fetched
from the satellite operational then, so nothing is asked of a satellite outside its era; frames keep their real
satellite in their names (``goes16_...``, ``goes19_...``). Every part follows the folder's one look (the look most
of its frames have, over both satellites); in an empty folder the first part to write sets it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from pathlib import Path

from goesvfi.integrity_check.fetch.manager import AnyProgress, ReconcileManager, ReconcileReport
from goesvfi.integrity_check.query import ArchiveQuery, ViewQuery
from goesvfi.integrity_check.results import ScanResult, SlotResult
from goesvfi.integrity_check.scan.view import merge, scan_view, split


def audit_shares(query: ViewQuery, audit: int) -> dict[ArchiveQuery, int]:
    """``audit`` frames shared out among the view's satellite parts, the earlier parts taking the remainder (an
    overlap's scan of the other satellite, which covers a few slots, audits none)."""
    parts = [piece.query for piece in query.parts()]
    return {part: audit // len(parts) + (1 if i < audit % len(parts) else 0) for i, part in enumerate(parts)}


async def fetch_view(
    manager: ReconcileManager,
    directory: Path | str | None,
    query: ViewQuery,
    *,
    progress_callback: AnyProgress = None,
    force_rescan: bool = False,
    skip: Mapping[datetime, str] | None = None,
    audit: int = 0,
) -> ReconcileReport:
    """Scan and fetch every part of ``query``; one report over the whole range (each slot with its satellite).
    ``skip`` and ``audit`` (``watch``): as :meth:`ReconcileManager.reconcile_detailed`'s; the ``audit`` frames are
    shared out among the satellite parts (:func:`audit_shares`), so a cycle verifies ``audit`` frames in all."""
    shares = audit_shares(query, audit)

    async def scan_one(part_query: ArchiveQuery) -> ScanResult:
        return await manager.scan(
            directory,
            part_query,
            progress_callback=progress_callback,
            force_rescan=force_rescan,
            audit=shares.get(part_query, 0),
        )

    scanned = await scan_view(query, scan_one)
    reports: list[ReconcileReport] = []
    for part in split(scanned.merged, query):  # each part with the folder's one look (scan.view.view_look)
        if reports and reports[-1].stopped is not None:  # the disk guard stopped: the rest stays missing
            reports.append(ReconcileReport(part, part.slots()))
        else:
            reports.append(await manager.fetch_scan(part, directory, progress_callback=progress_callback, skip=skip))
    looks = [r.look for r in reports if r.look is not None]
    stopped = next((r.stopped for r in reports if r.stopped is not None), None)
    return ReconcileReport(
        merge([r.scan for r in reports], query),
        [s for r in reports for s in r.slots],
        stopped,
        looks[0] if looks else None,
    )


async def fetch_view_scan(
    manager: ReconcileManager,
    scan: ScanResult,
    query: ViewQuery,
    directory: Path | str | None,
    *,
    progress_callback: AnyProgress = None,
) -> list[SlotResult]:
    """Fetch the missing slots of a view's (merged) ``scan``, each part from its own satellite: one result per
    expected slot, in time order (the window's Fetch button on an East/West scan)."""
    slots: list[SlotResult] = []
    for part in split(scan, query):
        report = await manager.fetch_scan(part, directory, progress_callback=progress_callback)
        slots.extend(report.slots)
    return slots


def reconcile_any(manager: ReconcileManager) -> Callable[..., Awaitable[ReconcileReport]]:
    """One watch cycle's scan and fetch by ``manager``: a :class:`ViewQuery` part by part (:func:`fetch_view`), an
    :class:`ArchiveQuery` by :meth:`ReconcileManager.reconcile_detailed`."""

    async def reconcile(
        directory: Path,
        query: ArchiveQuery | ViewQuery,
        *,
        progress_callback: AnyProgress = None,
        skip: Mapping[datetime, str] | None = None,
        audit: int = 0,
    ) -> ReconcileReport:
        if isinstance(query, ViewQuery):
            return await fetch_view(
                manager, directory, query, progress_callback=progress_callback, skip=skip, audit=audit
            )
        return await manager.reconcile_detailed(
            directory, query, progress_callback=progress_callback, skip=skip, audit=audit
        )

    return reconcile
