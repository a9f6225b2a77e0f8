"""How one kept product is doing, for ``goesvfi-integrity status``: the folder's scan over the watch window, plus
the record its watcher left (:mod:`.watch_record`). Qt-free; one call per product, so an archive of many products
is a loop.

A product needs a look (:attr:`ProductStatus.ok` False) when its newest frame is older than ``stale``, a frame NOAA
has is missing for longer than ``gap_age``, its watcher's last cycle failed, or the watcher missed its next run by
more than ``stale``. Slots the watcher found at no NOAA source are not gaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from goesvfi.integrity_check.cache.db import CacheDB
from goesvfi.integrity_check.query import ArchiveQuery, ViewQuery
from goesvfi.integrity_check.results import Gap, ScanResult, find_gaps
from goesvfi.integrity_check.scan.reconciler import scan_directory
from goesvfi.integrity_check.scan.view import scan_view
from goesvfi.integrity_check.time_index import iso_z, to_utc
from goesvfi.integrity_check.units import readable_duration
from goesvfi.integrity_check.watch import trailing_window
from goesvfi.integrity_check.watch_record import CycleRecord, WatchProduct, overdue, read_record


@dataclass(frozen=True, slots=True)
class StatusRules:
    window: timedelta = timedelta(hours=24)
    latency: timedelta = timedelta(minutes=20)
    stale: timedelta = timedelta(hours=1)
    gap_age: timedelta = timedelta(hours=2)
    interval_minutes: int = 0  # 0: the sector's cadence, as watch


@dataclass(frozen=True, slots=True)
class ProductStatus:
    product: WatchProduct
    now: datetime
    window_start: datetime
    window_end: datetime
    expected: int
    present: int
    unavailable: int  # slots of the window the watcher found at no NOAA source
    gaps: list[Gap]  # runs of missing slots NOAA has (or may have)
    newest: datetime | None
    record: CycleRecord | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def completeness(self) -> float:
        """Present frames over the slots NOAA produced (all present: 1.0; an empty window: 1.0)."""
        wanted = self.expected - self.unavailable
        return self.present / wanted if wanted > 0 else 1.0

    @property
    def missing(self) -> int:
        return sum(g.count for g in self.gaps)

    def line(self) -> str:
        p = self.product
        age = f"newest {readable_duration(self.now - self.newest)} ago" if self.newest else "no frame in the window"
        if self.record is None:
            cycle = "no watch record"
        else:
            cycle = f"last cycle {iso_z(self.record.started)} {self.record.outcome}"
        n = len(self.gaps)
        gaps = f"{n} open gap{'s' if n != 1 else ''} ({self.missing} frames)" if n else "no open gaps"
        head = (
            f"{p.who} {p.sector.display_name} band {p.band} {p.folder}: "
            f"{100 * self.completeness:.1f}% ({self.present}/{self.expected - self.unavailable}), {age}, {cycle}, "
            f"{gaps}"
        )
        return head + (" - OK" if self.ok else " - NEEDS A LOOK: " + "; ".join(self.problems))

    def as_json(self) -> dict[str, Any]:
        return {
            "product": self.product.labels,
            "ok": self.ok,
            "problems": list(self.problems),
            "window_start": iso_z(self.window_start),
            "window_end": iso_z(self.window_end),
            "expected": self.expected,
            "present": self.present,
            "unavailable": self.unavailable,
            "missing": self.missing,
            "completeness": round(self.completeness, 6),
            "newest_frame": iso_z(self.newest) if self.newest else None,
            "newest_frame_age_seconds": (self.now - self.newest).total_seconds() if self.newest else None,
            "gaps": [{"start": iso_z(g.start), "end": iso_z(g.end), "count": g.count} for g in self.gaps],
            "last_cycle": None if self.record is None else self.record.to_json() | {"outcome": self.record.outcome},
        }


async def product_status(
    product: WatchProduct,
    *,
    now: datetime,
    rules: StatusRules | None = None,
    cache: CacheDB | None = None,
    force_rescan: bool = False,
    verify: bool = False,
) -> ProductStatus:
    """Scan ``product``'s folder over the watch window at ``now`` and judge it (raises ScanInputError for a folder
    that cannot be read, ValueError for a damaged watch record). ``force_rescan``/``verify``: as ``scan``'s."""
    rules = rules or StatusRules()
    now = to_utc(now)
    start, end = trailing_window(now, rules.window, rules.latency)
    interval = rules.interval_minutes or product.sector.cadence(start)

    async def scan_one(query: ArchiveQuery) -> ScanResult:
        return await scan_directory(product.folder, query, cache=cache, force_rescan=force_rescan, verify=verify)

    if product.view is not None:  # each slot of the window belongs to the satellite operational then
        view = ViewQuery(product.view, start, end, product.sector, product.band, interval)
        scan = (await scan_view(view, scan_one)).merged
    else:
        scan = await scan_one(ArchiveQuery(product.satellite, start, end, product.sector, product.band, interval))
    record = read_record(product)
    noaa_lacks = {t for t in (record.unavailable if record else []) if start <= t < end}
    missing = [t for t in scan.missing if t not in noaa_lacks]
    newest = max(scan.existing, default=None)
    problems: list[str] = []
    if newest is None:
        problems.append("no frame in the window")
    elif now - newest > rules.stale:
        problems.append(f"the newest frame is {readable_duration(now - newest)} old")
    old = [t for t in missing if t < now - rules.gap_age]
    if old:
        problems.append(f"{len(old)} frames missing for over {readable_duration(rules.gap_age)}")
    if record is not None:
        if not record.ok and not record.busy:
            problems.append(f"the last cycle {record.outcome}")
        if overdue(record, now, rules.stale):
            assert record.next_run is not None
            problems.append(f"the watcher missed its run due {iso_z(record.next_run)}")
    return ProductStatus(
        product=product,
        now=now,
        window_start=start,
        window_end=end,
        expected=len(scan.expected),
        present=len(scan.existing),
        unavailable=len(noaa_lacks & set(scan.expected)),
        gaps=find_gaps(scan.expected, missing),
        newest=newest,
        record=record,
        problems=problems,
    )
