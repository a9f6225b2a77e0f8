"""The synthetic ABI L1b writer produces the real NOAA schema (DOMAIN.md), read back with netCDF4 directly."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import netCDF4
import numpy as np
import pytest

from goesvfi.integrity_check.emulator.abi_file import (
    GOES16_BAND13,
    REFERENCE_CONSTANTS,
    PlanckConstants,
    abi_l1b_bytes,
    default_shape,
    planck_constants,
    write_abi_l1b,
)
from goesvfi.integrity_check.time_index import SatellitePattern, Sector, parse_noaa

START = datetime(2023, 5, 1, 0, 1, 17, 300000, tzinfo=UTC)


def _raw(ds: netCDF4.Dataset, name: str) -> np.ndarray:
    ds[name].set_auto_maskandscale(False)
    return np.asarray(ds[name][:])


def test_conus_file_has_the_real_schema(tmp_path: Path) -> None:
    path = write_abi_l1b(
        tmp_path / "c.nc", satellite=SatellitePattern.GOES_18, sector=Sector.CONUS, band=13, start=START
    )
    assert [p.name for p in tmp_path.iterdir()] == ["c.nc"]  # no temp file left
    with netCDF4.Dataset(path) as ds:
        assert ds.data_model == "NETCDF4"
        assert (len(ds.dimensions["y"]), len(ds.dimensions["x"])) == (1500, 2500)
        rad = ds["Rad"]
        assert rad.dimensions == ("y", "x") and rad.dtype == np.int16
        assert rad.getncattr("_Unsigned") == "true"
        assert rad.getncattr("_FillValue") == 4095
        assert rad.getncattr("valid_range").tolist() == [0, 4094]
        assert rad.getncattr("units") == "mW m-2 sr-1 (cm-1)-1"
        assert rad.getncattr("grid_mapping") == "goes_imager_projection"
        assert rad.filters()["zlib"] is True
        assert {"scale_factor", "add_offset"} <= set(rad.ncattrs())
        assert ds["DQF"].dtype == np.int8 and ds["DQF"].dimensions == ("y", "x")
        for name in ("planck_fk1", "planck_fk2", "planck_bc1", "planck_bc2"):
            assert ds[name].ndim == 0 and name not in ds.ncattrs()  # variables, not global attributes
        assert float(ds["planck_fk1"][...]) == pytest.approx(13432.1, rel=1e-6)  # G18: reference constants
        assert int(ds["band_id"][0]) == 13
        assert float(ds["band_wavelength"][0]) == pytest.approx(10.3, abs=0.1)
        assert ds["x"].dtype == np.int16 and ds["y"].dtype == np.int16
        x, y = ds["x"][:], ds["y"][:]  # scaled to radians on read
        assert -0.11 < float(x[0]) < float(x[-1]) < 0.05 and float(y[0]) > float(y[-1]) > 0.0
        proj = ds["goes_imager_projection"]
        assert proj.getncattr("perspective_point_height") == 35786023.0
        assert proj.getncattr("semi_major_axis") == 6378137.0
        assert proj.getncattr("semi_minor_axis") == pytest.approx(6356752.31414)
        assert proj.getncattr("longitude_of_projection_origin") == -137.0
        assert proj.getncattr("sweep_angle_axis") == "x"
        assert ds.getncattr("time_coverage_start") == "2023-05-01T00:01:17.3Z"
        assert ds.getncattr("platform_ID") == "G18"
        assert ds.getncattr("scene_id") == "CONUS"
        parsed = parse_noaa(ds.getncattr("dataset_name"))
        assert parsed is not None and parsed.timestamp == START and parsed.band == 13
        assert (
            parsed.end is not None
            and ds.getncattr("time_coverage_end") == parsed.end.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-5] + "Z"
        )
        mid = (START - datetime(2000, 1, 1, 12, tzinfo=UTC)).total_seconds()
        assert mid < float(ds["t"][...]) < mid + 150
        counts = _raw(ds, "Rad")
        assert counts.min() >= 0 and counts.max() == 4095  # some fill, 12-bit counts


def test_east_satellites_and_their_constants(tmp_path: Path) -> None:
    path = write_abi_l1b(
        tmp_path / "e.nc", satellite=SatellitePattern.GOES_16, sector=Sector.CONUS, band=13, start=START, shape=(8, 9)
    )
    with netCDF4.Dataset(path) as ds:
        assert ds["goes_imager_projection"].getncattr("longitude_of_projection_origin") == -75.0
        assert ds.getncattr("platform_ID") == "G16"
        assert float(ds["planck_fk1"][...]) == pytest.approx(GOES16_BAND13.fk1, rel=1e-6)
    assert planck_constants(SatellitePattern.GOES_18, 13) == REFERENCE_CONSTANTS
    # other IR bands: monochromatic constants at the band centre (band 14, 11.2 um -> ~893 cm-1)
    band14 = planck_constants(SatellitePattern.GOES_19, 14)
    assert band14.fk2 == pytest.approx(1.4387752 * 1e4 / 11.2)
    with pytest.raises(ValueError, match="reflective"):
        planck_constants(SatellitePattern.GOES_19, 2)


def test_default_shapes() -> None:
    assert default_shape(Sector.CONUS) == (1500, 2500)
    assert default_shape(Sector.FULL_DISK) == (5424, 5424)
    assert default_shape(Sector.MESO1) == default_shape(Sector.MESO2) == (500, 500)


def test_full_disk_space_is_fill(tmp_path: Path) -> None:
    path = write_abi_l1b(
        tmp_path / "f.nc", satellite=SatellitePattern.GOES_19, sector=Sector.FULL_DISK, band=13, start=START,
        shape=(101, 101),
    )  # fmt: skip
    with netCDF4.Dataset(path) as ds:
        counts, dqf = _raw(ds, "Rad").view(np.uint16), _raw(ds, "DQF")
        assert ds.getncattr("scene_id") == "Full Disk"
    for corner in ((0, 0), (0, 100), (100, 0), (100, 100)):
        assert counts[corner] == 4095 and dqf[corner] == 3
    assert counts[50, 50] < 4095 and dqf[50, 50] == 0
    off_disk = (counts == 4095).mean()
    assert 0.15 < off_disk < 0.3  # a disk nearly filling its square leaves ~1 - pi/4 of space


def test_counts_are_the_planck_inverse_of_the_given_temperatures(tmp_path: Path) -> None:
    constants = PlanckConstants(fk1=10803.3, fk2=1392.74, bc1=0.0755, bc2=0.99975)
    bt = np.array([[200.0, 250.0, 300.0, np.nan]])
    path = write_abi_l1b(
        tmp_path / "b.nc", satellite=SatellitePattern.GOES_16, sector=Sector.MESO1, band=13, start=START,
        bt_kelvin=bt, constants=constants,
    )  # fmt: skip
    with netCDF4.Dataset(path) as ds:
        counts = _raw(ds, "Rad").view(np.uint16)[0].astype(float)
        scale, offset = float(ds["Rad"].scale_factor), float(ds["Rad"].add_offset)
        assert ds.getncattr("scene_id") == "Mesoscale"
    # hand inversion: L = fk1 / (exp(fk2 / (bc1 + bc2 T)) - 1); counts = (L - offset) / scale
    for col, temp in enumerate((200.0, 250.0, 300.0)):
        radiance = constants.fk1 / np.expm1(constants.fk2 / (constants.bc1 + constants.bc2 * temp))
        assert counts[col] == pytest.approx((radiance - offset) / scale, abs=0.51)
    assert counts[3] == 4095


def test_sixteen_bit_counts_and_bytes_helper(tmp_path: Path) -> None:
    data = abi_l1b_bytes(
        satellite=SatellitePattern.GOES_18, sector=Sector.CONUS, band=13, start=START,
        counts=np.array([[40000, 65535]]), scale_factor=0.002, add_offset=0.0, fill_value=65535,
    )  # fmt: skip
    assert data[:8] == b"\x89HDF\r\n\x1a\n"
    (tmp_path / "m.nc").write_bytes(data)
    with netCDF4.Dataset(tmp_path / "m.nc") as ds:
        raw = _raw(ds, "Rad")
        assert raw.tolist() == [[40000 - 65536, -1]]  # int16 storage of unsigned counts
        assert int(ds["Rad"].getncattr("_FillValue")) == -1


def test_reflective_band_carries_kappa0(tmp_path: Path) -> None:
    path = write_abi_l1b(
        tmp_path / "v.nc", satellite=SatellitePattern.GOES_18, sector=Sector.CONUS, band=2, start=START, shape=(5, 5)
    )
    with netCDF4.Dataset(path) as ds:
        assert "kappa0" in ds.variables and "planck_fk1" not in ds.variables
        assert ds["Rad"].getncattr("units") == "W m-2 sr-1 um-1"
        assert float(ds["band_wavelength"][0]) == pytest.approx(0.64)
    with pytest.raises(ValueError, match="reflective"):
        write_abi_l1b(
            tmp_path / "w.nc", satellite=SatellitePattern.GOES_18, sector=Sector.CONUS, band=2, start=START,
            bt_kelvin=np.ones((2, 2)),
        )  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.nc"]


def test_planck_radiance_of_a_scalar_temperature() -> None:
    """``scripts/noaa_emulator.py --band 9`` died here: np.divide with a scalar ``out`` (issue 22)."""
    from goesvfi.integrity_check.emulator.abi_file import PlanckConstants

    constants = PlanckConstants(fk1=13432.1, fk2=1497.61, bc1=0.09102, bc2=0.99971)
    radiance = float(constants.radiance(np.float64(300.0)))
    # DOMAIN.md's formula, inverted by hand: BT = (fk2 / ln(fk1 / L + 1) - bc1) / bc2
    bt = (1497.61 / np.log(13432.1 / radiance + 1.0) - 0.09102) / 0.99971
    assert bt == pytest.approx(300.0, abs=1e-3)


@pytest.mark.parametrize("band", [1, 2, 7, 9, 16])
def test_every_band_writes_a_file_of_its_own_kind(tmp_path: Path, band: int) -> None:
    path = write_abi_l1b(
        tmp_path / "f.nc", satellite=SatellitePattern.GOES_18, sector=Sector.CONUS, band=band,
        start=datetime(2023, 5, 1, 0, 1, tzinfo=UTC), shape=(20, 30),
    )  # fmt: skip
    with netCDF4.Dataset(path) as ds:
        names = set(ds.variables)
        assert int(ds.variables["band_id"][0]) == band
        resolution = str(ds.getncattr("spatial_resolution"))
    if band <= 6:
        assert "kappa0" in names and "planck_fk1" not in names
    else:
        assert {"planck_fk1", "planck_fk2", "planck_bc1", "planck_bc2"} <= names
    assert resolution == {1: "1km at nadir", 2: "0.5km at nadir"}.get(band, "2km at nadir")
