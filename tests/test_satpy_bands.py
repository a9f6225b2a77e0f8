"""Every ABI band: an emulator file read by satpy (the judge) and by the renderer, and the rendered grey PNG checked
against satpy's calibrated values put through matplotlib's own colour map (``verify`` extra; skipped without it)."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from pathlib import Path

import netCDF4
import numpy as np
import pytest
from PIL import Image

from goesvfi.integrity_check.emulator.abi_file import write_abi_l1b
from goesvfi.integrity_check.look.tables import DEFAULT_RANGE, band_table, value_range
from goesvfi.integrity_check.render.netcdf import brightness_temperature, reflectance, render_png
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

satpy = pytest.importorskip("satpy")
matplotlib = pytest.importorskip("matplotlib")

START = datetime(2024, 6, 1, 12, 1, 17, 300_000, tzinfo=UTC)
# Each band's grey range, written out again from its published source (reflectance, or kelvin): satpy's
# reflectance_default 0-100 %; Geo2Grid's abi.yaml channel_7_default 164.15-400.15 K and channel_8/9/10_default
# 180-280 K; satpy's abi.yaml highlighted_brightness_temperature 163-330 K for the others.
GREY_RANGE = {b: (0.0, 1.0) for b in range(1, 7)} | {7: (164.15, 400.15)} | {b: (180.0, 280.0) for b in (8, 9, 10)}
GREY_RANGE |= {b: (163.0, 330.0) for b in range(11, 17)}


def _satpy_values(path: Path, band: int) -> np.ndarray:
    reflective = band <= 6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scene = satpy.Scene(reader="abi_l1b", filenames=[str(path)])
        name = f"C{band:02d}"
        scene.load([name], calibration="reflectance" if reflective else "brightness_temperature")
        values = np.asarray(scene[name].values, dtype=np.float64)
    return values / 100.0 if reflective else values  # satpy's reflectance is in percent


def _emulator_file(tmp_path: Path, band: int) -> Path:
    scratch = write_abi_l1b(
        tmp_path / "scratch.nc", satellite=SatellitePattern.GOES_19, sector=Sector.CONUS, band=band, start=START,
        shape=(40, 64), seed=band,
    )  # fmt: skip
    with netCDF4.Dataset(scratch) as ds:
        name = str(ds.getncattr("dataset_name"))
    return scratch.rename(tmp_path / name)  # satpy picks its reader by the real NOAA name


@pytest.mark.slow
@pytest.mark.parametrize("band", range(1, 17))
def test_every_band_is_read_by_satpy_and_rendered_as_satpy_sees_it(tmp_path: Path, band: int) -> None:
    path = _emulator_file(tmp_path, band)
    theirs = _satpy_values(path, band)
    ours = (reflectance(path) if band <= 6 else brightness_temperature(path)).astype(np.float64)
    assert theirs.shape == ours.shape == (40, 64)
    assert np.array_equal(np.isfinite(theirs), np.isfinite(ours))
    valid = np.isfinite(theirs)
    assert valid.mean() > 0.8
    tolerance = 1e-4 if band <= 6 else 0.01  # reflectance factor, kelvin
    assert np.abs(theirs[valid] - ours[valid]).max() < tolerance

    lo, hi = GREY_RANGE[band]
    png = tmp_path / "frame.png"
    table = "gray" if band <= 6 else "gray_r"  # reflectance: dark ground black; BT: cold tops white
    assert band_table("grey", band) == table
    assert value_range(band, *DEFAULT_RANGE) == (lo, hi)  # what a fetch draws the band with by default
    render_png(path, png, colormap=table, vmin=lo, vmax=hi)
    rendered = np.asarray(Image.open(png))
    assert rendered.shape == (40, 64)  # greyscale L
    norm = matplotlib.colors.Normalize(vmin=lo, vmax=hi, clip=True)
    expected = matplotlib.colormaps[table](norm(theirs[valid]), bytes=True)[:, 0].astype(int)
    assert np.abs(rendered[valid].astype(int) - expected).max() <= 1  # one grey level: float32 vs float64 edges
    assert (rendered[~valid] == 0).all()  # no value: black
    assert len(np.unique(rendered[valid])) > 20  # the range suits the scene: not a flat frame
