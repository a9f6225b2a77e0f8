"""Write ABI L1b radiance NetCDF4 files with the real NOAA schema and a synthetic scene.

The tests and the local NOAA emulator use these files in place of NOAA's. The layout follows the real
product (see DOMAIN.md): ``Rad(y, x)`` int16 with ``_Unsigned = "true"``, scale/offset/fill/valid_range,
``DQF(y, x)``, the Planck constants as scalar *variables*, ``band_id``, ``band_wavelength``, ``t``, scaled
int16 ``x``/``y`` scan angles, ``goes_imager_projection`` and the global attributes of a real file.

The scene is computed in brightness temperature (IR bands) or reflectance (bands 1-6) and turned into
counts by inverting the same formulas the renderer applies, so rendering a file gives the scene back
within one count of quantisation.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import netCDF4
import numpy as np

from goesvfi.integrity_check.emulator.abi_scene import (
    R_EQ,
    R_POL,
    band_scene,
    default_shape,
    geometry_key,
    no_value_mask,
    reflectance_scene,
    scan_angles,
    scene_time,
    synthetic_scene,
)
from goesvfi.integrity_check.emulator.names import is_west, l1b_name, platform
from goesvfi.integrity_check.emulator.names import utc as to_utc
from goesvfi.integrity_check.render.netcdf import NETCDF_LOCK
from goesvfi.integrity_check.time_index import SatellitePattern, Sector, band_facts

C1 = 1.191042e-5
"""2 h c^2 in mW m-2 sr-1 cm^4 (radiance per wavenumber)."""
C2 = 1.4387752
"""h c / k in K cm."""


@dataclass(frozen=True, slots=True)
class PlanckConstants:
    """The four Planck coefficients of one emissive band, as stored in ABI L1b files."""

    fk1: float
    fk2: float
    bc1: float
    bc2: float

    @classmethod
    def from_wavenumber(cls, wavenumber: float, bc1: float = 0.0, bc2: float = 1.0) -> PlanckConstants:
        """Monochromatic constants of a band centred at ``wavenumber`` (cm-1)."""
        return cls(C1 * wavenumber**3, C2 * wavenumber, bc1, bc2)

    def radiance(self, bt: np.ndarray | np.floating) -> np.ndarray:
        """Radiance (mW m-2 sr-1 (cm-1)-1) of brightness temperature ``bt`` (K): the inverse of the BT formula."""
        x = np.array(bt, dtype=np.result_type(bt, np.float32))  # an array even for a scalar: divided in place
        x *= self.bc2
        x += self.bc1
        np.divide(self.fk2, x, out=x)
        np.expm1(x, out=x)
        return np.divide(self.fk1, x, out=x)

    def brightness_temperature(self, radiance: np.ndarray) -> np.ndarray:
        """``BT = (fk2 / ln(fk1 / L + 1) - bc1) / bc2`` (K)."""
        return (self.fk2 / np.log(self.fk1 / radiance + 1.0) - self.bc1) / self.bc2


REFERENCE_CONSTANTS = PlanckConstants(fk1=13432.1, fk2=1497.61, bc1=0.09102, bc2=0.99971)
"""satpy's ABI reader test constants (DOMAIN.md): counts 202/302/402 at scale 0.5, offset -1.3 give
304.97037 / 332.22778 / 354.6147 K. They are test values, not any satellite's own."""
GOES16_BAND13 = PlanckConstants(fk1=10803.3, fk2=1392.74, bc1=0.0755, bc2=0.99975)
"""GOES-16 band 13 constants as published in its L1b files."""

BAND_BITS: dict[int, int] = {1: 10, 2: 12, 3: 10, 4: 11, 5: 10, 6: 10, 7: 14} | {b: 12 for b in range(8, 17)}
"""Bits per count; the all-ones value is ``_FillValue`` (band 13: 12 bits, fill 4095)."""
SOLAR_IRRADIANCE: dict[int, float] = {1: 2017.17, 2: 1631.33, 3: 957.01, 4: 360.90, 5: 242.54, 6: 76.86}
"""Nominal band solar irradiance ``esun`` (W m-2 um-1) of the reflective bands 1-6."""

IR_UNITS = "mW m-2 sr-1 (cm-1)-1"
VIS_UNITS = "W m-2 sr-1 um-1"
_J2000 = datetime(2000, 1, 1, 12, tzinfo=UTC)
_SCAN_SECONDS = {Sector.CONUS: 143.7, Sector.FULL_DISK: 579.3, Sector.MESO1: 5.7}
_SCENE_ID = {Sector.CONUS: "CONUS", Sector.FULL_DISK: "Full Disk", Sector.MESO1: "Mesoscale"}


def planck_constants(satellite: SatellitePattern, band: int) -> PlanckConstants:
    """The constants this writer stores for an emissive band (7-16).

    Band 13: GOES-16's published constants for GOES-16, satpy's reference constants (DOMAIN.md) for the other
    satellites, so that files differ per satellite and a renderer must read them from the file. Other
    emissive bands: monochromatic constants at the band's nominal centre.
    """
    if band_facts(band).reflective:
        raise ValueError(f"band {band} is a reflective band: it has no Planck constants")
    if band == 13:
        return GOES16_BAND13 if satellite is SatellitePattern.GOES_16 else REFERENCE_CONSTANTS
    return PlanckConstants.from_wavenumber(1e4 / band_facts(band).wavelength_um)


def kappa0(band: int, sun_distance_au: float = 1.0) -> float:
    """Radiance-to-reflectance factor of a reflective band: ``pi d^2 / esun``."""
    return float(np.pi * sun_distance_au**2 / SOLAR_IRRADIANCE[band_facts(band).band])


def _encoding(band: int, constants: PlanckConstants | None) -> tuple[float, float, int]:
    """(scale_factor, add_offset, fill) for a band; band 13 uses the real product's values."""
    fill = (1 << BAND_BITS[band]) - 1
    if band == 13 and (constants is None or constants in (GOES16_BAND13, REFERENCE_CONSTANTS)):
        return 0.04572892, -1.6443, fill
    if band_facts(band).reflective:
        top = 1.3 / kappa0(band)  # reflectance 1.3
    else:
        planck = constants or PlanckConstants.from_wavenumber(1e4 / band_facts(band).wavelength_um)
        top = float(planck.radiance(np.float64(345.0)))
    offset = -0.01 * top
    return (top - offset) / (fill - 1), offset, fill


def _quantise(radiance: np.ndarray, missing: np.ndarray, scale: float, offset: float, fill: int) -> np.ndarray:
    counts = np.subtract(radiance, offset, dtype=np.float32)
    counts /= np.float32(scale)
    np.rint(counts, out=counts)
    np.clip(counts, 0, fill - 1, out=counts)
    raw = counts.astype(np.uint16)
    raw[missing] = fill
    return raw


def _tenths(dt: datetime) -> str:
    dt = to_utc(dt)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{dt.microsecond // 100_000}Z"


def write_abi_l1b(
    path: Path,
    *,
    satellite: SatellitePattern,
    sector: Sector,
    band: int,
    start: datetime,
    shape: tuple[int, int] | None = None,
    seed: int = 0,
    bt_kelvin: np.ndarray | None = None,
    constants: PlanckConstants | None = None,
    counts: np.ndarray | None = None,
    scale_factor: float | None = None,
    add_offset: float | None = None,
    fill_value: int | None = None,
) -> Path:
    """Write an ABI L1b radiance file at ``path`` (temp name in the same folder, fsync, rename); return ``path``.

    ``shape`` is (y, x), default the sector's 2 km size. The scene is synthetic (``seed`` and the scan's minute:
    :func:`~.abi_scene.synthetic_scene`, the scene the emulator's CDN JPG of that slot shows) unless
    ``bt_kelvin`` (K, NaN = fill) or raw unsigned ``counts`` (``fill_value`` = fill) are given.
    ``constants`` override the band's Planck constants; ``scale_factor``/``add_offset``/``fill_value``
    override the radiance encoding (band 13 default: 0.04572892, -1.6443, 4095).
    """
    band = band_facts(band).band
    if satellite is SatellitePattern.GENERIC:
        raise ValueError("an ABI file needs a real satellite, not GENERIC")
    start = to_utc(start)
    source = counts if counts is not None else bt_kelvin
    if source is not None:
        if shape is not None and tuple(shape) != source.shape:
            raise ValueError(f"shape {shape} does not match the given array's {source.shape}")
        shape = (int(source.shape[0]), int(source.shape[1]))
    facts = band_facts(band)
    shape = shape or default_shape(sector, facts.scale)
    emissive = not facts.reflective
    if emissive:
        constants = constants or planck_constants(satellite, band)
    scale, offset, fill = _encoding(band, constants)
    scale = scale if scale_factor is None else scale_factor
    offset = offset if add_offset is None else add_offset
    fill = fill if fill_value is None else fill_value

    if counts is not None:
        raw = np.asarray(counts).astype(np.uint16)
    elif bt_kelvin is not None:
        if constants is None:
            raise ValueError(f"band {band} is reflective: give counts, not brightness temperatures")
        missing = ~np.isfinite(bt_kelvin)
        radiance = constants.radiance(np.where(missing, 300.0, np.asarray(bt_kelvin, dtype=np.float64)))
        raw = _quantise(radiance, missing, scale, offset, fill)
    else:
        bt, cloud = synthetic_scene(shape, seed, scene_time(start))  # the slot's scene, as the CDN JPG shows it
        if constants is not None:
            bt = band_scene(bt, band)
        missing = no_value_mask(sector, shape)
        radiance = constants.radiance(bt) if constants else reflectance_scene(bt, cloud) / kappa0(band)
        raw = _quantise(radiance, missing, scale, offset, fill)
    dqf = (raw == fill).view(np.int8) * np.int8(3)
    stored = raw.view(np.int16)

    end = start + timedelta(seconds=_SCAN_SECONDS[geometry_key(sector)])
    created = end + timedelta(seconds=27.4)
    name = l1b_name(satellite, sector, band, start, end, created)
    (y0, ys), (x0, xs) = scan_angles(sector, shape)
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        with NETCDF_LOCK, netCDF4.Dataset(tmp, "w", format="NETCDF4") as ds:
            _fill_dataset(ds, satellite, sector, band, start, end, created, name, shape, (y0, ys, x0, xs))
            chunks = (min(shape[0], 250), min(shape[1], 250))
            _write_rad(ds, stored, chunks, band, scale, offset, fill)
            _write_dqf(ds, dqf, chunks)
            _write_calibration(ds, band, constants)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def abi_l1b_bytes(
    *,
    satellite: SatellitePattern,
    sector: Sector,
    band: int,
    start: datetime,
    shape: tuple[int, int] | None = None,
    seed: int = 0,
    bt_kelvin: np.ndarray | None = None,
    constants: PlanckConstants | None = None,
    counts: np.ndarray | None = None,
    scale_factor: float | None = None,
    add_offset: float | None = None,
    fill_value: int | None = None,
) -> bytes:
    """The bytes of an ABI L1b radiance file: :func:`write_abi_l1b` without ``path`` (for uploads)."""
    with tempfile.TemporaryDirectory(prefix="abi_l1b_") as folder:
        path = write_abi_l1b(
            Path(folder) / "abi.nc",
            satellite=satellite,
            sector=sector,
            band=band,
            start=start,
            shape=shape,
            seed=seed,
            bt_kelvin=bt_kelvin,
            constants=constants,
            counts=counts,
            scale_factor=scale_factor,
            add_offset=add_offset,
            fill_value=fill_value,
        )
        return path.read_bytes()


def _write_rad(
    ds: netCDF4.Dataset, stored: np.ndarray, chunks: tuple[int, int], band: int, scale: float, offset: float, fill: int
) -> None:
    facts = band_facts(band)
    emissive = not facts.reflective
    rad = ds.createVariable(
        "Rad",
        "i2",
        ("y", "x"),
        zlib=True,
        complevel=1,
        shuffle=True,
        chunksizes=chunks,
        fill_value=np.array(fill, dtype=np.uint16).view(np.int16),
    )
    rad.set_auto_maskandscale(False)
    rad_attrs = {
        "long_name": "ABI L1b Radiances",
        "standard_name": (
            "toa_outgoing_radiance_per_unit_wavenumber" if emissive else "toa_outgoing_radiance_per_unit_wavelength"
        ),
        "_Unsigned": "true",
        "sensor_band_bit_depth": np.int8(BAND_BITS[band]),
        "valid_range": np.array([0, fill - 1], dtype=np.uint16).view(np.int16),
        "scale_factor": np.float32(scale),
        "add_offset": np.float32(offset),
        "units": IR_UNITS if emissive else VIS_UNITS,
        "resolution": f"y: {0.000028 * facts.resolution_km:.6f} rad x: {0.000028 * facts.resolution_km:.6f} rad",
        "coordinates": "band_id band_wavelength t y x",
        "grid_mapping": "goes_imager_projection",
        "cell_methods": "t: point area: point",
        "ancillary_variables": "DQF",
    }
    rad.setncatts(rad_attrs)
    rad[:] = stored


def _fill_dataset(
    ds: netCDF4.Dataset,
    satellite: SatellitePattern,
    sector: Sector,
    band: int,
    start: datetime,
    end: datetime,
    created: datetime,
    name: str,
    shape: tuple[int, int],
    angles: tuple[float, float, float, float],
) -> None:
    """Global attributes, dimensions, time, band and navigation variables."""
    east = not is_west(satellite)
    ds_attrs = {
        "naming_authority": "gov.nesdis.noaa",
        "Conventions": "CF-1.7",
        "standard_name_vocabulary": "CF Standard Name Table (v35, 20 July 2016)",
        "institution": "DOC/NOAA/NESDIS > U.S. Department of Commerce, National Oceanic and Atmospheric "
        "Administration, National Environmental Satellite, Data, and Information Services",
        "project": "GOES",
        "production_site": "NSOF",
        "production_environment": "OE",
        "spatial_resolution": f"{band_facts(band).resolution_km:g}km at nadir",
        "orbital_slot": "GOES-East" if east else "GOES-West",
        "platform_ID": platform(satellite),
        "instrument_type": "GOES R Series Advanced Baseline Imager",
        "scene_id": _SCENE_ID[geometry_key(sector)],
        "instrument_ID": "FM1",
        "title": "ABI L1b Radiances",
        "dataset_name": name,
        "processing_level": "National Aeronautics and Space Administration (NASA) L1b",
        "date_created": _tenths(created),
        "time_coverage_start": _tenths(start),
        "time_coverage_end": _tenths(end),
        "timeline_id": f"ABI Mode {name.split('-M')[1][0]}",
        "production_data_source": "Realtime",
    }
    ds.setncatts(ds_attrs)
    t = ds.createVariable("t", "f8")
    t.setncatts(
        {
            "long_name": "J2000 epoch mid-point between the start and end image scan in seconds",
            "standard_name": "time",
            "units": "seconds since 2000-01-01 12:00:00",
            "axis": "T",
        }
    )
    t.assignValue(((start - _J2000) + (end - start) / 2).total_seconds())
    ds.createDimension("band", 1)
    bid = ds.createVariable("band_id", "i1", ("band",))
    bid.setncatts({"long_name": "ABI band number", "standard_name": "sensor_band_identifier", "units": "1"})
    bid[:] = band
    wl = ds.createVariable("band_wavelength", "f4", ("band",))
    wl.setncatts({"long_name": "ABI band central wavelength", "units": "um"})
    wl[:] = band_facts(band).wavelength_um
    y0, ys, x0, xs = angles
    for dim, size, offset, step in (("y", shape[0], y0, ys), ("x", shape[1], x0, xs)):
        ds.createDimension(dim, size)
        coord = ds.createVariable(dim, "i2", (dim,))
        coord.set_auto_maskandscale(False)
        coord_attrs = {
            "scale_factor": np.float32(step),
            "add_offset": np.float32(offset),
            "units": "rad",
            "axis": dim.upper(),
            "long_name": f"GOES fixed grid projection {dim}-coordinate",
            "standard_name": f"projection_{dim}_coordinate",
        }
        coord.setncatts(coord_attrs)
        coord[:] = np.arange(size, dtype=np.int16)
    proj = ds.createVariable("goes_imager_projection", "i4")
    proj_attrs = {
        "long_name": "GOES-R ABI fixed grid projection",
        "grid_mapping_name": "geostationary",
        "perspective_point_height": 35786023.0,
        "semi_major_axis": R_EQ,
        "semi_minor_axis": R_POL,
        "inverse_flattening": 298.2572221,
        "latitude_of_projection_origin": 0.0,
        "longitude_of_projection_origin": -75.0 if east else -137.0,
        "sweep_angle_axis": "x",
    }
    proj.setncatts(proj_attrs)
    # The nominal orbit (scalars, as in real files; satpy's abi_l1b reader requires all four).
    for var_name, dtype, value, attrs in (
        (
            "nominal_satellite_subpoint_lat",
            "f4",
            0.0,
            {"long_name": "nominal satellite subpoint latitude (platform latitude)", "units": "degrees_north"},
        ),
        (
            "nominal_satellite_subpoint_lon",
            "f4",
            -75.2 if east else -137.2,
            {"long_name": "nominal satellite subpoint longitude (platform longitude)", "units": "degrees_east"},
        ),
        (
            "nominal_satellite_height",
            "f4",
            35786.023,
            {"long_name": "nominal satellite height above GRS 80 ellipsoid (platform altitude)", "units": "km"},
        ),
        (
            "yaw_flip_flag",
            "i1",
            0,
            {
                "long_name": "Flag indicating the spacecraft is operating in yaw flip configuration",
                "flag_values": "0 1",
                "flag_meanings": "false true",
                "units": "1",
            },
        ),
    ):
        var = ds.createVariable(var_name, dtype)
        var.setncatts(attrs)
        var.assignValue(np.array(value, dtype=dtype))


def _write_dqf(ds: netCDF4.Dataset, dqf: np.ndarray, chunks: tuple[int, int]) -> None:
    var = ds.createVariable(
        "DQF", "i1", ("y", "x"), zlib=True, complevel=1, shuffle=True, chunksizes=chunks, fill_value=np.int8(-1)
    )
    var.set_auto_maskandscale(False)
    var_attrs = {
        "long_name": "ABI L1b Radiances data quality flags",
        "standard_name": "status_flag",
        "_Unsigned": "true",
        "valid_range": np.array([0, 4], dtype=np.int8),
        "units": "1",
        "coordinates": "band_id band_wavelength t y x",
        "grid_mapping": "goes_imager_projection",
        "flag_values": np.array([0, 1, 2, 3, 4], dtype=np.int8),
        "flag_meanings": "good_pixel_qf conditionally_usable_pixel_qf out_of_range_pixel_qf no_value_pixel_qf "
        "focal_plane_temperature_threshold_exceeded_qf",
    }
    var.setncatts(var_attrs)
    var[:] = dqf


def _write_calibration(ds: netCDF4.Dataset, band: int, constants: PlanckConstants | None) -> None:
    """Planck constants (emissive bands) or esun/kappa0 (reflective bands) as scalar variables."""
    described: tuple[tuple[str, float, str, str], ...]
    if constants is not None:
        described = (
            ("planck_fk1", constants.fk1, "W m-1", "wavenumber-dependent coefficient (2 h c^2/ lambda^5)"),
            ("planck_fk2", constants.fk2, "K", "wavenumber-dependent coefficient (h c/lambda k)"),
            ("planck_bc1", constants.bc1, "K", "spectral bandpass correction offset for brightness temperature"),
            ("planck_bc2", constants.bc2, "1", "spectral bandpass correction scale factor for brightness temperature"),
        )
    else:
        described = (
            ("esun", SOLAR_IRRADIANCE[band], "W m-2 um-1", "bandpass-weighted solar irradiance at 1 AU"),
            ("kappa0", kappa0(band), "(W m-2 um-1 sr-1)-1", "reflectance per radiance (PI d2 esun-1)"),
            ("earth_sun_distance_anomaly_in_AU", 1.0, "ua", "earth sun distance anomaly in astronomical units"),
        )
    for name, value, units, long_name in described:
        var = ds.createVariable(name, "f4")
        var.setncatts({"units": units, "long_name": long_name})
        var.assignValue(np.float32(value))
