"""The hybrid plan: for each missing slot, which stores to try and in what order.

- Slots newer than ``now - cdn_days`` come from the CDN first and fall back to S3.
- Older slots come from S3 and fall back to the CDN only while it may still hold them: the CDN keeps
  roughly 7-10 days, so up to ``cdn_days + CDN_RETENTION_MARGIN_DAYS`` before now.
- Mesoscale sectors have no CDN; GENERIC has no remote at all.
- A look only the CDN has (STAR's colours of a band outside 13-15, ``use_s3=False``): CDN only, while it may still
  hold the slot; older slots are not attempted, with the reason.
- Slots outside the dates the satellite served (GOES-16 after 2025-04-07 ...) are not planned: they get a
  reason instead, so a fetch does not turn into thousands of 404s.
- Slots in the future cannot exist anywhere yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from goesvfi.integrity_check.results import Source
from goesvfi.integrity_check.time_index import SatellitePattern, Sector, to_utc

CDN_RETENTION_MARGIN_DAYS = 3.0


@dataclass(slots=True)
class FetchPlan:
    order: dict[datetime, tuple[Source, ...]] = field(default_factory=dict)  # slots to fetch, in time order
    skipped: dict[datetime, str] = field(default_factory=dict)  # slots not attempted, with the reason
    refused: dict[datetime, str] = field(default_factory=dict)  # slots the look cannot take from any source: failed
    unavailable: dict[datetime, str] = field(default_factory=dict)  # no NOAA source can have them (era, future)

    def slots_for(self, source: Source) -> list[datetime]:
        """The slots a store may serve (as first choice or fallback): the slots to ask its listing for."""
        return [slot for slot, order in self.order.items() if source in order]


def plan_fetch(
    satellite: SatellitePattern,
    sector: Sector,
    slots: Iterable[datetime],
    now: datetime,
    cdn_days: float,
    *,
    use_cdn: bool = True,
    use_s3: bool = True,
    cdn_only_reason: str = "CDN only",
) -> FetchPlan:
    """Order the stores for each slot (see the module docstring); ``use_cdn=False``: S3 only (the folder's look
    is one the CDN cannot serve, see :mod:`goesvfi.integrity_check.look.plan`); ``use_s3=False``: CDN only
    (``cdn_only_reason`` says why, for the slots older than the CDN window)."""
    now = to_utc(now)
    cutoff = now - timedelta(days=cdn_days)
    cdn_horizon = now - timedelta(days=cdn_days + CDN_RETENTION_MARGIN_DAYS)
    has_cdn = sector.cdn_dir is not None and use_cdn
    plan = FetchPlan()
    for slot in sorted(set(map(to_utc, slots))):
        if satellite is SatellitePattern.GENERIC:
            plan.skipped[slot] = "no satellite chosen: pick goes16, goes17, goes18 or goes19 to fetch"
        elif not satellite.has_data_at(slot):
            plan.unavailable[slot] = satellite.unserved_reason(slot)
        elif slot > now:
            plan.unavailable[slot] = f"{slot:%Y-%m-%d %H:%M} UTC is in the future: not published yet"
        elif not use_s3:
            if not has_cdn:  # a mesoscale sector: the CDN has none
                plan.refused[slot] = f"no source has this look: {cdn_only_reason}"
            elif slot >= cdn_horizon:
                plan.order[slot] = (Source.CDN,)
            else:
                days = f"{cdn_days + CDN_RETENTION_MARGIN_DAYS:g}"
                plan.refused[slot] = f"older than the CDN window ({days} days): {cdn_only_reason}"
        elif has_cdn and slot >= cutoff:
            plan.order[slot] = (Source.CDN, Source.S3)
        elif has_cdn and slot >= cdn_horizon:
            plan.order[slot] = (Source.S3, Source.CDN)
        else:
            plan.order[slot] = (Source.S3,)
    return plan
