"""The emulator's NetCDF files read by satpy's ``abi_l1b`` reader, and the renderer judged by satpy.

satpy is an independent implementation of the L1b calibration: if it reads an emulator file, the file has the
variables real files have (``nominal_satellite_subpoint_lat/lon``, ``nominal_satellite_height``,
``yaw_flip_flag``, the Planck constants as variables ...), and its brightness temperatures are the yardstick
for ``render.netcdf.brightness_temperature``. Skipped when satpy is not installed (``pip install '.[verify]'``).
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from goesvfi.integrity_check.emulator.abi_file import write_abi_l1b
from goesvfi.integrity_check.emulator.names import l1b_name
from goesvfi.integrity_check.render.netcdf import brightness_temperature
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

satpy = pytest.importorskip("satpy")


@pytest.mark.parametrize(
    ("satellite", "sector", "start"),
    [
        (SatellitePattern.GOES_18, Sector.CONUS, datetime(2023, 5, 1, 0, 1, 17, 300_000, tzinfo=UTC)),
        (SatellitePattern.GOES_16, Sector.FULL_DISK, datetime(2024, 6, 1, 12, 0, 20, 400_000, tzinfo=UTC)),
    ],
)
def test_satpy_reads_the_emulator_file_and_agrees_with_the_renderer(
    tmp_path: Path, satellite: SatellitePattern, sector: Sector, start: datetime
) -> None:
    # satpy picks its reader by the file name, so the file carries its real NOAA name.
    scratch = write_abi_l1b(
        tmp_path / "scratch.nc", satellite=satellite, sector=sector, band=13, start=start, shape=(60, 100), seed=3
    )
    import netCDF4

    with netCDF4.Dataset(scratch) as ds:
        name = str(ds.getncattr("dataset_name"))
    assert name.split("_e")[0] == l1b_name(satellite, sector, 13, start, start, start).split("_e")[0]
    path = scratch.rename(tmp_path / name)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scene = satpy.Scene(reader="abi_l1b", filenames=[str(path)])
        scene.load(["C13"], calibration="brightness_temperature")
        theirs = np.asarray(scene["C13"].values, dtype=np.float64)
        orbit = scene["C13"].attrs["orbital_parameters"]

    ours = brightness_temperature(path).astype(np.float64)
    assert theirs.shape == ours.shape == (60, 100)
    both = np.isfinite(theirs) & np.isfinite(ours)
    assert both.mean() > 0.5  # most of the scene is valid
    assert np.array_equal(np.isfinite(theirs), np.isfinite(ours))  # the same pixels are invalid (fill)
    assert np.abs(theirs[both] - ours[both]).max() < 0.01  # kelvin
    assert float(np.nanmin(ours)) > 180.0 and float(np.nanmax(ours)) < 330.0
    west = satellite is SatellitePattern.GOES_18
    assert orbit["satellite_nominal_longitude"] == pytest.approx(-137.2 if west else -75.2, abs=0.01)
    assert orbit["satellite_nominal_altitude"] == pytest.approx(35786023.0, rel=1e-6)
    assert orbit["yaw_flip"] is False
