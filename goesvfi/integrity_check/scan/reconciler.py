"""Scan a folder for the scan times it should hold: :func:`scan_directory` (async) and :class:`Reconciler`
(the seed's synchronous API).

The walk and the matching run in a worker thread; the cache (:class:`CacheDB`) keeps each directory's parsed
names, so a rescan of an unchanged folder reads a few stats and blobs instead of every name (see
``scan_index``). Which file covers which slot is decided in ``coverage``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from goesvfi.integrity_check.cache.db import CacheDB, CacheError, DirRecord
from goesvfi.integrity_check.look.decide import decide_look
from goesvfi.integrity_check.query import ArchiveQuery, QueryError
from goesvfi.integrity_check.remote.availability import apply_availability, known_unavailable
from goesvfi.integrity_check.results import (
    Damage,
    IntervalInfo,
    LegacyProgress,
    Progress,
    ProgressSink,
    ScanResult,
    Stage,
    progress_adapter,
)
from goesvfi.integrity_check.scan.coverage import (
    COVER_BEFORE_MS,
    assign,
    detect_interval_info,
    matching,
    slot_runs,
    to_ms,
)
from goesvfi.integrity_check.scan.fast_names import is_generic, key_rank, unpack_key
from goesvfi.integrity_check.scan.index import WalkResult, walk
from goesvfi.integrity_check.scan.integrity import IntegrityRun, Verdicts
from goesvfi.integrity_check.time_index import (
    DEFAULT_BAND,
    SatellitePattern,
    Sector,
    expected_slots,
    iso_z,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
AnyProgress = ProgressSink | LegacyProgress | None
LONGEST_CADENCE = 15  # minutes (Mode 3 full disk): a longer range always holds a slot


class ScanInputError(QueryError):
    """Bad scan input (a folder that is missing or unreadable, a range without scan times); one line for the user."""


# --------------------------------------------------------------------------------------------------
# The result: paths of present files are built on first use of ``existing``
# --------------------------------------------------------------------------------------------------

_EXISTING_SLOT: Any = vars(ScanResult)["existing"]
_PATH = type(Path())  # PosixPath / WindowsPath: skips Path's per-call class dispatch (100,000 paths)
_PENDING: dict[datetime, Path] = {}


class LazyScanResult(ScanResult):
    """A :class:`ScanResult` whose ``existing`` dict is built when first read.

    Everything else is computed by the scan. Building 100,000 ``Path`` objects takes longer than a warm scan
    itself, and many callers (the CLI's summary, the JSON output, the gap list) never need them.
    """

    __slots__ = ("_build", "_build_strings")

    def __init__(
        self,
        *args: Any,
        build: Callable[[], dict[datetime, Path]] | None = None,
        build_strings: Callable[[], dict[datetime, str]] | None = None,
        **fields: Any,
    ) -> None:
        self._build = build  # None: ``existing`` is given (dataclasses.replace, copies)
        self._build_strings = build_strings
        if build is not None:
            fields["existing"] = _PENDING
        super().__init__(*args, **fields)

    def __reduce__(self) -> tuple[type[ScanResult], tuple[Any, ...]]:
        """Copies and pickles are plain :class:`ScanResult` objects (with ``existing`` built)."""
        return ScanResult, tuple(getattr(self, f.name) for f in dataclasses.fields(ScanResult))

    @property
    def existing(self) -> dict[datetime, Path]:
        try:
            value: dict[datetime, Path] = _EXISTING_SLOT.__get__(self, ScanResult)
        except AttributeError:
            if self._build is None:
                raise
            value = self._build()
            _EXISTING_SLOT.__set__(self, value)
        return value

    @existing.setter
    def existing(self, value: dict[datetime, Path]) -> None:
        if value is not _PENDING:
            _EXISTING_SLOT.__set__(self, value)

    def existing_strings(self) -> dict[datetime, str]:
        """The paths as strings, without building (or keeping) ``Path`` objects while ``existing`` is unread."""
        try:
            _EXISTING_SLOT.__get__(self, ScanResult)
        except AttributeError:
            if self._build_strings is not None:
                return self._build_strings()
        return super().existing_strings()


# --------------------------------------------------------------------------------------------------
# Scanning
# --------------------------------------------------------------------------------------------------


def check_folder(directory: Path | str) -> str:
    """The folder as an absolute real path; ScanInputError if it is missing, not a folder, or unreadable."""
    directory = Path(directory).expanduser()
    if not directory.exists():
        raise ScanInputError(f"folder {directory} does not exist")
    if not directory.is_dir():
        raise ScanInputError(f"{directory} is not a folder")
    try:
        with os.scandir(directory):
            pass
    except OSError as exc:
        raise ScanInputError(f"folder {directory} cannot be read: {exc.strerror or exc}") from exc
    return os.path.realpath(directory)


def _no_slots(q: ArchiveQuery) -> ScanInputError:
    every = f"every {q.interval_minutes} min" if q.interval_minutes else "on the scan schedule"
    return ScanInputError(
        f"no {q.satellite.display_name} {q.sector.display_name} scan times ({every}) between "
        f"{iso_z(q.start)} and {iso_z(q.end)}: widen the range"
    )


def _expected(q: ArchiveQuery, times: np.ndarray) -> tuple[list[datetime], int, int, IntervalInfo | None]:
    """(expected slots, interval used, interval for slot_runs: 0 = the sector's own cadence per Mode, how
    ``--interval 0`` chose it: None when an interval was given)."""
    if q.interval_minutes > 0:
        slots = expected_slots(q.sector, q.start, q.end, q.interval_minutes)
        return slots, q.interval_minutes, q.interval_minutes, None
    native = q.sector.cadence(q.start)
    info = detect_interval_info(times, native, native)
    if info.phase is None or (info.minutes == native and info.phase == q.sector.schedule(q.start)[1]):
        # Too few files, or exactly the schedule: follow it (also across the Mode 3 -> Mode 6 change).
        info = dataclasses.replace(info, minutes=native)
        return expected_slots(q.sector, q.start, q.end), native, 0, info
    slots = expected_slots(q.sector, q.start, q.end, info.minutes, info.phase)
    return slots, info.minutes, info.minutes, info


@dataclass(frozen=True, slots=True)
class _Present:
    """Which file covers which slot: indices into the expected slots and into the walk's concatenated files;
    ``generic``: the slot indices whose file has a generic name (no satellite)."""

    slot_idx: np.ndarray
    file_idx: np.ndarray
    generic: frozenset[int]


def _match(walked: WalkResult, q: ArchiveQuery) -> tuple[LazyScanResult, _Present]:
    """Expected slots, which are covered and by which file (blocking; a few ms for 100k files)."""
    dirs = walked.dirs
    times = np.concatenate([d.times for d in dirs]) if dirs else np.zeros(0, np.int64)
    keys = np.concatenate([d.keys for d in dirs]) if dirs else np.zeros(0, np.int32)
    start_ms, end_ms = to_ms(q.start), to_ms(q.end)
    ours = matching(keys, q.satellite, q.sector, q.band) & (times < end_ms)
    expected, used, run_interval, info = _expected(q, times[ours & (times >= start_ms)])
    if not expected:
        raise _no_slots(q.with_interval(used))
    sel = np.flatnonzero(ours & (times >= start_ms - COVER_BEFORE_MS))
    slot_idx, local = assign(times[sel], key_rank(keys[sel]), slot_runs(expected, q.sector, run_interval))
    file_idx = sel[local]
    is_missing = np.ones(len(expected), dtype=bool)
    is_missing[slot_idx] = False
    missing = [expected[i] for i in np.flatnonzero(is_missing).tolist()]

    def build_strings() -> dict[datetime, str]:
        # Comprehensions, not ``list.extend(map(...))`` / ``dict(zip(...))``: those are one C call each over
        # 100,000 items that never lets another thread take the GIL (a 10-40 ms stall of the window when the
        # scan runs in its worker thread); Python's loop hands the GIL over every switch interval.
        paths: list[str] = []  # every frame's path, in the order of the concatenated arrays
        for folder in dirs:
            prefix = folder.path + os.sep
            paths += [prefix + name for name in folder.names()]
        return {expected[k]: paths[i] for k, i in zip(slot_idx.tolist(), file_idx.tolist(), strict=True)}

    def build() -> dict[datetime, Path]:
        strings = build_strings()
        return dict(zip(strings, map(_PATH, strings.values()), strict=True))

    warnings = list(walked.warnings) + ([info.disagree] if info is not None and info.disagree else [])
    if not len(slot_idx):
        hint = _other_archive(keys[(times >= start_ms) & (times < end_ms)], q)
        warnings += [hint] if hint else []
    generic = frozenset(slot_idx[is_generic(keys[file_idx])].tolist()) if len(file_idx) else frozenset()
    present = _Present(slot_idx, file_idx, generic)
    result = LazyScanResult(
        build=build,
        build_strings=build_strings,
        query=q.with_interval(used),
        expected=expected,
        missing=missing,
        warnings=warnings,
        from_cache=not walked.changed,
        interval_info=info,
    )
    return result, present


def _other_archive(keys: np.ndarray, q: ArchiveQuery) -> str | None:
    """When none of the range's files is of the asked archive but others are: which archive the folder holds."""
    if not len(keys):
        return None
    values, counts = np.unique(keys // 4, return_counts=True)  # the archive, whatever the naming
    best = int(values[np.argmax(counts)]) * 4
    satellite, sector, band, _kind = unpack_key(best)
    if satellite is SatellitePattern.GENERIC:
        return None
    what = (
        " ".join(
            [satellite.display_name, sector.display_name if sector else "", f"band {band}" if band is not None else ""]
        )
        .replace("  ", " ")
        .strip()
    )
    asked = f"{q.satellite.display_name} {q.sector.display_name} band {q.band}"
    return (
        f"no {asked} frame in the range, but the folder holds {int(np.max(counts)):,} frames of {what} in it: "
        "check --satellite, --sector and --band (the window's Detect reads them from the names)"
    )


async def _cached_dirs(cache: CacheDB | None, root: str) -> dict[str, DirRecord]:
    if cache is None:
        return {}
    try:
        return await cache.load_dirs(root)
    except CacheError as exc:
        log.warning("Scanning without the cache: %s", exc)
        return {}


async def _store(cache: CacheDB | None, root: str, walked: WalkResult, result: ScanResult) -> None:
    if cache is None:
        return
    try:
        records = await asyncio.to_thread(lambda: [d.to_record() for d in walked.changed])
        await cache.save_dirs(records, walked.removed)
        await cache.record_scan(root, result)
    except CacheError as exc:
        log.warning("The scan result was not cached: %s", exc)


async def scan_directory(
    directory: Path | str,
    query: ArchiveQuery,
    *,
    cache: CacheDB | None = None,
    progress: AnyProgress = None,
    force_rescan: bool = False,
    verify: bool = False,
    audit: int = 0,
    look_size: tuple[int, int] | None = None,
) -> ScanResult:
    """Which of ``query``'s expected scan times ``directory`` (walked recursively) holds, and which are missing.

    ``query.interval_minutes`` 0 detects interval and phase from the matching files in range (falling back to
    the sector's cadence); a larger interval keeps the sector's phase. ``cache`` None scans without a cache;
    ``force_rescan`` re-reads every directory and every frame's identity. Every present frame is checked
    structurally (cached; see ``scan/integrity.py``); ``verify`` decodes each fully, ``audit`` that many (the
    longest unverified first); ``look_size``: a frame size the user gave (``--size``), plausible for the look
    whatever the sector's shape. Damaged frames and files that are not frames count as missing (``damaged``,
    ``not_frames``). ``progress`` takes a :class:`Progress` or the seed's
    ``(current, total, message)``. Raises :class:`ScanInputError` for a missing/unreadable folder or a range
    without slots; a satellite without data for the dates is a warning in ``ScanResult.warnings``.
    """
    start, end, interval_minutes = query.start, query.end, query.interval_minutes
    if end - start < timedelta(minutes=max(interval_minutes, LONGEST_CADENCE)) and not expected_slots(
        query.sector, start, end, interval_minutes
    ):
        raise _no_slots(query)
    sink = progress_adapter(progress)
    root = await asyncio.to_thread(check_folder, directory)
    cached = await _cached_dirs(cache, root)
    loop = asyncio.get_running_loop()
    cancel = threading.Event()

    def report(done: int, known: int, path: str) -> None:
        message = f"Scanning {path}"
        loop.call_soon_threadsafe(sink, Progress(done, known, Stage.SCAN, message, current_file=path))

    def blocking() -> tuple[WalkResult, tuple[LazyScanResult, _Present]]:
        walked = walk(root, cached, force=force_rescan, cancel=cancel, report=report)
        return walked, _match(walked, query)

    def checked(done: int, total: int) -> None:
        message = f"Checking frames: {done:,} of {total:,}"
        loop.call_soon_threadsafe(sink, Progress(done, total, Stage.SCAN, message))

    sink(Progress(0, 1, Stage.SCAN, f"Scanning {root}", current_file=root))
    try:
        walked, (result, present) = await asyncio.to_thread(blocking)
        run = IntegrityRun(
            walked.dirs, present.slot_idx, present.file_idx, verify, audit, force_rescan, progress=checked
        )
        await run.load(cache)
        verdicts = await asyncio.to_thread(run.check)
    finally:
        cancel.set()  # stops the walk if this task was cancelled; harmless once it has finished
    await asyncio.to_thread(apply_integrity, result, verdicts, present.generic, run.checked, look_size)
    warning = query.coverage_warning()
    if warning:
        result.warnings.insert(0, warning)
    if result.missing:  # slots of a dated special timeline NOAA never scanned (GOES-17 cooling): no I/O
        known = known_unavailable(query.satellite, query.sector, result.missing, result.interval_minutes)
        if known:
            apply_availability(result, None, known)
    await _store(cache, root, walked, result)
    await run.save(cache)
    summary = f"Scan complete: {result.present_count} of {len(result.expected)} present, {len(result.missing)} missing"
    if result.damaged:
        summary += f" ({len(result.damaged)} damaged)"
    if result.unavailable:
        summary += f", {len(result.unavailable)} never produced by NOAA"
    sink(Progress(len(walked.dirs), len(walked.dirs), Stage.SCAN, summary))
    return result


def apply_integrity(
    result: ScanResult,
    verdicts: Verdicts,
    generic: frozenset[int],
    checked: int,
    look_size: tuple[int, int] | None = None,
) -> None:
    """Damaged frames and files that are not frames leave ``existing`` for ``missing``; the folder's look and the
    frames off it are recorded (blocking: builds the paths only when a slot changes or a frame is off the look)."""
    expected = result.expected
    result.frames_checked = checked
    for k, (path, reason) in verdicts.damaged.items():
        if k in generic:
            result.not_frames[expected[k]] = Damage(Path(path), f"not a frame: {reason}")
        else:
            result.damaged[expected[k]] = Damage(Path(path), reason)
    mask = np.zeros(len(expected), dtype=bool)
    mask[list(generic)] = True
    named = {key: slots[~mask[slots]] for key, slots in verdicts.looks.items()}
    generic_looks = {int(k): verdicts.look_of(k) for k in generic if k not in verdicts.damaged}
    decision = decide_look(named, generic_looks, result.sector, accepted=look_size)
    result.folder_look = None if decision.look is None else decision.look.key
    gone = {expected[k] for k in decision.not_frames}
    strings = result.existing_strings() if gone or decision.implausible else {}
    for k, reason in decision.not_frames.items():
        result.not_frames[expected[k]] = Damage(Path(strings[expected[k]]), reason)
    off = decision.off_look
    result.off_look = [expected[k] for k in off.tolist()]
    result.looked = decision.looked
    if decision.implausible:
        names = ", ".join(os.path.basename(strings[expected[k]]) for k in decision.implausible[:5])
        more = " ..." if len(decision.implausible) > 5 else ""
        result.warnings.append(
            f"{len(decision.implausible)} frames have an image size a {result.sector.display_name} frame cannot "
            f"have, so they do not decide the folder's look: {names}{more}"
        )
    gone |= set(result.damaged) | set(result.not_frames)
    if gone:
        result.existing = {ts: path for ts, path in result.existing.items() if ts not in gone}
        result.missing = sorted(set(result.missing) | gone)


# --------------------------------------------------------------------------------------------------
# The seed's synchronous API
# --------------------------------------------------------------------------------------------------


def run_sync(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine from sync code; inside a running event loop it runs on a loop in a worker thread."""

    async def main() -> T:
        return await factory()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="goesvfi-scan") as pool:
        return pool.submit(lambda: asyncio.run(main())).result()


class Reconciler:
    """The seed's scanner: ``Reconciler().scan_date_range(start_date=..., end_date=..., ...)`` returns a dict.

    Uses ``cache_db`` if given, else a :class:`CacheDB` at ``cache_path`` (default: the user's cache folder).
    The cache connection is released after each call. Callable from plain code and from inside a running event
    loop (the scan then runs on a worker thread, and progress is reported from there); async code may prefer
    ``await scan_directory(...)``.
    """

    def __init__(self, cache_db: CacheDB | None = None, cache_path: str | Path | None = None) -> None:
        self.cache_db = cache_db if cache_db is not None else CacheDB(cache_path)

    def scan_date_range(
        self,
        start_date: datetime,
        end_date: datetime,
        satellite_pattern: SatellitePattern,
        base_directory: Path | str,
        interval_minutes: int = 0,
        *,
        sector: Sector = Sector.CONUS,
        band: int = DEFAULT_BAND,
        progress_callback: AnyProgress = None,
        force_rescan: bool = False,
    ) -> dict[str, object]:
        """Scan ``base_directory`` for ``[start_date, end_date)``; see :meth:`ScanResult.as_dict` for the keys
        (``missing``, ``existing``, ``expected``, ``total``, ``interval_minutes``, ``gaps``, ``warnings`` ...)."""

        query = ArchiveQuery(satellite_pattern, start_date, end_date, sector, band, interval_minutes)

        async def scan() -> ScanResult:
            try:
                return await scan_directory(
                    base_directory, query, cache=self.cache_db, progress=progress_callback, force_rescan=force_rescan
                )
            finally:
                await self.cache_db.close()

        return run_sync(scan).as_dict()
