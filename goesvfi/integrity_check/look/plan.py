"""Which look a fetch writes, and whether the CDN can serve it (pure; the header reads run in a thread).

The folder's look (:mod:`.decide`) comes from the frames already in the folder, else from the settings
(default ``auto``: STAR's colours for bands 13-15, the band's own grey for the others, :mod:`.tables`),
at the configured CDN size. Every frame the fetch writes gets it. The CDN serves only STAR's colours in its own
sizes, so:

- a look with another colour table (grey, ``enhanced_ir``, any matplotlib map): S3 only, and the summary says why;
- STAR's colours of a band outside 13-15 (``--look cdn``): CDN only (S3 frames cannot be drawn in them): slots
  older than the CDN window are not fetched, with the reason;
- a size the CDN has: asked for in that size; a size it lacks: the nearest larger CDN size, resampled (or S3 only
  when ``resample_cdn`` is off);
- ``allow_mixed``: no look at all, the old behaviour (CDN frames as served, S3 rendered with ``colormap`` at
  native size).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from goesvfi.integrity_check.look.tables import auto_note, band_table, cdn_only, cdn_table, grey_table
from goesvfi.integrity_check.look.value import AUTO_LOOK, SEAMLESS_LOOK, STAR, UNKNOWN, Look, mode_of_table
from goesvfi.integrity_check.results import SlotResult, SlotStatus, Source
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import CDN_SIZES, DEFAULT_BAND, DEFAULT_CDN_SIZE, Sector, band_facts


@dataclass(frozen=True, slots=True)
class LookPlan:
    """``look``: what every written frame gets (None: mixed, the old behaviour). ``origin``: ``folder``,
    ``settings`` or ``mixed``. ``cdn_size``: the size asked of the CDN, None when the CDN is not used.
    ``notes``: lines for the summary (why S3 only, what is resampled). ``s3_usable``: False when the look is one
    only the CDN's JPGs have (STAR's colours of a band outside 13-15)."""

    look: Look | None
    origin: str
    cdn_size: tuple[int, int] | None
    notes: list[str] = field(default_factory=list)
    s3_usable: bool = True
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def s3_file_size(self, width: int, height: int) -> None:
        """An S3 file's own size, as its render found it (any thread): when the look is larger, frames are
        enlarged from it, and the notes say so once per size. The file's size, not NOAA's usual one: band 2's
        files are 4x larger than band 13's, and the emulator's are a tenth of NOAA's."""
        look = self.look
        if look is None or look.size is None or width * height >= (look.width or 0) * (look.height or 0):
            return
        note = f"S3 frames are enlarged from {width}x{height} to {look.width}x{look.height} (bilinear)"
        with self._lock:
            if note not in self.notes:
                self.notes.append(note)

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


def settings_look(sector: Sector, band: int, settings: FetchSettings) -> Look:
    """An empty folder's look: the settings' look name as ``band``'s table (ValueError: another band's table)."""
    table = band_table(settings.look, band)
    size = default_size(sector, settings)
    width, height = size if size is not None else (None, None)
    return Look(width, height, mode_of_table(table), table)


def plan_look(
    sector: Sector,
    existing: Look | None,
    settings: FetchSettings,
    *,
    forced: Look | None = None,
    band: int = DEFAULT_BAND,
) -> LookPlan:
    """The look plan of a fetch of ``band`` into a folder whose frames have the look ``existing`` (None: no frame
    decides it, see :mod:`.decide`); ``forced``: this look whatever the folder holds (``fetch --conform``
    re-fetching frames of another table). ValueError when the settings name another band's table (``--look star``
    for band 9)."""
    has_cdn = sector.cdn_dir is not None
    if settings.allow_mixed and forced is None:
        size = settings.cdn_size if settings.cdn_size in CDN_SIZES.get(sector, ()) else DEFAULT_CDN_SIZE.get(sector)
        return LookPlan(None, "mixed", size if has_cdn else None, ["mixed looks allowed: each source keeps its own"])
    notes: list[str] = []
    found = forced if forced is not None else existing
    if found is None:
        look, origin = settings_look(sector, band, settings), "settings"
        if settings.look.strip() == AUTO_LOOK and has_cdn:
            notes.extend(filter(None, [auto_note(band)]))
    else:
        look, origin = found, "folder"
        if look.mode not in ("L", "RGB"):
            look = Look(look.width, look.height, "RGB", look.table)
        if look.table == UNKNOWN:
            wanted = band_table(settings.look, band)
            table = (
                wanted
                if mode_of_table(wanted) == look.mode
                else grey_table(band)
                if look.mode == "L"
                else cdn_table(band)
            )
            notes.append(f"the folder's colour table is not recorded in its frames: new frames use {table}")
            look = Look(look.width, look.height, look.mode, table)
        elif look.table == STAR and not band_facts(band).star_table:
            table = grey_table(band)
            notes.append(
                f"the folder's frames carry STAR's longwave colour table, which is not band {band}'s: new frames use "
                f"{table} (fetch --conform rewrites the others)"
            )
            look = Look(look.width, look.height, mode_of_table(table), table)
    if not has_cdn:
        if cdn_only(look.table):
            notes.append(f"nothing to fetch from: {look.table} is a CDN look and the CDN has no {sector.display_name}")
            return LookPlan(look, origin, None, notes, s3_usable=False)
        return LookPlan(look, origin, None, notes)
    if look.table == STAR and settings.look.strip() == SEAMLESS_LOOK:
        notes.append("S3 only: the seamless look (STAR's colours without the CDN's map borders and banner)")
        return LookPlan(look, origin, None, notes)
    s3_usable = not cdn_only(look.table)
    if not s3_usable:
        notes.append(
            f"CDN only: the look is STAR's band {band} colours, which only the CDN's JPGs have (S3 frames cannot be "
            "drawn in them): slots older than the CDN window are not fetched"
        )
    elif look.table != STAR:
        if origin == "folder" or settings.look.strip() != AUTO_LOOK:  # else auto_note said why
            notes.append(
                f"S3 only: the folder's look uses the {look.table} colour table and the CDN serves STAR's colours "
                "only (--allow-mixed to take CDN frames anyway)"
            )
        return LookPlan(look, origin, None, notes)
    sizes = CDN_SIZES[sector]
    if look.size is None or look.size in sizes:
        return LookPlan(look, origin, look.size or DEFAULT_CDN_SIZE[sector], notes, s3_usable)
    if not settings.resample_cdn:
        notes.append(
            f"S3 only: the CDN has no {look.width}x{look.height} {sector.display_name} frames and resampling CDN "
            "frames is off"
        )
        return LookPlan(look, origin, None, notes, s3_usable)
    width, height = look.size
    larger = [s for s in sizes if s[0] >= width and s[1] >= height]
    cdn_size = min(larger, key=lambda s: s[0] * s[1]) if larger else max(sizes, key=lambda s: s[0] * s[1])
    notes.append(f"CDN frames are resampled from {cdn_size[0]}x{cdn_size[1]} to {width}x{height}")
    return LookPlan(look, origin, cdn_size, notes, s3_usable)


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
