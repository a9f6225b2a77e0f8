"""The scan of a GOES-East / GOES-West folder: one scan per satellite part of the view, merged into one result.

Each slot belongs to the satellite operational then (:class:`..query.ViewQuery`); in a handover's overlap a frame
of either satellite covers the slot, so a part's missing slots are looked up among the partner satellite's frames
too. The merged :class:`ScanResult` keeps each slot's own satellite (``satellites``), so the summary and the CSV
name the satellite of every frame, and has one look for the whole folder (:func:`view_look`).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from goesvfi.integrity_check.query import ArchiveQuery, ViewQuery
from goesvfi.integrity_check.results import ScanResult

ScanOne = Callable[[ArchiveQuery], Awaitable[ScanResult]]


@dataclass(frozen=True, slots=True)
class ViewScan:
    """``merged``: one result over the whole range; ``parts``: one per satellite, covered slots included."""

    merged: ScanResult
    parts: list[ScanResult]


def cover(part: ScanResult, partner: ScanResult) -> ScanResult:
    """``part`` with its missing slots that ``partner`` (the other satellite of the view) holds counted present."""
    found = {t: partner.existing[t] for t in part.missing if t in partner.existing}
    if not found:
        return part
    existing = dict(part.existing) | found
    satellites = dict(part.satellites) | dict.fromkeys(found, partner.satellite)
    missing = [t for t in part.missing if t not in found]
    return dataclasses.replace(part, existing=existing, missing=missing, satellites=satellites)


def view_look(parts: list[ScanResult]) -> tuple[str | None, list[datetime]]:
    """The folder's one look over the parts (each part's scan decided its own from its satellite's frames): the look
    most frames have, the later part's on a tie; and the slots off it. A part whose look is another has every one of
    its own frames off the folder's (each frame's header tells the rest: ``fetch --conform`` reads it)."""
    votes: Counter[str] = Counter()
    for part in parts:
        if part.folder_look is not None:
            votes[part.folder_look] += part.looked - len(part.off_look)
    if not votes:
        return None, [t for p in parts for t in p.off_look]
    most = max(votes.values())
    chosen = next(p.folder_look for p in reversed(parts) if p.folder_look is not None and votes[p.folder_look] == most)
    off: set[datetime] = set()
    for part in parts:
        off.update(part.off_look)
        if part.folder_look is not None and part.folder_look != chosen:
            off.update(t for t in part.existing if t not in part.satellites and t not in part.damaged)
    return chosen, sorted(off)


def merge(parts: list[ScanResult], query: ViewQuery) -> ScanResult:
    """One result over ``query``'s range: slots of each part, the latest satellite as ``satellite``, the others
    named per slot."""
    last = parts[-1]
    satellites: dict = {}
    for part in parts:
        satellites |= {t: part.satellite for t in part.expected if part.satellite is not last.satellite}
        satellites |= part.satellites
    warnings = list(dict.fromkeys(w for part in parts for w in part.warnings))
    checked = [p.availability_checked for p in parts]
    folder_look, off_look = view_look(parts)
    return ScanResult(
        query=ArchiveQuery(last.satellite, query.start, query.end, query.sector, query.band, parts[0].interval_minutes),
        expected=[t for p in parts for t in p.expected],
        existing={t: path for p in parts for t, path in p.existing.items()},
        missing=[t for p in parts for t in p.missing],
        warnings=warnings,
        from_cache=all(p.from_cache for p in parts),
        unavailable={t: r for p in parts for t, r in p.unavailable.items()},
        availability_checked=None if None in checked else all(c for c in checked if c is not None),
        interval_info=parts[0].interval_info,
        satellites=satellites,
        damaged={t: d for p in parts for t, d in p.damaged.items()},
        not_frames={t: d for p in parts for t, d in p.not_frames.items()},
        folder_look=folder_look,
        off_look=off_look,
        looked=sum(p.looked for p in parts),
        frames_checked=sum(p.frames_checked for p in parts),
    )


def split(merged: ScanResult, query: ViewQuery) -> list[ScanResult]:
    """``merged`` (a view's scan, or what remains of it to fetch) cut back into one result per satellite part."""
    out = []
    for piece in query.parts():
        q = piece.query

        def inside(t: datetime, q: ArchiveQuery = q) -> bool:
            return q.start <= t < q.end

        expected = [t for t in merged.expected if inside(t)]
        if not expected:
            continue
        out.append(
            dataclasses.replace(
                merged,
                query=q.with_interval(merged.interval_minutes),
                expected=expected,
                existing={t: p for t, p in merged.existing.items() if inside(t)},
                missing=[t for t in merged.missing if inside(t)],
                unavailable={t: r for t, r in merged.unavailable.items() if inside(t)},
                satellites={t: s for t, s in merged.satellites.items() if inside(t) and s is not q.satellite},
                damaged={t: d for t, d in merged.damaged.items() if inside(t)},
                not_frames={t: d for t, d in merged.not_frames.items() if inside(t)},
                off_look=[t for t in merged.off_look if inside(t)],
            )
        )
    return out


async def scan_view(query: ViewQuery, scan_one: ScanOne) -> ViewScan:
    """Scan every part of ``query`` with ``scan_one`` (the folder's scan of one :class:`ArchiveQuery`), cover each
    part's overlap with its partner's frames, and merge."""
    parts = []
    for piece in query.parts():
        part = await scan_one(piece.query)
        if piece.partner is not None and part.missing:
            partner = await scan_one(piece.partner.with_interval(part.interval_minutes))
            part = cover(part, partner)
        parts.append(part)
    return ViewScan(merge(parts, query), parts)
