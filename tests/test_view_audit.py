"""``watch --satellite east --audit N`` verifies N frames a cycle in all, shared out among the satellite parts
(GOES-16 until the handover of 2025-04-07 about 15:00 UTC, GOES-19 from then: the dates as NOAA published them)."""

from __future__ import annotations

from datetime import UTC, datetime

from goesvfi.integrity_check.fetch.view import audit_shares
from goesvfi.integrity_check.query import ViewQuery
from goesvfi.integrity_check.time_index import SatellitePattern
from goesvfi.integrity_check.time_index.operational import View

ACROSS = ViewQuery(View.EAST, datetime(2025, 4, 7, 12, tzinfo=UTC), datetime(2025, 4, 7, 18, tzinfo=UTC))
AFTER = ViewQuery(View.EAST, datetime(2025, 5, 1, tzinfo=UTC), datetime(2025, 5, 2, tzinfo=UTC))


def _by_satellite(query: ViewQuery, audit: int) -> dict[SatellitePattern, int]:
    return {part.satellite: share for part, share in audit_shares(query, audit).items()}


def test_the_frames_of_a_cycle_are_shared_among_the_satellites() -> None:
    assert _by_satellite(ACROSS, 5) == {SatellitePattern.GOES_16: 3, SatellitePattern.GOES_19: 2}
    assert _by_satellite(ACROSS, 1) == {SatellitePattern.GOES_16: 1, SatellitePattern.GOES_19: 0}
    assert _by_satellite(ACROSS, 0) == {SatellitePattern.GOES_16: 0, SatellitePattern.GOES_19: 0}


def test_one_satellite_takes_them_all() -> None:
    assert _by_satellite(AFTER, 7) == {SatellitePattern.GOES_19: 7}
