"""What Auto-fetch is set to and what the tab shows about it; saved in QSettings (keys in INTEGRATION.md).

The loop itself is :mod:`.auto_fetch`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from PyQt6.QtCore import QSettings

from goesvfi.integrity_check.gui.preferences import load_value, save_values

if TYPE_CHECKING:
    from goesvfi.integrity_check.watch import CycleResult

PERIOD_CHOICES = (5, 10, 15, 30, 60)  # minutes between cycles
WINDOW_CHOICES = (1, 3, 6, 12, 24, 48, 72, 168)  # hours of the trailing window
DEFAULT_PERIOD, DEFAULT_WINDOW = 10, 24
KEY_ENABLED, KEY_PERIOD, KEY_WINDOW = "auto/enabled", "auto/period_minutes", "auto/window_hours"
KEY_NOTIFY = "auto/notify"  # alert receivers, space-separated URLs ("" = none)


def hm(when: datetime) -> str:
    return when.strftime("%H:%M")


@dataclass(frozen=True, slots=True)
class AutoFetchState:
    """What the tab shows about Auto-fetch."""

    enabled: bool = False
    period_minutes: int = DEFAULT_PERIOD
    window_hours: int = DEFAULT_WINDOW
    running: bool = False  # a cycle runs now
    waiting: bool = False  # a cycle is due but waits for a manual scan, fetch or export to end
    window: tuple[datetime, datetime] | None = None  # of the running (or last) cycle
    next_run: datetime | None = None
    last: CycleResult | None = None
    notify: tuple[str, ...] = ()  # alert receivers (webhook or ntfy URLs), as watch --notify

    @property
    def period(self) -> timedelta:
        return timedelta(minutes=self.period_minutes)

    @property
    def span(self) -> timedelta:
        return timedelta(hours=self.window_hours)

    def describe(self) -> str:
        """One line for the tab: ``Next run 01:40 UTC · last 01:30 UTC: 8 expected, 0 present, 7 fetched ...``."""
        if not self.enabled:
            return f"Off: when on, fetches what the last {self.window_hours} h lack every {self.period_minutes} min."
        if self.running and self.window is not None:
            head = f"Cycle running: {hm(self.window[0])} - {hm(self.window[1])} UTC"
        elif self.waiting:
            head = "Due: waits for the running task to end"
        elif self.next_run is not None:
            head = f"Next run {hm(self.next_run)} UTC"
        else:
            head = "Starting ..."
        last = self.last
        if last is None:
            return head
        if last.error is not None:
            return f"{head} · last {hm(last.started)} UTC {'skipped' if last.busy else 'failed'}: {last.error}"
        tail = f"{last.expected} expected, {last.present} present, {last.fetched} fetched, {last.failed} failed"
        if last.not_attempted:
            tail += f", {last.not_attempted} not attempted"
        return f"{head} · last {hm(last.started)} UTC: {tail} ({last.duration:.1f} s)"


def load_auto_fetch(settings: QSettings) -> AutoFetchState:
    """The saved state; values that are not among the choices fall back to the defaults."""
    enabled = str(load_value(settings, KEY_ENABLED, "false")).lower() in ("true", "1")
    period = int(load_value(settings, KEY_PERIOD, DEFAULT_PERIOD))  # type: ignore[call-overload]
    window = int(load_value(settings, KEY_WINDOW, DEFAULT_WINDOW))  # type: ignore[call-overload]
    return AutoFetchState(
        enabled,
        period if period in PERIOD_CHOICES else DEFAULT_PERIOD,
        window if window in WINDOW_CHOICES else DEFAULT_WINDOW,
        notify=tuple(str(load_value(settings, KEY_NOTIFY, "") or "").split()),
    )


def save_auto_fetch(settings: QSettings, state: AutoFetchState) -> None:
    save_values(
        settings,
        {
            KEY_ENABLED: state.enabled,
            KEY_PERIOD: state.period_minutes,
            KEY_WINDOW: state.window_hours,
            KEY_NOTIFY: " ".join(state.notify),
        },
    )
