"""Alerts of a watcher: what deserves a message (:class:`Alerter`), and its delivery (:class:`Notifier`).

Events, per product, judged after every cycle (:func:`active_events`):

- ``gap``: a slot NOAA has (or may have) is still missing and older than ``gap_age``: the watcher cannot fill it;
- ``stale``: the newest slot any NOAA source has is older than ``stale_after`` (NOAA stopped publishing);
- ``failing``: ``failed_cycles`` cycles in a row failed (an error, or NOAA unreachable);
- ``disk``: free space on the folder's file system is below the disk guard.

An event that starts sends one message; when it clears, one more ("back to normal"). At most one message per
event kind, product and phase (firing / resolved) per ``min_interval`` (default an hour): a flapping condition does
not flood the receiver, and one held back is sent once the hour has passed if still true.

Receivers: an ``http(s)://`` URL gets a JSON POST; an ntfy topic URL (host ``ntfy.*``, or written
``ntfy+https://host/topic``) gets ntfy's plain-text form (the message as body, ``Title``, ``Priority``, ``Tags``
headers). Delivery runs in background tasks: a failing receiver is logged, retried with backoff a bounded number
of times, and never holds up or stops the watch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from goesvfi.integrity_check.remote.http_body import client_session
from goesvfi.integrity_check.results import SlotStatus
from goesvfi.integrity_check.safe_text import safe_text
from goesvfi.integrity_check.settings import check_endpoint, redact_url
from goesvfi.integrity_check.time_index import iso_z, to_utc
from goesvfi.integrity_check.units import format_bytes, readable_duration
from goesvfi.integrity_check.watch import CycleResult
from goesvfi.integrity_check.watch_record import CycleRecord, WatchProduct

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


class EventKind(Enum):
    GAP = "gap"
    STALE = "stale"
    FAILING = "failing"
    DISK = "disk"


@dataclass(frozen=True, slots=True)
class AlertRules:
    gap_age: timedelta = timedelta(hours=2)
    stale_after: timedelta = timedelta(hours=1)
    failed_cycles: int = 3
    disk_threshold: int = 1024**3  # bytes: the fetch's disk guard
    min_interval: timedelta = timedelta(hours=1)

    def validate(self) -> AlertRules:
        if self.failed_cycles < 1:
            raise ValueError("the number of failed cycles before an alert must be at least 1")
        if min(self.gap_age, self.stale_after, self.min_interval) <= timedelta(0):
            raise ValueError("the alert thresholds must be positive durations")
        return self


@dataclass(frozen=True, slots=True)
class Alert:
    kind: EventKind
    product: WatchProduct
    firing: bool  # False: back to normal
    detail: str
    at: datetime

    @property
    def title(self) -> str:
        what = {
            EventKind.GAP: "frames missing",
            EventKind.STALE: "NOAA stale",
            EventKind.FAILING: "watch failing",
            EventKind.DISK: "disk low",
        }[self.kind]
        p = self.product
        head = f"{p.who} {p.sector.display_name} band {p.band}: {what}"
        return head if self.firing else f"{head}: back to normal"

    def as_json(self) -> dict[str, Any]:
        return {
            "event": self.kind.value,
            "status": "firing" if self.firing else "resolved",
            "title": self.title,
            "message": self.detail,
            "time": iso_z(self.at),
            "product": self.product.labels,
        }


def active_events(
    result: CycleResult,
    record: CycleRecord,
    *,
    now: datetime,
    free_bytes: int | None,
    rules: AlertRules,
    folder: Path | str = "the folder",
) -> dict[EventKind, str | None]:
    """Each event kind this cycle can judge: a detail when it is on, None when it is off (a kind this cycle cannot
    judge, e.g. gaps after a failed cycle, is left out and keeps its state)."""
    now = to_utc(now)
    out: dict[EventKind, str | None] = {}
    if not result.busy:
        out[EventKind.FAILING] = (
            f"{record.failures} cycles in a row failed; last: {record.outcome}"
            if record.failures >= rules.failed_cycles
            else None
        )
    if free_bytes is not None:
        out[EventKind.DISK] = (
            f"{format_bytes(free_bytes)} free for {folder}, below the guard of {format_bytes(rules.disk_threshold)}"
            if free_bytes < rules.disk_threshold
            else None
        )
    if result.busy or result.error is not None or not result.slots:
        return out
    old = now - rules.gap_age
    gaps = sorted(s.timestamp for s in result.slots if s.status in (SlotStatus.FAILED, SlotStatus.MISSING))
    old_gaps = [t for t in gaps if t < old]
    out[EventKind.GAP] = (
        f"{len(old_gaps)} frames older than {readable_duration(rules.gap_age)} still missing though NOAA has them "
        f"(oldest {iso_z(old_gaps[0])})"
        if old_gaps
        else None
    )
    noaa_has = [s.timestamp for s in result.slots if s.status is not SlotStatus.UNAVAILABLE]
    newest = max(noaa_has, default=None)
    if newest is None or now - newest > rules.stale_after:
        since = f"since {iso_z(newest)}" if newest else f"in the whole window from {iso_z(result.window_start)}"
        out[EventKind.STALE] = f"no new frame at any NOAA source {since}"
    else:
        out[EventKind.STALE] = None
    return out


@dataclass
class _KindState:
    active: bool = False
    notified: bool = False  # a firing message went out for the current episode
    last_firing: datetime | None = None
    last_resolved: datetime | None = None


class Alerter:
    """Turns event states into messages: one when an event starts, one when it clears, rate-limited."""

    def __init__(self, rules: AlertRules | None = None) -> None:
        self.rules = (rules or AlertRules()).validate()
        self._state: dict[tuple[WatchProduct, EventKind], _KindState] = {}

    def update(
        self,
        product: WatchProduct,
        result: CycleResult,
        record: CycleRecord,
        *,
        now: datetime,
        free_bytes: int | None,
    ) -> list[Alert]:
        now = to_utc(now)
        limit = self.rules.min_interval
        alerts: list[Alert] = []
        events = active_events(result, record, now=now, free_bytes=free_bytes, rules=self.rules, folder=product.folder)
        for kind, detail in events.items():
            state = self._state.setdefault((product, kind), _KindState())
            if detail is not None:
                state.active = True
                if not state.notified and (state.last_firing is None or now - state.last_firing >= limit):
                    state.notified, state.last_firing = True, now
                    alerts.append(Alert(kind, product, True, detail, now))
            elif state.active:
                state.active = False
                if state.notified and (state.last_resolved is None or now - state.last_resolved >= limit):
                    state.last_resolved = now
                    alerts.append(Alert(kind, product, False, "back to normal", now))
                state.notified = False
        return alerts

    def state_of(self, product: WatchProduct) -> dict[str, dict[str, Any]]:
        """``product``'s event states as JSON-ready data (kept in the watch record, so that the next ``--once``
        run neither repeats a message nor forgets to announce the clearing)."""
        out: dict[str, dict[str, Any]] = {}
        for (p, kind), st in self._state.items():
            if p == product:
                out[kind.value] = {
                    "active": st.active,
                    "notified": st.notified,
                    "last_firing": iso_z(st.last_firing) if st.last_firing else None,
                    "last_resolved": iso_z(st.last_resolved) if st.last_resolved else None,
                }
        return out

    def restore(self, product: WatchProduct, data: Mapping[str, Any]) -> None:
        """Take back what :meth:`state_of` gave (entries that do not parse are skipped)."""

        def when(value: object) -> datetime | None:
            return to_utc(datetime.fromisoformat(str(value).replace("Z", "+00:00"))) if value else None

        for name, item in data.items():
            try:
                kind = EventKind(name)
                state = _KindState(
                    bool(item["active"]),
                    bool(item["notified"]),
                    when(item.get("last_firing")),
                    when(item.get("last_resolved")),
                )
            except (KeyError, TypeError, ValueError):
                continue
            self._state[(product, kind)] = state


# ---- delivery -------------------------------------------------------------------------------------------


def printable(text: str, limit: int = 300) -> str:
    """``text`` safe for a terminal or a log (:func:`~.safe_text.safe_text`: control characters escaped as
    ``repr`` does), cut at ``limit`` characters."""
    out = safe_text(text)
    return out if len(out) <= limit else out[: limit - 3] + "..."


def ntfy_target(url: str) -> str | None:
    """The topic URL to POST to when ``url`` is an ntfy topic (``ntfy+https://h/t`` or host ``ntfy.*``), else None."""
    if url.startswith("ntfy+"):
        return url[len("ntfy+") :]
    host = (urlsplit(url).hostname or "").lower()
    return url if host.startswith("ntfy.") else None


def check_receiver(url: str) -> str:
    """``url`` when it is a receiver this module can post to; ValueError naming it otherwise."""
    check_endpoint(ntfy_target(url) or url, "notify URL")
    return url


class Notifier:
    """Posts alerts to every receiver, each in a background task with bounded retries.

    ``attempts`` tries per message and receiver, ``backoff`` seconds before the second (doubled each time),
    ``timeout`` seconds per request. :meth:`close` waits up to ``drain`` seconds for messages under way.
    """

    def __init__(
        self,
        receivers: list[str],
        *,
        attempts: int = 4,
        backoff: float = 2.0,
        timeout: float = 10.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.receivers = [check_receiver(u) for u in receivers]
        self.attempts, self.backoff, self.timeout = max(1, attempts), backoff, timeout
        self._sleep = sleep
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[bool]] = set()
        self.delivered = 0
        self.given_up = 0

    def send(self, alerts: list[Alert]) -> None:
        """Queue ``alerts`` for every receiver (returns at once; needs a running event loop)."""
        for alert in alerts:
            for url in self.receivers:
                task = asyncio.get_running_loop().create_task(self._deliver(url, alert))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _deliver(self, url: str, alert: Alert) -> bool:
        shown = redact_url(ntfy_target(url) or url)
        for attempt in range(1, self.attempts + 1):
            try:
                await self._post(url, alert)
                self.delivered += 1
                return True
            except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
                why = printable(str(exc) or type(exc).__name__)
                if attempt == self.attempts:
                    log.warning(
                        "alert %s to %s not delivered after %d tries: %s", alert.kind.value, shown, attempt, why
                    )
                    self.given_up += 1
                    return False
                log.info("alert %s to %s failed (try %d): %s; retrying", alert.kind.value, shown, attempt, why)
                await self._sleep(self.backoff * 2 ** (attempt - 1))
        return False

    async def _post(self, url: str, alert: Alert) -> None:
        if self._session is None:
            self._session = client_session(self.timeout)
        ntfy = ntfy_target(url)
        async with asyncio.timeout(self.timeout * 2):
            if ntfy is not None:
                headers = {
                    "Title": alert.title,
                    "Priority": "high" if alert.firing else "default",
                    "Tags": "warning" if alert.firing else "white_check_mark",
                }
                request = self._session.post(ntfy, data=alert.detail.encode(), headers=headers)
            else:
                request = self._session.post(url, json=alert.as_json())
            async with request as resp:
                if resp.status >= 300:
                    body = (await resp.content.read(200)).decode("utf-8", "replace")
                    raise ValueError(f"HTTP {resp.status} {resp.reason or ''}: {body}")

    async def close(self, drain: float = 5.0) -> None:
        """Wait up to ``drain`` seconds for messages under way, cancel the rest, close the session."""
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=drain)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._session is not None:
            await self._session.close()
            self._session = None
