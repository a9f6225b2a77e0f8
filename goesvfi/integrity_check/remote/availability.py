"""Which missing slots NOAA can fill, and which it never had: the listings are the truth.

A scan's expected slots come from a schedule model; NOAA sometimes ran another timeline (GOES-17's cooling
periods), had outages or changed mode. For the slots a folder lacks, :func:`check_availability` reads what
the sources hold (the S3 bucket's hour listings, cached for past hours; inside the CDN window, the CDN band
folder's index) and splits them:

- ``fetchable``: a source lists the slot (which sources, in the order the listings were read);
- ``unavailable``: no source has it, with the reason (``not in NOAA's S3 listing; outside the CDN window``,
  ``GOES-17 Mode 3 cooling timeline (...): no CONUS scans``, ``GOES-16 stopped producing ABI data ...``);
- slots newer than ``settle`` (NOAA publishes ~20 minutes late) that no source lists yet stay missing.

When a listing cannot be read (offline, the remote down) availability is unknown: ``checked`` is False,
``note`` says why and nothing is called unavailable from the listings. :func:`known_unavailable` gives what
the model alone knows (dated special timelines), with no I/O.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from goesvfi.integrity_check.remote.base import RemoteError, RemoteItem, RemoteStore
from goesvfi.integrity_check.results import ScanResult, Source
from goesvfi.integrity_check.time_index import SatellitePattern, Sector, special_timeline, to_utc, unproduced_reason

log = logging.getLogger(__name__)

CDN_MARGIN_DAYS = 3.0
"""The CDN keeps roughly 7-10 days: its index is read for slots up to ``cdn_days`` + this before now."""
SETTLE = timedelta(hours=1)
"""Slots newer than this that no source lists yet are not called unavailable: NOAA may still publish them."""


@dataclass(slots=True)
class Availability:
    """What the sources hold for a set of slots (see the module docstring)."""

    checked: bool
    fetchable: dict[datetime, tuple[Source, ...]] = field(default_factory=dict)
    unavailable: dict[datetime, str] = field(default_factory=dict)
    note: str | None = None  # why availability is unknown or partial
    items: dict[Source, dict[datetime, RemoteItem]] = field(default_factory=dict)


def known_unavailable(
    satellite: SatellitePattern, sector: Sector, slots: Iterable[datetime], step_minutes: int
) -> dict[datetime, str]:
    """Slots the model knows NOAA did not produce, without I/O: outside the satellite's era (its bounds are
    generous, so a slot outside surely has no data: GOES-16 in 2026) and in dated special timelines."""
    out: dict[datetime, str] = {}
    for slot in slots:
        if satellite is not SatellitePattern.GENERIC and not satellite.has_data_at(slot):
            out[slot] = f"never produced by NOAA: {satellite.unserved_reason(slot)}"
            continue
        if special_timeline(satellite, slot) is None:
            continue
        reason = unproduced_reason(satellite, sector, slot, step_minutes)
        if reason is not None:
            out[slot] = f"never produced by NOAA: {reason}"
    return out


def _reason(in_cdn_window: bool, has_cdn: bool, model: str | None, window_days: float) -> str:
    where = "not in NOAA's S3 listing"
    if not has_cdn:
        where += " (the CDN has no mesoscale sectors)"
    elif in_cdn_window:
        where += " nor on the STAR CDN"
    else:
        where += f"; outside the CDN window (older than {window_days:g} days)"
    return f"never produced by NOAA: {model} ({where})" if model else where


async def check_availability(
    satellite: SatellitePattern,
    sector: Sector,
    band: int,
    slots: Sequence[datetime],
    *,
    s3: RemoteStore | None,
    cdn: RemoteStore | None,
    now: datetime,
    cdn_days: float,
    step_minutes: int,
    cdn_margin_days: float = CDN_MARGIN_DAYS,
) -> Availability:
    """Read the sources' listings for ``slots`` (one listing per S3 hour prefix, one CDN index).

    ``cdn_days``: the CDN window (the fetch's cutoff); its index is read for slots up to ``cdn_days`` +
    ``cdn_margin_days`` old. ``step_minutes``: the scan's interval (a special timeline's slower cadence leaves
    some slots of that step without a scan).
    """
    now = to_utc(now)
    slots = sorted(set(map(to_utc, slots)))
    if not slots:
        return Availability(checked=True)
    if satellite is SatellitePattern.GENERIC:
        return Availability(checked=False, note="availability unknown: no satellite chosen")
    result = Availability(checked=True)
    model = {s: unproduced_reason(satellite, sector, s, step_minutes) for s in slots}
    ask: list[datetime] = []
    for slot in slots[: bisect_right(slots, now)]:  # the future: not published yet (stays missing; the fetch says so)
        if not satellite.has_data_at(slot):
            result.unavailable[slot] = str(model[slot])  # the satellite's years: no listing to read
        else:
            ask.append(slot)
    if not ask:
        return result
    has_cdn = sector.cdn_dir is not None
    horizon = now - timedelta(days=cdn_days + cdn_margin_days)
    cdn_slots = [s for s in ask if s >= horizon] if has_cdn and cdn is not None else []
    try:
        s3_found = await s3.find(satellite, sector, band, ask) if s3 is not None else {}
    except (RemoteError, OSError) as exc:
        log.warning("S3 listing failed: %s", exc)
        return Availability(checked=False, note=f"availability unknown: NOAA S3 could not be listed ({exc})")
    cdn_found: dict[datetime, RemoteItem] = {}
    cdn_unknown: set[datetime] = set()  # the slots the CDN was asked about when its index could not be read
    if cdn_slots and cdn is not None:
        try:
            cdn_found = await cdn.find(satellite, sector, band, cdn_slots)
        except (RemoteError, OSError) as exc:
            log.warning("CDN index failed: %s", exc)
            cdn_unknown = set(cdn_slots)
            result.note = f"the CDN index could not be read ({exc}): recent slots S3 lacks stay missing"
    if s3 is None:
        result.note = "availability unknown for S3 (no S3 store)"
    result.items = {Source.S3: s3_found, Source.CDN: cdn_found}
    cdn_window = set(cdn_slots)
    for slot in ask:
        sources = tuple(src for src, found in ((Source.CDN, cdn_found), (Source.S3, s3_found)) if slot in found)
        if sources:
            result.fetchable[slot] = sources
        elif slot > now - SETTLE or s3 is None or slot in cdn_unknown:
            continue  # unknown: stays missing
        else:
            result.unavailable[slot] = _reason(slot in cdn_window, has_cdn, model[slot], cdn_days + cdn_margin_days)
    return result


def apply_availability(scan: ScanResult, availability: Availability | None, known: dict[datetime, str]) -> ScanResult:
    """Move unavailable slots out of ``scan.missing`` (in place; returns ``scan``).

    ``known``: what the model alone knows (:func:`known_unavailable`). ``availability`` None: the sources were
    not asked; ``checked`` False: asked, but unknown (its note becomes a warning and only ``known`` applies).
    Only missing slots can become unavailable (a present file always wins).
    """
    unavailable = dict(known)
    if availability is not None:
        scan.availability_checked = availability.checked
        if availability.checked:
            unavailable.update(availability.unavailable)
        if availability.note:
            scan.warnings.append(availability.note)
    missing = set(scan.missing)
    scan.unavailable = {s: unavailable[s] for s in sorted(unavailable) if s in missing}
    scan.missing = [s for s in scan.missing if s not in scan.unavailable]
    return scan
