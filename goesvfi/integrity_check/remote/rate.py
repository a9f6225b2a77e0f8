"""Rate limits of downloads: a bandwidth cap shared by the whole process, and a minimum rate over a window.

- :class:`Bandwidth` (``--max-rate``): every body byte both stores receive is paid for at the cap. One limiter per
  process (:func:`shared_bandwidth`), whatever the number of stores, connections or event loops: its clock is a
  "theoretical arrival time" (GCRA) kept under a thread lock, and a receiver sleeps until the bytes it took are
  paid for. An idle limiter keeps no credit, so a burst after a pause is paced too.
- :class:`RateFloor` (``--min-rate`` over ``--min-rate-window``): a body that brings fewer than ``rate * window``
  bytes within ``window`` seconds is abandoned (:class:`SlowTransferError`), as curl's ``--speed-limit`` /
  ``--speed-time``; time a receiver spends waiting for the cap is not counted against it.

Pure bookkeeping: no I/O, no asyncio (the receiver does the sleeping, :mod:`.http_body`).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from goesvfi.integrity_check.remote.base import RemoteLimitError

Clock = Callable[[], float]

_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)(?:i?B)?(?:/s)?\s*$")
_UNITS = {"": 1, "k": 1000, "m": 1000**2, "g": 1000**3}


def parse_rate(text: str) -> float:
    """``2M`` -> 2,000,000 bytes per second; ``500K``, ``100k``, ``1.5M``, ``800`` (bytes), ``2MB/s``.

    K and M are decimal (1000, 1000**2), as curl's ``--limit-rate`` and most network tools count. ValueError
    for anything else, or a rate that is not positive."""
    match = _RATE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a rate: use bytes per second with an optional K or M (500K, 2M)")
    value = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if value <= 0:
        raise ValueError(f"{text!r}: the rate must be more than 0 bytes per second")
    return value


def format_rate(rate: float) -> str:
    """``2000000`` -> ``2 MB/s``; ``1000`` -> ``1 kB/s``; ``512`` -> ``512 B/s`` (decimal units)."""
    for unit, size in (("MB", 1000**2), ("kB", 1000)):
        if rate >= size:
            return f"{rate / size:.3g} {unit}/s"
    return f"{rate:.3g} B/s"


class Bandwidth:
    """A cap of ``rate`` bytes per second over everything that calls :meth:`take`; thread-safe.

    ``take(n)`` books ``n`` bytes and returns how many seconds the caller must wait for them to be paid for.
    """

    def __init__(self, rate: float, *, clock: Clock = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._tat = 0.0  # when everything booked so far is paid for
        self.rate = rate

    @property
    def rate(self) -> float:
        return self._rate

    @rate.setter
    def rate(self, value: float) -> None:
        if value <= 0:
            raise ValueError("the bandwidth cap must be positive")
        self._rate = float(value)

    def take(self, n: int) -> float:
        with self._lock:
            now = self._clock()
            self._tat = max(self._tat, now) + n / self._rate
            return self._tat - now


_shared: Bandwidth | None = None
_shared_lock = threading.Lock()


def shared_bandwidth(rate: float | None) -> Bandwidth | None:
    """The process's one limiter, set to ``rate`` bytes per second (None: no cap, and the limiter is dropped).

    Every store built with a cap calls this, so they share one budget; the last cap given wins."""
    global _shared
    with _shared_lock:
        if rate is None:
            _shared = None
        elif _shared is None:
            _shared = Bandwidth(rate)
        else:
            _shared.rate = rate
        return _shared


@dataclass(frozen=True, slots=True)
class MinRate:
    """At least ``rate`` bytes per second over every ``window`` seconds of a body."""

    rate: float = 1000.0
    window: float = 60.0

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.window <= 0:
            raise ValueError("the minimum rate and its window must be positive")

    @property
    def quota(self) -> float:
        return self.rate * self.window


class SlowTransferError(RemoteLimitError):
    """A body stayed under the minimum rate over the window: abandoned (the fetch falls back to the other
    store; the next cycle tries again)."""


class RateFloor:
    """Watches one body against a :class:`MinRate`. :attr:`deadline` is the clock time (``clock``) by which the
    current window must have brought its quota; it moves on once the quota arrived, and by any wait for the cap
    (:meth:`paused`)."""

    def __init__(self, minimum: MinRate, *, clock: Clock = time.monotonic) -> None:
        self.minimum = minimum
        self._clock = clock
        self._start = clock()
        self.got = 0  # bytes of the current window

    @property
    def deadline(self) -> float:
        return self._start + self.minimum.window

    def arrived(self, n: int) -> None:
        self.got += n
        if self.got >= self.minimum.quota:
            self._start, self.got = self._clock(), 0

    def paused(self, seconds: float) -> None:
        self._start += seconds

    def error(self, host: str) -> SlowTransferError:
        m = self.minimum
        return SlowTransferError(
            f"{host} sent {self.got:,} bytes in {m.window:g} s, under the minimum rate of {format_rate(m.rate)}; "
            "abandoned (a stalled or dripping server; see --min-rate and --min-rate-window)."
        )
