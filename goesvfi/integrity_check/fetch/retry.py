"""Retries with exponential backoff and full jitter for remote calls.

Only :class:`RemoteUnavailableError` (timeouts, resets, 5xx, 429) is retried. The delay before attempt ``n``
(0-based count of failures so far) is ``uniform(0, min(backoff_max, backoff_base * 2**n))`` ("full jitter"),
but never shorter than the server's ``Retry-After`` hint. A server that asks for a longer wait than
``backoff_max`` is not retried: the error goes up at once so the caller can try the other store.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from goesvfi.integrity_check.remote.base import RemoteUnavailableError

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    retries: int = 4  # extra attempts after the first
    backoff_base: float = 0.5
    backoff_max: float = 30.0

    def delay(self, failures: int, retry_after: float | None, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait after ``failures`` failed attempts (>= 1); honours ``retry_after``."""
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (failures - 1)))
        jittered = rand() * ceiling
        if retry_after is not None and retry_after > 0:
            return max(jittered, retry_after)
        return jittered


async def with_retries(
    operation: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    sleep: Sleep,
    *,
    rand: Callable[[], float] = random.random,
    on_retry: Callable[[RemoteUnavailableError, float], None] | None = None,
) -> T:
    """Run ``operation`` until it succeeds, retrying :class:`RemoteUnavailableError` per ``policy``.

    Other exceptions (including ``CancelledError``) propagate at once. After the last attempt the last
    :class:`RemoteUnavailableError` is raised, its message saying how many attempts were made.
    """
    failures = 0
    while True:
        try:
            return await operation()
        except RemoteUnavailableError as exc:
            failures += 1
            too_long = exc.retry_after is not None and exc.retry_after > policy.backoff_max
            if failures > policy.retries or too_long:
                raise _final(exc, failures, too_long) from exc
            wait = policy.delay(failures, exc.retry_after, rand)
            if on_retry is not None:
                on_retry(exc, wait)
            await sleep(wait)


def _final(exc: RemoteUnavailableError, attempts: int, too_long: bool) -> RemoteUnavailableError:
    if too_long:
        note = f"the server asked to wait {exc.retry_after:g} s; not retried"
    else:
        note = f"gave up after {attempts} attempt{'s' if attempts != 1 else ''}"
    return RemoteUnavailableError(f"{exc} ({note})", retry_after=exc.retry_after)
