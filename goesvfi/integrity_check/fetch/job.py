"""One fetch run: list each store once (when a slot first needs it), download, convert and write each slot.

The :class:`~.reconcile_manager.ReconcileManager` builds a :class:`FetchJob` per ``fetch_missing`` call.
Per slot: try the planned stores in order (fallback on any failure of the first), download to a temp file in
the target folder with retries, convert to a temp PNG off the event loop, fsync and rename to the canonical
name. Temp files are removed in ``finally`` whatever happens (error, disk guard, cancel).
"""

from __future__ import annotations

import asyncio
import errno
import functools
import logging
import sys
from bisect import bisect_right
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from goesvfi.integrity_check.fetch.disk_guard import DiskGuard, DiskSpaceError, estimate_bytes
from goesvfi.integrity_check.fetch.plan import FetchPlan
from goesvfi.integrity_check.fetch.retry import RetryPolicy, Sleep, with_retries
from goesvfi.integrity_check.folder.atomic import remove_quietly, temp_path
from goesvfi.integrity_check.folder.quarantine import forget_copy, keep_copy, move_aside
from goesvfi.integrity_check.folder.sweep import UNLOCKED_MIN_AGE, sweep_stale_temps
from goesvfi.integrity_check.remote.base import RemoteError, RemoteItem, RemoteStore, check_plain_name
from goesvfi.integrity_check.results import (
    Damage,
    Progress,
    ProgressSink,
    ScanResult,
    SlotResult,
    SlotStatus,
    Source,
    Stage,
)
from goesvfi.integrity_check.runtime import run_blocking
from goesvfi.integrity_check.time_index import canonical_name

log = logging.getLogger(__name__)

T = TypeVar("T")
Converter = Callable[[Source, Path, Path, str], None]
"""Blocking: write the PNG for a downloaded file (``source``, downloaded path, final PNG path, the remote file's
name that error messages give instead of the temp file's) through ``folder.atomic.write_atomic`` (temp name,
fsync, PNG check, rename)."""
_DOWNLOAD_SUFFIX = {Source.CDN: ".jpg", Source.S3: ".nc"}
_STORE_NAME = {Source.CDN: "CDN", Source.S3: "S3"}


class ConversionError(Exception):
    """A downloaded file could not be turned into a PNG; ``str(error)`` is for the user."""


@dataclass(slots=True)
class FetchEnv:
    """What a job needs from its manager."""

    stores: Mapping[Source, RemoteStore]
    convert: Converter
    policy: RetryPolicy
    sleep: Sleep
    concurrency: int
    render_gate: asyncio.Semaphore  # conversions running at once (CPU-bound: about one per core)
    render_executor: Executor  # their threads (few, reused: each thread's malloc arena keeps its peak)
    inflight: dict[Path, asyncio.Future[SlotResult]]


FIRST_PART = timedelta(hours=3)
PART = timedelta(hours=24)
"""An hourly store (S3) is listed in parts of this many hours of slots (the first part smaller, so the first
downloads start soon). The hour a part ends in is listed again by the next part when a slot's window crosses
it (one listing in 24 more)."""


def _hours(slots: list[datetime]) -> int:
    return len({slot.replace(minute=0, second=0, microsecond=0) for slot in slots})


class _Listing:
    """One store's listing in a fetch: its wanted slots in time-ordered parts, one future per part."""

    def __init__(self, slots: list[datetime], *, chunked: bool) -> None:
        self.groups: list[list[datetime]] = []
        self.starts: list[datetime] = []
        for slot in sorted(slots):
            span = FIRST_PART if len(self.groups) == 1 else PART
            if not chunked and self.groups:
                self.groups[0].append(slot)
            elif self.groups and slot < self.starts[-1] + span:
                self.groups[-1].append(slot)
            else:
                self.groups.append([slot])
                self.starts.append(slot)
        loop = asyncio.get_running_loop()
        self.parts: list[asyncio.Future[dict[datetime, RemoteItem]]] = [loop.create_future() for _ in self.groups]
        self.errors: dict[int, str] = {}
        self.hours = sum(map(_hours, self.groups))

    def part_of(self, slot: datetime) -> int:
        return max(0, bisect_right(self.starts, slot) - 1)


class FetchJob:
    def __init__(
        self,
        scan: ScanResult,
        directory: Path,
        plan: FetchPlan,
        env: FetchEnv,
        guard: DiskGuard,
        progress: ProgressSink,
        settled_before: datetime | None = None,
    ) -> None:
        self.scan = scan
        # A slot older than this that no store lists (every listing read) is UNAVAILABLE, not FAILED; newer
        # ones may still be published (NOAA runs ~20 minutes late). None: never.
        self.settled_before = settled_before
        self.directory = directory
        self.plan = plan
        self.env = env
        self.guard = guard
        self.progress = progress
        self.results = {slot.timestamp: slot for slot in scan.slots()}
        self._listings: dict[Source, _Listing] = {}
        self._listing_tasks: dict[Source, asyncio.Task[None]] = {}
        self.finished: list[SlotResult] = []  # fetched or failed, for the fetch log
        self._done = 0
        self._total = len(plan.order)

    # ---- the run ------------------------------------------------------------------------------------

    async def run(self) -> list[SlotResult]:
        for slot, reason in self.plan.skipped.items():
            self.results[slot].error = reason
        for slot, reason in self.plan.refused.items():  # the look takes the CDN's frames only, and it has none
            self.results[slot].status, self.results[slot].error = SlotStatus.FAILED, reason
            self.finished.append(self.results[slot])
        for slot, reason in self.plan.unavailable.items():  # not the user's gap: NOAA cannot have these
            self.results[slot].status, self.results[slot].error = SlotStatus.UNAVAILABLE, reason
        if self.plan.order:
            if self.guard.check_start() is not None:
                self._stop_rest(list(self.plan.order))
            else:
                await self._fetch_all()
        else:  # no lock taken: only temp files an hour old are surely stale
            await asyncio.to_thread(sweep_stale_temps, self.directory, min_age=UNLOCKED_MIN_AGE)
        self.progress(Progress(self._done, self._total, Stage.DONE, self._summary()))
        return [self.results[t] for t in sorted(self.results)]

    async def _fetch_all(self) -> None:
        # Under the folder's fetch lock: every stale temp file of ours goes (a kill -9 leaves them), except those of
        # frames another fetch of this process is writing right now.
        busy = {path.name for path in self.env.inflight if path.parent == self.directory}
        await asyncio.to_thread(sweep_stale_temps, self.directory, keep=busy)
        pending = iter(list(self.plan.order))

        async def worker() -> None:
            # ``concurrency`` workers share one iterator: memory and cancel time stay O(concurrency), not one task
            # per slot (a million tasks took gigabytes and many seconds to cancel).
            for slot in pending:
                await self._slot(slot)

        self._report(f"Fetching {self._total} missing frame{'s' if self._total != 1 else ''}")
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(self.env.concurrency, len(self.plan.order))):
                    group.create_task(worker())
        except ExceptionGroup as group_error:  # an unexpected error (a bug): raise it as itself, not wrapped
            raise group_error.exceptions[0] from None
        finally:
            for task in self._listing_tasks.values():
                task.cancel()
            await asyncio.gather(*self._listing_tasks.values(), return_exceptions=True)

    async def _item(self, source: Source, slot: datetime) -> RemoteItem | None:
        """The store's listing entry for ``slot``: the store is listed when a slot first needs it, once.

        A store that is only a fallback is never listed when the first choice serves every slot. An hourly
        store (S3: one listing per hour prefix) is asked for its slots a part at a time, in time order, while the
        downloads of the parts already listed run (a 30-day fetch makes 720 listings).
        """
        listing = self._listings.get(source)
        if listing is None:
            listing = _Listing(self.plan.slots_for(source), chunked=source is Source.S3)
            self._listings[source] = listing
            self._listing_tasks[source] = asyncio.create_task(self._list(source, listing))
        part = listing.part_of(slot)
        found = await asyncio.shield(listing.parts[part])
        return found.get(slot)

    def _listing_error(self, source: Source, slot: datetime) -> str | None:
        listing = self._listings.get(source)
        return None if listing is None else listing.errors.get(listing.part_of(slot))

    async def _list(self, source: Source, listing: _Listing) -> None:
        store = self.env.stores[source]
        self.progress(Progress(self._done, self._total, Stage.LIST, f"Listing {_STORE_NAME[source]}"))
        hours_before = 0  # hours listed by the parts before this one
        hours_total = listing.hours
        part_hours = 0  # hours of the part being listed, as the store counts them

        def listed(done: int, total: int) -> None:  # a long range lists thousands of hour prefixes: say how far
            # The message stays the same (the window logs each new one); the counts and current item move.
            nonlocal hours_total, part_hours
            part_hours = total
            hours_total = max(hours_total, hours_before + total)
            done += hours_before
            message = f"Listing {_STORE_NAME[source]}"
            self.progress(Progress(done, hours_total, Stage.LIST, message, f"{done:,} of {hours_total:,} hours"))

        if hasattr(store, "listing_progress"):
            store.listing_progress = listed
        failed: str | None = None
        try:
            for part, (wanted, future) in enumerate(zip(listing.groups, listing.parts, strict=True)):
                if failed is not None:  # the store failed once: the rest is not asked (retries were spent)
                    listing.errors[part] = failed
                    future.set_result({})
                    continue
                try:
                    found = await with_retries(
                        functools.partial(store.find, self.scan.satellite, self.scan.sector, self.scan.band, wanted),
                        self.env.policy,
                        self.env.sleep,
                    )
                except (RemoteError, ValueError) as exc:
                    log.warning("Listing %s failed: %s", _STORE_NAME[source], exc)
                    failed = listing.errors[part] = f"listing failed: {exc}"
                    found = {}
                future.set_result(found)
                hours_before += part_hours or _hours(wanted)
                part_hours = 0
        except BaseException as exc:  # a bug, or a cancel: no slot waits for a part that will never come
            for future in listing.parts:
                if not future.done():
                    if isinstance(exc, asyncio.CancelledError):
                        future.cancel()
                    else:
                        future.set_exception(exc)
            raise

    # ---- one slot -----------------------------------------------------------------------------------

    def _final(self, slot: datetime) -> Path:
        return self.directory / canonical_name(self.scan.satellite, self.scan.sector, self.scan.band, slot)

    async def _slot(self, slot: datetime) -> None:
        final = self._final(slot)
        result = self.results[slot]
        other = self.env.inflight.get(final)
        if other is not None:  # another fetch into this folder is writing this slot right now: use its work
            done = await asyncio.shield(other)
            if done.status is SlotStatus.FETCHED:
                result.status, result.source, result.path = SlotStatus.PRESENT, Source.LOCAL, done.path
            else:
                result.status, result.source, result.error = done.status, done.source, done.error
            result.remote = done.remote
        else:
            mine: asyncio.Future[SlotResult] = asyncio.get_running_loop().create_future()
            self.env.inflight[final] = mine
            damage = self.scan.damaged.get(slot)
            try:
                if damage is None and await asyncio.to_thread(final.exists):  # written since the scan (resume)
                    result.status, result.source, result.path, result.error = (
                        SlotStatus.PRESENT,
                        Source.LOCAL,
                        final,
                        None,
                    )
                else:
                    await self._replace_slot(slot, final, result, damage)
                    if result.status in (SlotStatus.FETCHED, SlotStatus.FAILED, SlotStatus.UNAVAILABLE):
                        self.finished.append(result)
            finally:
                del self.env.inflight[final]
                mine.set_result(result)
        self._done += 1
        if result.status is SlotStatus.FETCHED and result.source is not None:
            state = f"fetched from {_STORE_NAME[result.source]}"
        else:
            state = result.status.value
        self._report(f"{final.name}: {state}", final.name, result)

    async def _replace_slot(self, slot: datetime, final: Path, result: SlotResult, damage: Damage | None) -> None:
        """Fetch a slot; a damaged file of the slot is kept in the quarantine folder, never deleted: under the
        frame's own name a hard link is kept before the new frame is renamed over it (and dropped again when no
        source has the slot), under another name it is moved aside once the new frame is in place."""
        if damage is not None and result.status is SlotStatus.DAMAGED:
            result.status, result.source, result.path = SlotStatus.MISSING, None, None
        kept: Path | None = None
        if damage is not None and damage.path == final:
            try:
                kept = await asyncio.to_thread(keep_copy, final, self.directory)
            except OSError as exc:
                result.status = SlotStatus.FAILED
                result.error = f"the damaged {final.name} could not be kept aside, so it was not replaced: {exc}"
                return
        await self._fetch_slot(slot, final, result)
        if result.status is not SlotStatus.FETCHED:
            if kept is not None:
                await asyncio.to_thread(forget_copy, kept, final)
            if damage is not None and result.error:
                result.error = f"{result.error} (the damaged {damage.path.name} stays in place)"
            return
        if damage is not None and damage.path != final and await asyncio.to_thread(damage.path.exists):
            try:
                await asyncio.to_thread(move_aside, damage.path, self.directory)
            except OSError as exc:
                log.warning("The damaged %s could not be moved aside: %s", damage.path.name, exc)

    async def _fetch_slot(self, slot: datetime, final: Path, result: SlotResult) -> None:
        if self.guard.tripped is not None:
            self._stop_rest([slot])
            return
        order = self.plan.order[slot]
        errors: list[str] = []
        for source in order:
            name = _STORE_NAME[source]
            item = await self._item(source, slot)
            if item is None:
                errors.append(f"{name}: {self._listing_error(source, slot) or 'not in its listing'}")
                continue
            if result.remote is None:  # a failed slot reports the first store that listed it
                result.source, result.remote = source, item.location
            estimate = estimate_bytes(source, self.scan.sector, item.size)
            if not self.guard.reserve(estimate):
                self._stop_rest([slot])
                return
            try:
                check_plain_name(item.name)
                await self._download_convert(source, item, final)
            except (RemoteError, ConversionError) as exc:
                log.info("%s from %s failed: %s", final.name, name, exc)
                errors.append(f"{name}: {exc}")
                continue
            except OSError as exc:
                if exc.errno == errno.ENOSPC:
                    self.guard.tripped = DiskSpaceError(self.directory, 0, self.guard.threshold)
                    self._stop_rest([slot])
                    return
                errors.append(f"{name}: could not write {final.name} ({exc.strerror or exc})")
                continue
            finally:
                self.guard.release(estimate)
            result.status, result.source, result.path = SlotStatus.FETCHED, source, final
            result.remote, result.error = item.location, None
            return
        listed_everywhere = not any(self._listing_error(source, slot) for source in order)
        if result.remote is None and listed_everywhere and self._settled(slot):
            result.status, result.source = SlotStatus.UNAVAILABLE, None
            result.error = sys.intern("no NOAA source has it: " + "; ".join(errors))  # shared by runs of slots
            return
        result.status, result.error = SlotStatus.FAILED, sys.intern("; ".join(errors))
        if result.source is None:
            result.source = order[0]

    def _settled(self, slot: datetime) -> bool:
        return self.settled_before is not None and slot <= self.settled_before

    async def _download_convert(self, source: Source, item: RemoteItem, final: Path) -> None:
        store = self.env.stores[source]
        download = temp_path(final, _DOWNLOAD_SUFFIX[source])
        label = f"Downloading {final.name} from {_STORE_NAME[source]}"

        def byte_progress(done: int, total: int | None) -> None:
            self.progress(Progress(self._done, self._total, Stage.FETCH, label, final.name, done, total))

        async def attempt() -> None:
            remove_quietly(download)  # a retry starts from an empty file
            await store.download(item, download, byte_progress)

        try:
            await with_retries(attempt, self.env.policy, self.env.sleep)
            self.progress(Progress(self._done, self._total, Stage.RENDER, f"Writing {final.name}", final.name))
            async with self.env.render_gate:
                await run_blocking(
                    self._convert_and_commit, source, download, final, item.name, executor=self.env.render_executor
                )
        finally:
            remove_quietly(download)

    def _convert_and_commit(self, source: Source, download: Path, final: Path, remote_name: str) -> None:
        try:
            self.env.convert(source, download, final, remote_name)
        except ConversionError:
            raise
        except (ValueError, RuntimeError) as exc:
            raise ConversionError(f"could not convert {download.suffix[1:].upper()} to PNG: {exc}") from exc
        except Exception as exc:  # whatever one frame does (a decoder's own error, MemoryError), it fails that frame
            log.warning("Converting %s failed unexpectedly", remote_name, exc_info=True)
            raise ConversionError(f"could not convert {remote_name} to PNG ({type(exc).__name__}: {exc})") from exc

    # ---- bookkeeping --------------------------------------------------------------------------------

    def _stop_rest(self, slots: list[datetime]) -> None:
        """Disk guard tripped: these slots are not attempted (MISSING, with the reason)."""
        reason = str(self.guard.tripped)
        for slot in slots:
            result = self.results[slot]
            if result.status is SlotStatus.MISSING:
                result.source, result.error = None, reason

    def _report(self, message: str, current: str | None = None, result: SlotResult | None = None) -> None:
        """``result``: a slot just finished; the report carries a copy of its final result (see Progress)."""
        final = None if result is None else replace(result)
        self.progress(Progress(self._done, self._total, Stage.FETCH, message, current, result=final))

    def _summary(self) -> str:
        fetched = sum(r.status is SlotStatus.FETCHED for r in self.results.values())
        failed = sum(r.status is SlotStatus.FAILED for r in self.results.values())
        unavailable = sum(r.status is SlotStatus.UNAVAILABLE for r in self.results.values())
        skipped = f", {unavailable} NOAA does not have (skipped)" if unavailable else ""
        if not self._total:
            return f"Nothing to fetch{skipped}"
        text = f"Fetched {fetched} of {self._total}, {failed} failed{skipped}"
        return f"{text}. {self.guard.tripped}" if self.guard.tripped is not None else text
