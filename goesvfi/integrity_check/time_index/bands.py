"""The ABI band facts, as data: one row per band (as satpy keeps them in its ``abi_l1b`` reader table).

Pure: no I/O, no Qt. Scan, fetch, render and the emulator read these rows instead of repeating
``band <= 6`` or ``band == 2`` tests of their own.

Sources:
- resolution at nadir and central wavelength: satpy ``etc/readers/abi_l1b.yaml`` (``resolution`` and the middle
  of ``wavelength``), DOMAIN.md's band table;
- reflective (1-6: reflectance factor ``kappa0 x L``) or emissive (7-16: brightness temperature): DOMAIN.md;
- the grey range each band's default look spans (:attr:`BandFacts.value_range`, with :attr:`BandFacts.range_source`):
  the published defaults of satpy (its ``etc/enhancements``) and of Geo2Grid, SSEC's imager tool built on satpy
  (``polar2grid/etc/enhancements/abi.yaml``): band 7 164.15-400.15 K, 8-10 180-280 K, 11-16 163-330 K (satpy's and
  Geo2Grid's look for every ABI emissive band without one of its own), 1-6 reflectance 0-1;
- the CDN's image sizes per sector (the same for every band of a sector, DOMAIN.md) and the NetCDF sizes, which
  scale with the band's resolution (CONUS 2500x1500 at 2 km, 5000x3000 at 1 km, 10000x6000 at 0.5 km ...);
- STAR's longwave-window colour table (DOMAIN.md, "STAR's band-13 look") is known for bands 13, 14 and 15 only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from goesvfi.integrity_check.time_index.satellites import Sector, check_band

Kind = Literal["reflective", "emissive"]

CDN_SIZES: dict[Sector, tuple[tuple[int, int], ...]] = {
    Sector.CONUS: ((416, 250), (625, 375), (1250, 750), (2500, 1500), (5000, 3000)),
    Sector.FULL_DISK: ((339, 339), (678, 678), (1808, 1808), (5424, 5424), (10848, 10848)),
}
"""(width, height) of the STAR CDN's JPGs per sector, the same for every band (DOMAIN.md); meso: none."""
DEFAULT_CDN_SIZE: dict[Sector, tuple[int, int]] = {Sector.CONUS: (2500, 1500), Sector.FULL_DISK: (1808, 1808)}

_SIZE_2KM: dict[Sector, tuple[int, int]] = {
    Sector.CONUS: (2500, 1500),
    Sector.FULL_DISK: (5424, 5424),
    Sector.MESO1: (500, 500),
    Sector.MESO2: (500, 500),
}
"""(width, height) of a 2 km ABI L1b image per sector (DOMAIN.md)."""

REFLECTANCE_RANGE = (0.0, 1.0)
REFLECTANCE_SOURCE = "satpy generic.yaml reflectance_default (crude stretch 0-100 %)"
SHORTWAVE_RANGE = (164.15, 400.15)
SHORTWAVE_SOURCE = "Geo2Grid abi.yaml channel_7_default (crude stretch 400.15 K black to 164.15 K white)"
WATER_VAPOUR_RANGE = (180.0, 280.0)
WATER_VAPOUR_SOURCE = "Geo2Grid abi.yaml channel_8/9/10_default (crude stretch 280 K black to 180 K white)"
INFRARED_RANGE = (163.0, 330.0)
INFRARED_SOURCE = (
    "satpy abi.yaml highlighted_brightness_temperature and Geo2Grid brightness_temperature_default "
    "(330 K black to 163 K white; their knee at 242 K is not drawn)"
)
STAR_TABLE_BANDS = frozenset({13, 14, 15})
"""Bands whose CDN images use STAR's longwave-window table, the only STAR table known (DOMAIN.md)."""


@dataclass(frozen=True, slots=True)
class BandFacts:
    """One ABI band: ``value_range`` is reflectance (1-6) or kelvin (7-16) spanned by its default grey look."""

    band: int
    name: str
    wavelength_um: float
    resolution_km: float
    kind: Kind
    value_range: tuple[float, float]
    range_source: str

    @property
    def reflective(self) -> bool:
        return self.kind == "reflective"

    @property
    def star_table(self) -> bool:
        """Whether STAR's longwave-window colour table (``star``) is this band's CDN look."""
        return self.band in STAR_TABLE_BANDS

    @property
    def scale(self) -> int:
        """Pixels per 2 km in each direction: 4 at 0.5 km, 2 at 1 km, 1 at 2 km."""
        return round(2.0 / self.resolution_km)

    def native_size(self, sector: Sector) -> tuple[int, int]:
        """(width, height) of this band's NetCDF image of ``sector``."""
        width, height = _SIZE_2KM[sector]
        return width * self.scale, height * self.scale

    @staticmethod
    def cdn_sizes(sector: Sector) -> tuple[tuple[int, int], ...]:
        """The CDN's sizes of ``sector`` (every band alike; none for meso)."""
        return CDN_SIZES.get(sector, ())

    def describe(self) -> str:
        """``band 9 (6.95 um, mid-level water vapour, emissive, 2 km)``"""
        km = f"{self.resolution_km:g} km"
        return f"band {self.band} ({self.wavelength_um:g} um, {self.name}, {self.kind}, {km})"


def _row(band: int, name: str, wavelength: float, km: float) -> BandFacts:
    if band <= 6:
        return BandFacts(band, name, wavelength, km, "reflective", REFLECTANCE_RANGE, REFLECTANCE_SOURCE)
    if band == 7:
        return BandFacts(band, name, wavelength, km, "emissive", SHORTWAVE_RANGE, SHORTWAVE_SOURCE)
    if band in (8, 9, 10):
        return BandFacts(band, name, wavelength, km, "emissive", WATER_VAPOUR_RANGE, WATER_VAPOUR_SOURCE)
    return BandFacts(band, name, wavelength, km, "emissive", INFRARED_RANGE, INFRARED_SOURCE)


BANDS: dict[int, BandFacts] = {
    row.band: row
    for row in (
        _row(1, "blue", 0.47, 1.0),
        _row(2, "red", 0.64, 0.5),
        _row(3, "veggie", 0.865, 1.0),
        _row(4, "cirrus", 1.378, 2.0),
        _row(5, "snow/ice", 1.61, 1.0),
        _row(6, "cloud particle size", 2.25, 2.0),
        _row(7, "shortwave window", 3.9, 2.0),
        _row(8, "upper-level water vapour", 6.185, 2.0),
        _row(9, "mid-level water vapour", 6.95, 2.0),
        _row(10, "lower-level water vapour", 7.34, 2.0),
        _row(11, "cloud-top phase", 8.5, 2.0),
        _row(12, "ozone", 9.61, 2.0),
        _row(13, "clean longwave window", 10.35, 2.0),
        _row(14, "longwave window", 11.2, 2.0),
        _row(15, "dirty longwave window", 12.3, 2.0),
        _row(16, "CO2 longwave", 13.3, 2.0),
    )
}


FINEST_BAND = min(BANDS.values(), key=lambda facts: facts.resolution_km).band
"""The band of the finest grid (band 2, 0.5 km): every sector's largest image."""


def finest_size(sector: Sector) -> tuple[int, int]:
    """(width, height) of ``sector``'s largest image: the finest band's grid (full disk: 21696x21696)."""
    return BANDS[FINEST_BAND].native_size(sector)


def band_facts(band: int) -> BandFacts:
    """The row of ``band``; ValueError for anything but 1-16."""
    return BANDS[check_band(band)]
