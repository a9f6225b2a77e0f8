"""Which colour table a look name means for one ABI band: no band ever gets another band's table.

STAR's longwave-window table (``star``) is the only STAR table this tool knows (DOMAIN.md: bands 13, 14, 15).
Every other band's CDN JPGs use STAR's own enhancement of that band (water vapour is not the longwave table), which
this tool can take as served but cannot draw from a NetCDF file: its table name ``star-bandNN`` marks such frames,
and only the CDN can supply them. Pure: no I/O.

- ``auto`` (the default): ``star`` for bands 13-15, else the band's own grey (:func:`grey_table`);
- ``cdn``: STAR's colours of the band, i.e. ``star`` for 13-15 and ``star-bandNN`` (CDN only) for the others;
- ``seamless``: ``star`` drawn from S3 only (no CDN borders), bands 13-15 only;
- ``grey``: the band's own grey: reflectance 0 black .. 1 white (bands 1-6), inverted brightness temperature over
  the band's range (7-16: cold white), the range from the band table (:mod:`..time_index.bands`);
- ``star`` for a band outside 13-15: refused; any other name: that colour map.
"""

from __future__ import annotations

from goesvfi.integrity_check.look.value import AUTO_LOOK, CDN_LOOK, GREY_LOOKS, SEAMLESS_LOOK, STAR
from goesvfi.integrity_check.time_index import band_facts

CDN_ONLY_PREFIX = "star-band"
DEFAULT_RANGE = (180.0, 330.0)
"""The settings' kelvin range by default: taken as "the band's own range" (the band table's, with its source)."""


def grey_table(band: int) -> str:
    """``gray`` (reflectance, dark ground black) for bands 1-6, ``gray_r`` (cold tops white) for 7-16."""
    return "gray" if band_facts(band).reflective else "gray_r"


def cdn_table(band: int) -> str:
    """The table of the CDN's JPGs of ``band``: ``star`` for 13-15, else ``star-bandNN`` (known only as served)."""
    return STAR if band_facts(band).star_table else f"{CDN_ONLY_PREFIX}{band:02d}"


def cdn_only(table: str) -> bool:
    """A table only the CDN's JPGs have (S3 frames cannot be drawn in it)."""
    return table.startswith(CDN_ONLY_PREFIX)


def band_table(look_name: str, band: int) -> str:
    """The colour table ``look_name`` means for ``band``; ValueError when it is another band's table."""
    facts = band_facts(band)
    name = look_name.strip()
    if name == AUTO_LOOK:
        return STAR if facts.star_table else grey_table(band)
    if name == CDN_LOOK:
        return cdn_table(band)
    if name == SEAMLESS_LOOK:  # STAR's colours drawn from S3: only the table this tool knows
        if not facts.star_table:
            raise ValueError(
                f"the look seamless draws STAR's longwave table, which belongs to bands 13-15: for band {band} use "
                "auto, cdn (STAR's JPGs as served) or grey"
            )
        return STAR
    if name in GREY_LOOKS:
        return grey_table(band)
    if (name == STAR and not facts.star_table) or (cdn_only(name) and name != cdn_table(band)):
        raise ValueError(
            f"the look {name} is another band's colour table: STAR's longwave table belongs to bands 13-15; "
            f"for band {band} use auto, cdn (STAR's JPGs as served) or grey"
        )
    return name


def value_range(band: int, vmin: float, vmax: float) -> tuple[float, float]:
    """The kelvin range to draw ``band`` with: the settings' range when it was changed from the default, else the
    band's own (water vapour 180-280 K ...); reflective bands always reflectance 0-1."""
    facts = band_facts(band)
    if facts.reflective or (vmin, vmax) == DEFAULT_RANGE:
        return facts.value_range
    return vmin, vmax


def auto_note(band: int) -> str | None:
    """Why the default look of ``band`` is its own grey from S3 (None for bands 13-15)."""
    facts = band_facts(band)
    if facts.star_table:
        return None
    lo, hi = facts.value_range
    what = f"reflectance {lo:g}-{hi:g}" if facts.reflective else f"inverted grey {lo:g}-{hi:g} K"
    return (
        f"S3 only: STAR's colour table is known for bands 13-15 only, so band {band}'s default look is its own "
        f"grey ({what}; source: {facts.range_source}); --look cdn takes STAR's band {band} JPGs inside the CDN "
        "window instead"
    )
