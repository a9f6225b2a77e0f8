"""Keep an archive complete unattended: every period, reconcile the trailing window and fetch what is missing.

Qt-free core shared by ``goesvfi-integrity watch`` and the tab's Auto-fetch: a :class:`WatchLoop` runs one
cycle (:meth:`WatchLoop.run_cycle`) or cycles until a stop event is set (:meth:`WatchLoop.run_forever`),
reporting each :class:`CycleResult` and the next run time to a callback.

A cycle reconciles ``[now - window, now - latency)`` (``latency``: NOAA needs about 20 minutes to publish a
scan), then prunes this tool's old frames when ``keep_days`` is set, unless the cycle gives reason to doubt the
clock (:func:`.folder.prune.prune_refusal`: every fetch failed, the clock far ahead of the newest frame, or too
large a share of the folder at once; ``CycleResult.prune_refused`` says why). The manager holds the folder's fetch lock
(:mod:`.folder.lock`) while it downloads, so a ``fetch`` run into the same folder never fetches the same slot;
a cycle that could not get the folder in time is reported as ``busy`` (skipped). The watch lock, held by
:meth:`WatchLoop.run_forever` and :meth:`WatchLoop.run_once`, keeps a second watcher away. Cycles run
on ticks aligned to the period (every 10 min: :00, :10, ...). A cycle that fails (an error, or NOAA down:
nothing fetched while new slots fail) is logged and retried on the next tick; consecutive failures back off
(1, 2, 4 ... periods, up to ``backoff_max``). The loop never exits on such an error; it stops when the stop
event is set, cancelling a running cycle (the manager leaves no partial files).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

from goesvfi.integrity_check.fetch.disk_guard import DiskSpaceError
from goesvfi.integrity_check.folder.lock import WATCH_LOCK, FolderLock, FolderLockedError, FolderLockError
from goesvfi.integrity_check.folder.prune import DEFAULT_MAX_SHARE, CycleEvidence, check_max_share, prune_frames_async
from goesvfi.integrity_check.query import ArchiveQuery, ViewQuery
from goesvfi.integrity_check.remote.base import RemoteError
from goesvfi.integrity_check.results import ProgressSink, SlotResult, SlotStatus
from goesvfi.integrity_check.time_index import DEFAULT_BAND, EPOCH, SatellitePattern, Sector, check_band, iso_z, to_utc
from goesvfi.integrity_check.time_index.operational import View, eras
from goesvfi.integrity_check.units import format_duration

log = logging.getLogger(__name__)

T = TypeVar("T")

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
CycleCallback = Callable[["CycleResult", datetime], None]
"""Called after every cycle with its result and the next run time (UTC)."""


def trailing_window(now: datetime, window: timedelta, latency: timedelta) -> tuple[datetime, datetime]:
    """``[now - window, now - latency)`` with both ends rounded up to the minute.

    Scan times fall on whole minutes, so the rounding keeps exactly the same slots and gives clean times.
    """
    now = to_utc(now)

    def ceil_minute(t: datetime) -> datetime:
        return EPOCH + timedelta(minutes=math.ceil((t - EPOCH).total_seconds() / 60))

    return ceil_minute(now - window), ceil_minute(now - latency)


def next_tick(after: datetime, every: timedelta) -> datetime:
    """The first multiple of ``every`` (counted from the Unix epoch, UTC) strictly after ``after``."""
    step = every.total_seconds()
    elapsed = (to_utc(after) - EPOCH).total_seconds()
    return EPOCH + timedelta(seconds=(math.floor(elapsed / step) + 1) * step)


def next_run_time(
    started: datetime, finished: datetime, every: timedelta, failures: int, backoff_max: timedelta
) -> datetime:
    """When to run again after a cycle that began at ``started`` and ended at ``finished``.

    The next tick after the start; after ``failures`` consecutive failing cycles, 2**(failures-1) periods later
    (at most ``backoff_max``, never less than one period); never in the past.
    """
    periods = 1
    if failures > 1:
        most = max(1, int(backoff_max.total_seconds() // every.total_seconds()))
        periods = min(2 ** min(failures - 1, 30), most)
    run = next_tick(started, every) + (periods - 1) * every
    return run if run > to_utc(finished) else next_tick(finished, every)


@dataclass(frozen=True, slots=True)
class WatchConfig:
    """What to keep complete, and how.

    ``interval_minutes`` 0: the sector's cadence (keeping its phase, e.g. CONUS :01, :06 ...); a larger value
    keeps every N minutes. ``keep_days`` None: never prune. ``dry_run``: pruning only lists. ``view``: GOES-East or
    GOES-West, each slot of a window from the satellite operational then (``satellite``: the view's latest).
    """

    directory: Path
    satellite: SatellitePattern
    sector: Sector = Sector.CONUS
    band: int = DEFAULT_BAND
    window: timedelta = timedelta(hours=24)
    every: timedelta = timedelta(minutes=10)
    latency: timedelta = timedelta(minutes=20)
    interval_minutes: int = 0
    keep_days: float | None = None
    dry_run: bool = False
    prune_max_share: float = DEFAULT_MAX_SHARE  # at most this share of the folder's frames pruned per cycle
    backoff_max: timedelta = timedelta(hours=1)
    lock_wait: float = 0.0  # seconds a second watcher waits for the first to stop
    audit: int = 0  # frames verified (decoded) per cycle, the longest unverified first: a rolling scrub
    view: View | None = None

    @property
    def satellites(self) -> tuple[SatellitePattern, ...]:
        """Whose frames are this archive's: the view's satellites, else the one satellite."""
        return tuple(e.satellite for e in eras(self.view)) if self.view is not None else (self.satellite,)

    def validate(self) -> WatchConfig:
        """Raise ValueError with a message for the user when the settings cannot work."""
        if self.satellite is SatellitePattern.GENERIC:
            raise ValueError("watch needs a real satellite (goes16 ... goes19)")
        check_band(self.band)
        if self.every < timedelta(seconds=1):
            raise ValueError("the period (--every) must be at least 1 second")
        if self.latency < timedelta(0):
            raise ValueError("the latency cannot be negative")
        if self.window <= self.latency:
            raise ValueError(
                f"the window ({format_duration(self.window)}) must be longer than the latency "
                f"({format_duration(self.latency)}): nothing would be checked"
            )
        if self.interval_minutes < 0:
            raise ValueError("the interval cannot be negative")
        if self.lock_wait < 0:
            raise ValueError("the lock wait cannot be negative")
        if self.audit < 0:
            raise ValueError("--audit needs a number of frames, 0 or more")
        if self.keep_days is not None:
            if self.keep_days <= 0:
                raise ValueError("--keep needs a positive number of days")
            if timedelta(days=self.keep_days) < self.window:
                raise ValueError(
                    f"--keep {self.keep_days:g} days is shorter than the window ({format_duration(self.window)}): "
                    "frames would be deleted and fetched again every cycle"
                )
        check_max_share(self.prune_max_share)
        if self.dry_run and self.keep_days is None:
            raise ValueError("--dry-run only applies to pruning: add --keep DAYS")
        return self


@dataclass(frozen=True, slots=True)
class CycleResult:
    """One cycle. ``error`` says why it did not complete; ``busy`` when another process held the folder."""

    started: datetime
    window_start: datetime
    window_end: datetime
    expected: int = 0
    present: int = 0  # already in the folder before fetching
    fetched: int = 0
    failed: int = 0
    not_attempted: int = 0  # e.g. stopped by the disk guard (the reason is in ``problems``)
    unavailable: int = 0  # slots no NOAA source has (not failures); ``given_up`` of them were not tried again
    given_up: int = 0
    duration: float = 0.0  # seconds
    error: str | None = None
    busy: bool = False
    pruned: tuple[Path, ...] = ()  # deleted frames (with ``dry_run``: the frames that would be deleted)
    dry_run: bool = False
    prune_refused: str | None = None  # why pruning deleted nothing although frames were past the keep window
    problems: tuple[SlotResult, ...] = ()  # failed and not-attempted slots, with their errors
    slots: tuple[SlotResult, ...] = ()  # every expected slot of the window (for a CSV or a table)
    outage: bool = False  # counted as a failing cycle (backs off)

    @property
    def ok(self) -> bool:
        return self.error is None and self.failed == 0 and self.not_attempted == 0

    def summary(self) -> str:
        """One line: ``2026-05-10T12:10:00Z expected 288 present 286 fetched 2 failed 0 (3.4 s)``."""
        head = f"{iso_z(self.started)} expected {self.expected} present {self.present} fetched {self.fetched} "
        head += f"failed {self.failed}"
        if self.not_attempted:
            head += f" not attempted {self.not_attempted}"
        if self.unavailable:
            head += f" not at NOAA {self.unavailable}"
            if self.given_up:
                head += f" (given up on {self.given_up})"
        head += f" ({self.duration:.1f} s)"
        if self.pruned:
            head += f" {'would prune' if self.dry_run else 'pruned'} {len(self.pruned)}"
        if self.prune_refused:
            head += " prune refused"
        if self.error:
            head += f" - {'skipped' if self.busy else 'error'}: {self.error}"
        elif self.problems and self.problems[0].error:
            first = self.problems[0]
            head += f" - first problem: {first.timestamp:%H:%M} {first.error}"
        return head


class _HasSlots(Protocol):
    @property
    def slots(self) -> Sequence[SlotResult]: ...


class Reconcile(Protocol):
    """One cycle's work: scan ``query`` in ``directory`` and fetch what it lacks.

    :func:`~.fetch.view.reconcile_any` of a ReconcileManager (a :class:`ViewQuery` part by part, each from its own
    satellite); the window's Auto-fetch passes its own, which also shows it.
    """

    def __call__(
        self,
        directory: Path,
        query: ArchiveQuery | ViewQuery,
        *,
        progress_callback: ProgressSink | None = ...,
        skip: Mapping[datetime, str] | None = ...,
        audit: int = ...,
    ) -> Awaitable[_HasSlots]: ...


GIVE_UP_AFTER = timedelta(days=1)
"""A slot that stayed unavailable (no NOAA source lists it) this long is not tried again by this watcher."""


@dataclass
class _State:
    failures: int = 0  # consecutive failing cycles
    last_failed: set[datetime] = field(default_factory=set)
    unavailable_since: dict[datetime, datetime] = field(default_factory=dict)  # slot -> first cycle that saw it


class WatchLoop:
    """Run reconcile cycles over a trailing window. Constructing it does no I/O.

    ``reconcile`` does one cycle's scan and fetch: a ReconcileManager's ``reconcile_detailed`` (its manager built
    with the same ``now``); ``now`` and ``sleep`` are the clock and the wait between cycles (tests inject both).
    ``progress_callback`` gets the cycle's progress.
    """

    def __init__(
        self,
        config: WatchConfig,
        reconcile: Reconcile,
        *,
        now: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        progress_callback: ProgressSink | None = None,
    ) -> None:
        self.config = config.validate()
        self.reconcile = reconcile
        self._now: Clock = now or (lambda: datetime.now(UTC))
        self._sleep = sleep
        self.progress_callback = progress_callback
        self.last_result: CycleResult | None = None
        self.next_run: datetime | None = None
        self._state = _State()

    def now(self) -> datetime:
        return to_utc(self._now())

    def interval_minutes(self, when: datetime) -> int:
        """The configured interval, else the sector's cadence: never guessed from the files.

        (A folder half-filled by an interrupted cycle, every other frame present, would look like a
        10-minute archive and the rest would never be fetched.)
        """
        return self.config.interval_minutes or self.config.sector.cadence(when)

    def query(self, start: datetime, end: datetime) -> ArchiveQuery | ViewQuery:
        """The archive query of one cycle over ``[start, end)``: a :class:`ViewQuery` for GOES-East/West."""
        cfg = self.config
        if cfg.view is not None:
            return ViewQuery(cfg.view, start, end, cfg.sector, cfg.band, self.interval_minutes(start))
        return ArchiveQuery(cfg.satellite, start, end, cfg.sector, cfg.band, self.interval_minutes(start))

    def window(self, now: datetime | None = None) -> tuple[datetime, datetime]:
        """The ``[start, end)`` a cycle starting at ``now`` reconciles."""
        return trailing_window(now or self.now(), self.config.window, self.config.latency)

    # ---- one cycle ---------------------------------------------------------------------------------

    async def run_cycle(self) -> CycleResult:
        """Reconcile the trailing window once; never raises for a failed cycle.

        The manager waits for a ``fetch`` into the same folder (``FetchSettings.lock_wait``); when the wait runs
        out the cycle is ``busy``. Cancelling the task cancels the fetch cleanly and propagates
        ``CancelledError``.
        """
        cfg = self.config
        started = self.now()
        window_start, window_end = self.window(started)
        t0 = time.perf_counter()
        slots: Sequence[SlotResult] = ()
        pruned: tuple[Path, ...] = ()
        prune_refused: str | None = None
        error: str | None = None
        busy = False
        skip = self._given_up(started, window_start)
        try:
            extra: dict[str, Any] = {"skip": skip} if skip else {}
            if cfg.audit:
                extra["audit"] = cfg.audit
            report = await self.reconcile(
                cfg.directory, self.query(window_start, window_end), progress_callback=self.progress_callback, **extra
            )
            slots = report.slots
            pruned, prune_refused = await self._prune(started, slots)
        except FolderLockedError as exc:
            error, busy = str(exc), True
        except (FolderLockError, OSError, RemoteError, DiskSpaceError) as exc:
            error = str(exc)
        except Exception as exc:  # a failing cycle is logged and retried; the loop never dies of it
            log.warning("watch cycle failed", exc_info=True)
            error = str(exc) or type(exc).__name__
        problems = tuple(s for s in slots if s.status in (SlotStatus.FAILED, SlotStatus.MISSING))
        failed_now = {s.timestamp for s in problems if s.status is SlotStatus.FAILED}
        fetched = sum(s.status is SlotStatus.FETCHED for s in slots)
        # NOAA down looks like: nothing fetched while slots that did not fail last time fail now
        outage = not busy and (error is not None or (fetched == 0 and bool(failed_now - self._state.last_failed)))
        result = CycleResult(
            started=started,
            window_start=window_start,
            window_end=window_end,
            expected=len(slots),
            present=sum(s.status is SlotStatus.PRESENT for s in slots),
            fetched=fetched,
            failed=len(failed_now),
            not_attempted=len(problems) - len(failed_now),
            duration=time.perf_counter() - t0,
            error=error,
            busy=busy,
            pruned=pruned,
            dry_run=cfg.dry_run,
            prune_refused=prune_refused,
            problems=problems,
            slots=tuple(slots),
            outage=outage,
            unavailable=sum(s.status is SlotStatus.UNAVAILABLE for s in slots),
            given_up=sum(s.timestamp in skip for s in slots if s.status is SlotStatus.UNAVAILABLE),
        )
        if error is None:
            self._track_unavailable(started, slots)
        if not busy:
            self._state.failures = self._state.failures + 1 if outage else 0
            if error is None:
                self._state.last_failed = failed_now
        self.last_result = result
        return result

    def _given_up(self, now: datetime, window_start: datetime) -> dict[datetime, str]:
        """Slots unavailable for :data:`GIVE_UP_AFTER` or longer: the cycle does not ask for them again."""
        since = self._state.unavailable_since
        for slot in [s for s in since if s < window_start]:  # out of the window: forget
            del since[slot]
        return {
            slot: f"no NOAA source has had it since {iso_z(first)}: not tried again"
            for slot, first in since.items()
            if now - first >= GIVE_UP_AFTER
        }

    def _track_unavailable(self, now: datetime, slots: Sequence[SlotResult]) -> None:
        since = self._state.unavailable_since
        for slot in slots:
            if slot.status is SlotStatus.UNAVAILABLE:
                since.setdefault(slot.timestamp, now)
            else:
                since.pop(slot.timestamp, None)

    async def _prune(self, now: datetime, slots: Sequence[SlotResult]) -> tuple[tuple[Path, ...], str | None]:
        """Prune after the cycle's fetch, which tells whether time can be trusted; (deleted, refusal)."""
        cfg = self.config
        if cfg.keep_days is None:
            return (), None
        fetched = [s.timestamp for s in slots if s.status is SlotStatus.FETCHED]
        evidence = CycleEvidence(
            attempted=len(fetched) + sum(s.status is SlotStatus.FAILED for s in slots),
            fetched=len(fetched),
            newest_listed=max(fetched, default=None),
        )
        pruned = await prune_frames_async(
            cfg.directory,
            now,
            timedelta(days=cfg.keep_days),
            satellite=cfg.satellites,
            sector=cfg.sector,
            band=cfg.band,
            evidence=evidence,
            max_share=cfg.prune_max_share,
            dry_run=cfg.dry_run,
        )
        for problem in pruned.errors:
            log.warning("%s", problem)
        return tuple(pruned.deleted), pruned.refused

    def schedule_after(self, result: CycleResult) -> datetime:
        """The next run time after ``result`` (with backoff after consecutive failing cycles)."""
        cfg = self.config
        return next_run_time(result.started, self.now(), cfg.every, self._state.failures, cfg.backoff_max)

    # ---- once or forever ---------------------------------------------------------------------------

    async def run_once(self, stop: asyncio.Event | None = None) -> CycleResult | None:
        """One cycle holding the watch lock (``watch --once`` from cron); None when ``stop`` cancelled it.

        Raises :class:`~.folder.lock.FolderLockedError` when a watcher already keeps this folder.
        """
        lock = FolderLock(self.config.directory, name=WATCH_LOCK, purpose="watch", wait=self.config.lock_wait)
        await lock.acquire_async()
        try:
            return await until_stopped(self.run_cycle(), stop or asyncio.Event())
        finally:
            lock.release()

    async def run_forever(self, stop: asyncio.Event, on_cycle: CycleCallback | None = None) -> int:
        """Run cycles until ``stop`` is set; return the number of completed cycles.

        Holds the folder's watch lock throughout (waiting up to ``lock_wait``; raises
        :class:`~.folder.lock.FolderLockedError` naming the other watcher). Setting ``stop`` during a cycle
        cancels it cleanly; during the wait it returns at once.
        """
        cycles = 0
        lock = FolderLock(self.config.directory, name=WATCH_LOCK, purpose="watch", wait=self.config.lock_wait)
        await lock.acquire_async()
        try:
            while not stop.is_set():
                result = await until_stopped(self.run_cycle(), stop)
                if result is None:
                    break
                cycles += 1
                self.next_run = self.schedule_after(result)
                if on_cycle is not None:
                    try:
                        on_cycle(result, self.next_run)
                    except Exception:
                        log.exception("the watch cycle callback failed")
                delay = (self.next_run - self.now()).total_seconds()
                if delay > 0 and not stop.is_set():
                    await until_stopped(self._sleep(delay), stop)
        finally:
            self.next_run = None
            lock.release()
        return cycles


async def until_stopped(work: Awaitable[T], stop: asyncio.Event) -> T | None:
    """Await ``work`` unless ``stop`` is set first (then cancel it, wait for its cleanup, return None)."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
        if not task.done():
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        with contextlib.suppress(asyncio.CancelledError):
            await stopper
    if task.cancelled():
        return None
    return task.result()
