"""Which look a fetch writes, and whether the CDN can serve it (pure; the header reads run in a thread).

The folder's look (:mod:`..render.look`) comes from the frames already in the folder, else from the settings
(default: the CDN's look, STAR's colours at the configured CDN size). Every frame the fetch writes gets it. The
CDN serves only STAR's colours in its own sizes, so:

- a look with another colour table (grey, ``enhanced_ir``, any matplotlib map): S3 only, and the summary says why;
- a size the CDN has: asked for in that size; a size it lacks: the nearest larger CDN size, resampled (or S3 only
  when ``resample_cdn`` is off);
- ``allow_mixed``: no look at all, the old behaviour (CDN frames as served, S3 rendered with ``colormap`` at
  native size).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from goesvfi.integrity_check.render.colormaps import STAR
from goesvfi.integrity_check.render.look import (
    SEAMLESS_LOOK,
    UNKNOWN,
    Look,
    look_from_settings,
    mode_of_table,
    table_of,
)
from goesvfi.integrity_check.results import SlotResult, SlotStatus, Source
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import CDN_SIZES, DEFAULT_CDN_SIZE, Sector

S3_NATIVE_SIZE: dict[Sector, tuple[int, int]] = {Sector.CONUS: (2500, 1500), Sector.FULL_DISK: (5424, 5424)}
"""Band 13 (2 km) NetCDF sizes: a look larger than these enlarges S3 frames."""


@dataclass(frozen=True, slots=True)
class LookPlan:
    """``look``: what every written frame gets (None: mixed, the old behaviour). ``origin``: ``folder``,
    ``settings`` or ``mixed``. ``cdn_size``: the size asked of the CDN, None when the CDN is not used.
    ``notes``: lines for the summary (why S3 only, what is resampled)."""

    look: Look | None
    origin: str
    cdn_size: tuple[int, int] | None
    notes: list[str] = field(default_factory=list)

    @property
    def cdn_usable(self) -> bool:
        return self.cdn_size is not None


def default_size(sector: Sector, settings: FetchSettings) -> tuple[int, int] | None:
    """An empty folder's frame size: ``settings.size``, else the CDN's configured (or default) size."""
    if settings.size is not None:
        return settings.size
    if sector.cdn_dir is None:
        return None
    if settings.cdn_size is not None and settings.cdn_size in CDN_SIZES.get(sector, ()):
        return settings.cdn_size
    return DEFAULT_CDN_SIZE.get(sector)


def plan_look(
    sector: Sector, existing: Look | None, settings: FetchSettings, *, forced: Look | None = None
) -> LookPlan:
    """The look plan of a fetch into a folder whose frames have the look ``existing`` (None: no frame decides it,
    see ``scan.look``); ``forced``: this look whatever the folder holds (``fetch --conform`` re-fetching frames
    of another table)."""
    has_cdn = sector.cdn_dir is not None
    if settings.allow_mixed and forced is None:
        size = settings.cdn_size if settings.cdn_size in CDN_SIZES.get(sector, ()) else DEFAULT_CDN_SIZE.get(sector)
        return LookPlan(None, "mixed", size if has_cdn else None, ["mixed looks allowed: each source keeps its own"])
    notes: list[str] = []
    found = forced if forced is not None else existing
    if found is None:
        look, origin = look_from_settings(settings.look, default_size(sector, settings)), "settings"
    else:
        look, origin = found, "folder"
        if look.mode not in ("L", "RGB"):
            look = Look(look.width, look.height, "RGB", look.table)
        if look.table == UNKNOWN:
            wanted = table_of(settings.look)
            table = wanted if mode_of_table(wanted) == look.mode else (STAR if look.mode == "RGB" else "gray_r")
            notes.append(f"the folder's colour table is not recorded in its frames: new frames use {table}")
            look = Look(look.width, look.height, look.mode, table)
    native = S3_NATIVE_SIZE.get(sector)
    if look.size is not None and native is not None and (look.width or 0) * (look.height or 0) > native[0] * native[1]:
        notes.append(f"S3 frames are enlarged from {native[0]}x{native[1]} to {look.width}x{look.height} (bilinear)")
    if not has_cdn:
        return LookPlan(look, origin, None, notes)
    if look.table == STAR and settings.look.strip() == SEAMLESS_LOOK:
        notes.append("S3 only: the seamless look (STAR's colours without the CDN's map borders and banner)")
        return LookPlan(look, origin, None, notes)
    if look.table != STAR:
        notes.append(
            f"S3 only: the folder's look uses the {look.table} colour table and the CDN serves STAR's colours "
            "only (--allow-mixed to take CDN frames anyway)"
        )
        return LookPlan(look, origin, None, notes)
    sizes = CDN_SIZES[sector]
    if look.size is None or look.size in sizes:
        return LookPlan(look, origin, look.size or DEFAULT_CDN_SIZE[sector], notes)
    if not settings.resample_cdn:
        notes.append(
            f"S3 only: the CDN has no {look.width}x{look.height} {sector.display_name} frames and resampling CDN "
            "frames is off"
        )
        return LookPlan(look, origin, None, notes)
    width, height = look.size
    larger = [s for s in sizes if s[0] >= width and s[1] >= height]
    cdn_size = min(larger, key=lambda s: s[0] * s[1]) if larger else max(sizes, key=lambda s: s[0] * s[1])
    notes.append(f"CDN frames are resampled from {cdn_size[0]}x{cdn_size[1]} to {width}x{height}")
    return LookPlan(look, origin, cdn_size, notes)


def seam_note(slots: Sequence[SlotResult]) -> str | None:
    """When one fetch wrote frames from both sources into one sequence: the S3 frames lack the CDN's map borders
    and banner. Names how many and where the first seam between the two lies."""
    fetched = [s for s in slots if s.status is SlotStatus.FETCHED and s.source in (Source.CDN, Source.S3)]
    from_s3 = sum(s.source is Source.S3 for s in fetched)
    if not from_s3 or from_s3 == len(fetched):
        return None
    seam = next(b.timestamp for a, b in pairwise(fetched) if a.source is not b.source)
    return (
        f"{from_s3} frame{'s' if from_s3 != 1 else ''} from S3 lack the CDN's borders and banner: a seam at "
        f"{seam:%Y-%m-%d %H:%M} UTC (--look seamless: STAR's colours from S3 only, no seam)"
    )
