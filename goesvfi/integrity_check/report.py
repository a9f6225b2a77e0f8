"""Reports: the per-slot CSV, gap analytics, and the human summary the command line prints."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from goesvfi.integrity_check.folder.atomic import write_atomic
from goesvfi.integrity_check.results import NOAA_GAP, Damage, Gap, SlotResult, SlotStatus, find_gaps
from goesvfi.integrity_check.safe_text import safe_text
from goesvfi.integrity_check.time_index import iso_z

CSV_COLUMNS = ("timestamp", "satellite", "sector", "band", "status", "source", "local_path", "remote", "error", "look")


def csv_row(slot: SlotResult) -> list[str]:
    """One row; text from outside (paths, keys, errors) with control characters escaped (:func:`safe_text`)."""
    return [
        iso_z(slot.timestamp),
        slot.satellite.value,
        slot.sector.value,
        str(slot.band),
        slot.status.value,
        slot.source.value if slot.source else "",
        safe_text(slot.path, keep_bytes=True) if slot.path else "",
        safe_text(slot.remote or ""),
        safe_text(slot.error or ""),
        slot.look or "",
    ]


def write_csv_stream(stream: TextIO, slots: Iterable[SlotResult]) -> None:
    """Write the header and one row per slot to an open text stream."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_row(slot) for slot in slots)


def write_csv(path: str | Path, slots: Sequence[SlotResult]) -> None:
    """Write the CSV report through the package's write-then-rename helper (temp file beside it, fsync, rename).
    Paths that are not UTF-8 (surrogate escapes) are written as their original bytes (but for bytes 0x80-0x9F,
    C1 controls in Latin-1, written escaped like control characters)."""

    def write(fh: BinaryIO) -> None:
        text = io.TextIOWrapper(fh, encoding="utf-8", errors="surrogateescape", newline="")
        write_csv_stream(text, slots)
        text.flush()
        text.detach()

    write_atomic(Path(path).expanduser(), write)


def csv_text(slots: Iterable[SlotResult]) -> str:
    out = io.StringIO()
    write_csv_stream(out, slots)
    return out.getvalue()


def merge_fetch_log(slots: Sequence[SlotResult], log: Mapping[datetime, SlotResult]) -> list[SlotResult]:
    """The scan's slots with what the fetch log knows: fetched files show as fetched (with source and remote),
    missing slots whose last fetch failed as failed (with the error); damaged slots stay damaged."""
    out = []
    for slot in slots:
        entry = log.get(slot.timestamp)
        if entry is None or entry.status is SlotStatus.PRESENT or slot.status is SlotStatus.DAMAGED:
            out.append(slot)  # a damaged file is what the folder holds now, whatever was fetched before
        elif slot.status is SlotStatus.PRESENT:
            if entry.status is SlotStatus.FETCHED:
                out.append(_replace(slot, SlotStatus.FETCHED, entry, error=None))
            else:
                out.append(slot)
        elif entry.status is SlotStatus.FETCHED:
            out.append(_replace(slot, SlotStatus.MISSING, entry, error="fetched before, but no longer in the folder"))
        else:  # failed, or not attempted (with the reason)
            out.append(_replace(slot, entry.status, entry, error=entry.error))
    return out


def _replace(slot: SlotResult, status: SlotStatus, entry: SlotResult, error: str | None) -> SlotResult:
    return SlotResult(
        slot.timestamp,
        slot.satellite,
        slot.sector,
        slot.band,
        status,
        entry.source,
        slot.path,
        entry.remote,
        error,
        slot.look,
    )


# --------------------------------------------------------------------------------------------------
# Gap analytics
# --------------------------------------------------------------------------------------------------


def gap_dict(gap: Gap) -> dict[str, Any]:
    return {"start": iso_z(gap.start), "end": iso_z(gap.end), "count": gap.count}


def summarize(
    expected: Sequence[datetime],
    missing: Sequence[datetime],
    unavailable: Sequence[datetime] = (),
    damaged: Sequence[datetime] = (),
) -> dict[str, Any]:
    """Counts, percentage, number of gaps, the longest gap (the earliest of equal ones) and missing per day.

    ``missing_per_day`` maps every day (``YYYY-MM-DD``, UTC) that has expected slots to its missing count.
    ``unavailable``: slots no NOAA source has; counted apart (``never_produced``), and their runs are the
    ``noaa_gaps``, apart from the fillable ``gaps``. ``damaged``: the missing slots whose file is damaged
    (``missing`` counts them too: no usable frame).
    """
    gaps = find_gaps(expected, missing)
    longest = max(gaps, key=lambda g: g.count) if gaps else None
    per_day: Counter[str] = Counter(dict.fromkeys((t.date().isoformat() for t in expected), 0))
    per_day.update(t.date().isoformat() for t in missing)
    n, m, u = len(expected), len(missing), len(unavailable)
    noaa = find_gaps(expected, set(unavailable), NOAA_GAP)
    return {
        "expected": n,
        "present": n - m - u,
        "missing": m,
        "missing_percent": round(100 * m / n, 2) if n else 0.0,
        "damaged": len(damaged),
        "never_produced": u,
        "gaps": len(gaps),
        "longest_gap": None if longest is None else gap_dict(longest) | {"description": longest.describe()},
        "missing_per_day": dict(per_day),
        "noaa_gaps": len(noaa),
    }


def format_summary(
    expected: Sequence[datetime],
    missing: Sequence[datetime],
    *,
    title: str | None = None,
    max_lines: int = 20,
    unavailable: Sequence[datetime] = (),
    damaged: Sequence[datetime] = (),
) -> str:
    """The human summary: totals, the gaps (up to ``max_lines``), NOAA's gaps and the days with missing slots.
    Damaged slots are counted apart (``present 10, damaged 3, missing 5``) and are in the gaps (to fill)."""
    s = summarize(expected, missing, unavailable, damaged)
    lines = [title] if title else []
    counts = f"Expected {s['expected']:,}, present {s['present']:,}"
    if damaged:
        counts += f", damaged {len(damaged):,}"
    counts += f", missing {s['missing'] - len(damaged):,}"
    never = f", {s['never_produced']:,} never produced by NOAA" if s["never_produced"] else ""
    lines.append(f"{counts} ({s['missing_percent']}%){never}")
    noaa = find_gaps(expected, set(unavailable), NOAA_GAP)
    if noaa:
        lines.append(f"{len(noaa)} NOAA gap{'s' if len(noaa) != 1 else ''} (nothing to fetch):")
        lines.extend(f"  {gap.describe()}" for gap in noaa[:max_lines])
        if len(noaa) > max_lines:
            lines.append(f"  ... and {len(noaa) - max_lines} more")
    if not s["gaps"]:
        lines.append("No gaps." if not noaa else "No gaps to fill.")
        return "\n".join(lines)
    gaps = find_gaps(expected, missing)
    lines.append(f"{len(gaps)} gap{'s' if len(gaps) != 1 else ''}; longest: {s['longest_gap']['description']}")
    lines.extend(f"  {gap.describe()}" for gap in gaps[:max_lines])
    if len(gaps) > max_lines:
        lines.append(f"  ... and {len(gaps) - max_lines} more")
    totals = Counter(t.date().isoformat() for t in expected)
    days = [(day, count) for day, count in s["missing_per_day"].items() if count]
    lines.append("Missing per day:")
    lines.extend(f"  {day}  {count:,} of {totals[day]:,}" for day, count in days[:max_lines])
    if len(days) > max_lines:
        lines.append(f"  ... and {len(days) - max_lines} more days")
    return "\n".join(lines)


def integrity_list(title: str, items: Mapping[datetime, Damage], listed: int = 10) -> str:
    """``title (N):`` and one line per damaged file or non-frame (the first ``listed``), time order."""
    lines = [f"{title} ({len(items)}):"]
    lines += [
        f"  {t:%Y-%m-%d %H:%M} UTC  {safe_text(d.path.name)}: {safe_text(d.reason)}"
        for t, d in sorted(items.items())[:listed]
    ]
    if len(items) > listed:
        lines.append(f"  ... and {len(items) - listed} more")
    return "\n".join(lines)
