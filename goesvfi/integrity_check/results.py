"""Value types shared by the core, the CLI and the view model: progress, per-slot results, gaps.

Pure: no I/O, no Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path

from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.time_index import DEFAULT_BAND, SatellitePattern, Sector


class Stage(Enum):
    SCAN = "scan"
    PLAN = "plan"
    LIST = "list"
    FETCH = "fetch"
    RENDER = "render"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Progress:
    """One progress report from the core. ``file_done``/``file_total`` are bytes of ``current_file``.

    ``result``: a fetch reports each slot's final result (fetched, failed, found present, not attempted) as
    soon as that slot is done, so a view can update its row before the whole fetch ends.
    """

    done: int
    total: int
    stage: Stage
    message: str = ""
    current_file: str | None = None
    file_done: int = 0
    file_total: int | None = None
    result: SlotResult | None = None

    @property
    def fraction(self) -> float:
        return 0.0 if self.total <= 0 else min(1.0, self.done / self.total)


ProgressSink = Callable[[Progress], None]
"""The core's progress callback type."""
LegacyProgress = Callable[[int, int, str], None]
"""The seed's ``progress_callback(current, total, message)``."""


def progress_adapter(callback: ProgressSink | LegacyProgress | None) -> ProgressSink:
    """Accept either callback shape and return one that takes :class:`Progress`.

    A callable taking three positional parameters is treated as the seed's ``(current, total, message)``.
    """
    if callback is None:
        return lambda _p: None
    import inspect

    try:
        params = [
            p
            for p in inspect.signature(callback).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
        ]
        legacy = len(params) >= 3
    except (TypeError, ValueError):
        legacy = False
    if legacy:
        cb3: LegacyProgress = callback  # type: ignore[assignment]
        return lambda p: cb3(p.done, p.total, p.message)
    cb1: ProgressSink = callback  # type: ignore[assignment]
    return cb1


class SlotStatus(Enum):
    PRESENT = "present"
    MISSING = "missing"  # not in the folder; NOAA has it, or availability was not checked
    FETCHED = "fetched"
    FAILED = "failed"
    UNAVAILABLE = "unavailable"  # not in the folder and no NOAA source has it (``SlotResult.error`` says why)
    DAMAGED = "damaged"  # a file covers it but is not a whole frame (``SlotResult.error`` says why)


class Source(Enum):
    LOCAL = "local"
    CDN = "cdn"
    S3 = "s3"


@dataclass(slots=True)
class SlotResult:
    """What is known about one expected scan time."""

    timestamp: datetime
    satellite: SatellitePattern
    sector: Sector
    band: int = DEFAULT_BAND
    status: SlotStatus = SlotStatus.MISSING
    source: Source | None = None
    path: Path | None = None
    remote: str | None = None  # URL or S3 key
    error: str | None = None
    look: str | None = None  # present frames: "ok" or "mismatch" against the folder's look (when checked)


@dataclass(frozen=True, slots=True)
class Damage:
    """A file that covers a slot by its name but is no usable frame: damaged (a product's name: fetch moves it
    to the quarantine folder when it replaces it), or not a frame at all (a generic name whose image is
    damaged or does not match the folder's look: never touched)."""

    path: Path
    reason: str


@dataclass(frozen=True, slots=True)
class Gap:
    """A run of consecutive missing slots (or, with ``what="never produced by NOAA"``, unavailable ones)."""

    start: datetime
    end: datetime  # the last missing slot (inclusive)
    count: int
    what: str = "missing"

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def describe(self) -> str:
        same_day = self.start.date() == self.end.date()
        end = self.end.strftime("%H:%M") if same_day else self.end.strftime("%Y-%m-%d %H:%M")
        if self.count == 1:
            return f"{self.start:%Y-%m-%d %H:%M} UTC, 1 {self.what}"
        return f"{self.start:%Y-%m-%d %H:%M} -> {end} UTC, {self.count} {self.what}"


NOAA_GAP = "never produced by NOAA"


def find_gaps(
    expected: Sequence[datetime], missing: Sequence[datetime] | set[datetime], what: str = "missing"
) -> list[Gap]:
    """Group missing slots that are consecutive in ``expected`` into gaps.

    Slots of ``expected`` that are neither missing nor present (unavailable ones, when ``missing`` lists the
    fillable slots) end a gap: a fillable gap and a NOAA gap are never one run.
    """
    missing_set = set(missing)
    gaps: list[Gap] = []
    run: list[datetime] = []
    for slot in expected:
        if slot in missing_set:
            run.append(slot)
        elif run:
            gaps.append(Gap(run[0], run[-1], len(run), what))
            run = []
    if run:
        gaps.append(Gap(run[0], run[-1], len(run), what))
    return gaps


@dataclass(frozen=True, slots=True)
class IntervalInfo:
    """How ``--interval 0`` chose the interval: from how many steps between files, and whether they agree."""

    minutes: int
    phase: int | None
    steps: int  # steps between consecutive files that support ``minutes``
    detected: bool  # False: the sector's schedule (too few files to tell)
    disagree: str | None = None  # a warning when the folder's steps disagree


@dataclass(slots=True)
class ScanResult:
    """The outcome of a scan: expected slots, which are present (with their files) and which are missing."""

    query: ArchiveQuery  # the archive and range scanned, with the interval the scan used
    expected: list[datetime]
    existing: dict[datetime, Path]
    missing: list[datetime]
    warnings: list[str] = field(default_factory=list)
    from_cache: bool = False
    # Slots no NOAA source has (slot -> reason); they are not in ``missing``. See ``remote/availability.py``.
    unavailable: dict[datetime, str] = field(default_factory=dict)
    # None: availability was not asked; True: the listings were read; False: asked, but unknown (offline ...).
    availability_checked: bool | None = None
    interval_info: IntervalInfo | None = None
    # A GOES-East/West scan: the satellite of each slot that is not ``satellite`` (see ``scan/view.py``).
    satellites: dict[datetime, SatellitePattern] = field(default_factory=dict)
    # Slots whose file is damaged (also in ``missing``: no usable frame), and slots whose only file is not a frame
    # (a generic name that is damaged or not of the folder's look; also in ``missing``). See ``scan/integrity.py``.
    damaged: dict[datetime, Damage] = field(default_factory=dict)
    not_frames: dict[datetime, Damage] = field(default_factory=dict)
    # The folder's look the scan decided (``Look.key``: ``2500x1500/RGB/star``; None: no frame decides it, the
    # settings do), the present frames whose look differs from it, and how many present frames have an image look.
    folder_look: str | None = None
    off_look: list[datetime] = field(default_factory=list)
    looked: int = 0
    frames_checked: int = 0  # frames read by this scan's integrity check (0: every verdict came from the cache)

    @property
    def satellite(self) -> SatellitePattern:
        return self.query.satellite

    @property
    def sector(self) -> Sector:
        return self.query.sector

    @property
    def band(self) -> int:
        return self.query.band

    @property
    def start(self) -> datetime:
        return self.query.start

    @property
    def end(self) -> datetime:
        return self.query.end

    @property
    def interval_minutes(self) -> int:
        """The interval the scan used (detected when the query asked for 0)."""
        return self.query.interval_minutes

    @property
    def gaps(self) -> list[Gap]:
        """Fillable gaps: runs of missing slots (unavailable slots split them)."""
        return find_gaps(self.expected, self.missing)

    @property
    def noaa_gaps(self) -> list[Gap]:
        """Runs of slots NOAA never produced (or no source has)."""
        return find_gaps(self.expected, set(self.unavailable), NOAA_GAP)

    @property
    def present_count(self) -> int:
        return len(self.expected) - len(self.missing) - len(self.unavailable)

    def existing_strings(self) -> dict[datetime, str]:
        """``existing`` with the paths as strings. A scan's lazy result builds no ``Path`` for it: a long-lived
        view (the window's table) keeps 100,000 strings, which the garbage collector never visits, instead of
        100,000 ``Path`` objects (and their lists of parts), which every full collection walks."""
        return {ts: str(path) for ts, path in self.existing.items()}

    def slots(self) -> list[SlotResult]:
        out = []
        unavailable, satellites = self.unavailable, self.satellites
        q = self.query
        satellite, sector, band = q.satellite, q.sector, q.band
        for ts in self.expected:
            path = self.existing.get(ts)
            sat = satellites.get(ts, satellite) if satellites else satellite
            if path is not None:
                out.append(SlotResult(ts, sat, sector, band, SlotStatus.PRESENT, Source.LOCAL, path))
            elif ts in self.damaged:
                damage = self.damaged[ts]
                out.append(
                    SlotResult(
                        ts, sat, sector, band, SlotStatus.DAMAGED, Source.LOCAL, damage.path, error=damage.reason
                    )
                )
            elif ts in unavailable:
                out.append(SlotResult(ts, sat, sector, band, SlotStatus.UNAVAILABLE, error=unavailable[ts]))
            else:
                out.append(SlotResult(ts, sat, sector, band))
        return out

    def as_dict(self) -> dict[str, object]:
        """The seed's result dict: ``missing``, ``existing``, ``total``/``expected``, ``interval_minutes``..."""
        return {
            "missing": list(self.missing),
            "unavailable": sorted(self.unavailable),
            "unavailable_reasons": dict(self.unavailable),
            "existing": sorted(self.existing),
            "existing_files": dict(self.existing),
            "expected": list(self.expected),
            "total": len(self.expected),
            "interval_minutes": self.interval_minutes,
            "satellite": self.satellite,
            "sector": self.sector,
            "band": self.band,
            "start": self.start,
            "end": self.end,
            "gaps": self.gaps,
            "warnings": list(self.warnings),
            "damaged": {ts: (str(d.path), d.reason) for ts, d in sorted(self.damaged.items())},
            "not_frames": {ts: (str(d.path), d.reason) for ts, d in sorted(self.not_frames.items())},
            "from_cache": self.from_cache,
            "result": self,
        }


def satellites_line(slots: Iterable[SlotResult]) -> str:
    """``Frames by satellite: GOES-16 12 (14:01 -> 14:56 UTC), GOES-19 11 (...)``: the satellite of each frame
    present or fetched (a GOES-East/West run names them)."""
    frames: dict[str, list[datetime]] = {}
    for slot in slots:
        if slot.status in (SlotStatus.PRESENT, SlotStatus.FETCHED):
            frames.setdefault(slot.satellite.display_name, []).append(slot.timestamp)
    if not frames:
        return "Frames by satellite: none"
    parts = [
        f"{name} {len(times)} ({min(times):%Y-%m-%d %H:%M} -> {max(times):%Y-%m-%d %H:%M} UTC)"
        for name, times in sorted(frames.items(), key=lambda item: min(item[1]))
    ]
    return "Frames by satellite: " + ", ".join(parts)
