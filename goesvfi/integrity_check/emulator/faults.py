"""What the emulator's CDN and S3 faults share: which of the matching requests a fault applies to."""

from __future__ import annotations

from typing import Protocol


class CountedFault(Protocol):
    times: int | None  # at most this many applications (None: no limit)
    every: int  # every N-th matching request
    seen: int
    applied: int


def fault_due(fault: CountedFault) -> bool:
    """Count one matching request; True when the fault applies to it (every ``every``-th, up to ``times``)."""
    if fault.times is not None and fault.applied >= fault.times:
        return False
    fault.seen += 1
    if fault.seen % max(1, fault.every):
        return False
    fault.applied += 1
    return True
