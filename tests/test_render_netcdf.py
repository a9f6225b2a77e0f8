"""Renderer: brightness temperature against DOMAIN.md's reference values, masking, PNG pixels, errors."""

from __future__ import annotations

import io
import math
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import netCDF4
import numpy as np
import pytest
import xarray as xr
from matplotlib.figure import Figure
from PIL import Image

from goesvfi.integrity_check.emulator.abi_file import (
    REFERENCE_CONSTANTS,
    synthetic_scene,
    write_abi_l1b,
)
from goesvfi.integrity_check.emulator.abi_scene import scene_time
from goesvfi.integrity_check.render.netcdf import (
    PLANCK_NAMES,
    RenderError,
    brightness_temperature,
    reflectance,
    render_png,
)
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

START = datetime(2023, 5, 1, 0, 1, 17, 300000, tzinfo=UTC)
# satpy's ABI reader test: counts 202, 302, 402 at scale 0.5, offset -1.3 with these constants.
REFERENCE_BT = {202: 304.97037, 302: 332.22778, 402: 354.6147}


def _write(path: Path, **kw: object) -> Path:
    args: dict[str, object] = {
        "satellite": SatellitePattern.GOES_18,
        "sector": Sector.CONUS,
        "band": 13,
        "start": START,
    }
    args.update(kw)
    return write_abi_l1b(path, **args)  # type: ignore[arg-type]


def _reference_file(path: Path, counts: list[list[int]]) -> Path:
    return _write(
        path, counts=np.array(counts), constants=REFERENCE_CONSTANTS, scale_factor=0.5, add_offset=-1.3, fill_value=4095
    )


def _png(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im)


def test_reference_counts_give_reference_temperatures(tmp_path: Path) -> None:
    nc = _reference_file(tmp_path / "ref.nc", [[202, 302, 402], [402, 302, 202]])
    bt = brightness_temperature(nc)
    assert bt.dtype == np.float32 and bt.shape == (2, 3)
    for col, count in enumerate((202, 302, 402)):
        assert bt[0, col] == pytest.approx(REFERENCE_BT[count], abs=1e-3)
        assert bt[1, 2 - col] == pytest.approx(REFERENCE_BT[count], abs=1e-3)


def test_planck_variables_win_over_decoy_global_attributes(tmp_path: Path) -> None:
    nc = _reference_file(tmp_path / "decoy.nc", [[202, 302, 402]])
    with netCDF4.Dataset(nc, "a") as ds:  # the known mistake reads these; the real constants are variables
        ds.setncatts({"planck_fk1": 10803.3, "planck_fk2": 1392.74, "planck_bc1": 0.0755, "planck_bc2": 0.99975})
    assert brightness_temperature(nc)[0].tolist() == pytest.approx(list(REFERENCE_BT.values()), abs=1e-3)


def test_constants_only_as_global_attributes_is_a_clear_error(tmp_path: Path) -> None:
    nc = tmp_path / "attrs_only.nc"
    with netCDF4.Dataset(nc, "w") as ds:
        ds.createDimension("y", 2)
        ds.createDimension("x", 2)
        rad = ds.createVariable("Rad", "i2", ("y", "x"), fill_value=np.int16(4095))
        rad.setncatts({"_Unsigned": "true", "scale_factor": 0.5, "add_offset": -1.3})
        rad[:] = np.array([[202, 302], [402, 202]], dtype=np.int16)
        ds.setncatts({"planck_fk1": 13432.1, "planck_fk2": 1497.61, "planck_bc1": 0.09102, "planck_bc2": 0.99971})
    with pytest.raises(RenderError, match=r"planck_fk1.*global attributes.*variables"):
        brightness_temperature(nc)
    with pytest.raises(RenderError):
        render_png(nc, tmp_path / "out.png")
    assert not (tmp_path / "out.png").exists()


def test_fill_and_non_positive_radiance_are_nan(tmp_path: Path) -> None:
    # offset -1.3, scale 0.5: count 2 -> L = -0.3 (no BT), count 3 -> L = 0.2 (valid, very cold), 4095 = fill.
    nc = _reference_file(tmp_path / "mask.nc", [[4095, 2, 3, 202]])
    bt = brightness_temperature(nc)
    assert math.isnan(bt[0, 0]) and math.isnan(bt[0, 1])
    expected_cold = (1497.61 / math.log(13432.1 / 0.2 + 1) - 0.09102) / 0.99971
    assert bt[0, 2] == pytest.approx(expected_cold, abs=1e-3)
    assert bt[0, 3] == pytest.approx(REFERENCE_BT[202], abs=1e-3)


def test_dqf_no_value_pixels_are_nan(tmp_path: Path) -> None:
    nc = _reference_file(tmp_path / "dqf.nc", [[202, 302, 402]])
    with netCDF4.Dataset(nc, "a") as ds:
        ds["DQF"].set_auto_maskandscale(False)
        ds["DQF"][0, 1] = 3  # no_value_pixel_qf
        ds["DQF"][0, 2] = 1  # conditionally usable: kept
    bt = brightness_temperature(nc)
    assert math.isnan(bt[0, 1])
    assert bt[0, 2] == pytest.approx(REFERENCE_BT[402], abs=1e-3)


def test_unsigned_counts_above_32767(tmp_path: Path) -> None:
    counts = np.array([[40000, 65000, 65535, 1000]])
    nc = _write(tmp_path / "u16.nc", counts=counts, scale_factor=0.002, add_offset=0.0, fill_value=65535)
    with netCDF4.Dataset(nc) as ds:  # the storage really is negative int16 with _Unsigned
        ds.set_auto_maskandscale(False)
        stored = np.asarray(ds["Rad"][:])
        assert stored.dtype == np.int16 and stored[0, 0] < 0 and ds["Rad"].getncattr("_Unsigned") == "true"
    bt = brightness_temperature(nc)
    c = REFERENCE_CONSTANTS
    for col in (0, 1, 3):
        radiance = counts[0, col] * np.float32(0.002)
        expected = (c.fk2 / math.log(c.fk1 / float(radiance) + 1) - c.bc1) / c.bc2
        assert bt[0, col] == pytest.approx(expected, abs=1e-3)
    assert math.isnan(bt[0, 2])
    # xarray decodes _Unsigned and the fill on its own: an independent decoder agrees.
    with xr.open_dataset(nc) as ds:
        rad = ds["Rad"].values
    assert np.isnan(rad[0, 2]) and rad[0, 0] == pytest.approx(80.0, rel=1e-6)


def test_synthetic_round_trip_within_a_tenth_of_a_kelvin(tmp_path: Path) -> None:
    for satellite in (SatellitePattern.GOES_16, SatellitePattern.GOES_18):
        nc = _write(tmp_path / f"{satellite.value}.nc", satellite=satellite, shape=(150, 250), seed=3)
        bt = brightness_temperature(nc)
        scene, _ = synthetic_scene((150, 250), seed=3, when=scene_time(START))  # the scan's minute
        valid = ~np.isnan(bt)
        assert 0 < (~valid).sum() < 0.1 * bt.size and np.isnan(bt[0, 0])  # the fill corner
        assert np.abs(bt[valid] - scene[valid]).max() < 0.1
        assert 195 < np.nanmin(bt) < 215 and 280 < np.nanmax(bt) < 305


def test_png_grey_levels(tmp_path: Path) -> None:
    bt = np.array([[180.0, 330.0, 255.0, np.nan, 120.0, 380.0]])
    nc = _write(tmp_path / "levels.nc", bt_kelvin=bt)
    assert render_png(nc, tmp_path / "levels.png") == (6, 1)
    with Image.open(tmp_path / "levels.png") as im:
        assert im.mode == "L"
    px = _png(tmp_path / "levels.png")[0].astype(int)
    assert px[0] == 255 and px[1] == 0 and abs(px[2] - 128) <= 1
    assert px[3] == 0  # invalid: black
    assert px[4] == 255 and px[5] == 0  # clipped outside 180-330 K
    assert sorted(p.name for p in tmp_path.iterdir()) == ["levels.nc", "levels.png"]  # no temp left


def _matplotlib_png(values: np.ndarray, cmap: str, vmin: float, vmax: float) -> np.ndarray:
    """An independent render: matplotlib imshow + savefig at native size (bad pixels black)."""
    import matplotlib

    h, w = values.shape
    fig = Figure(figsize=(w / 100, h / 100), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.imshow(values, cmap=matplotlib.colormaps[cmap].with_extremes(bad="black"), vmin=vmin, vmax=vmax,
              interpolation="nearest")  # fmt: skip
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return np.asarray(Image.open(buf).convert("RGB"))


def _file_bt(nc: Path) -> np.ndarray:
    """Brightness temperature read straight from the file with netCDF4 and DOMAIN.md's formula (no product
    code): unsigned counts x scale + offset = L, BT = (fk2 / ln(fk1 / L + 1) - bc1) / bc2; fill or L <= 0: NaN."""
    with netCDF4.Dataset(nc) as ds:
        rad = ds["Rad"]
        rad.set_auto_maskandscale(False)
        counts = np.asarray(rad[:]).astype(np.int16).view(np.uint16).astype(np.float64)
        fill = int(np.uint16(np.int16(rad.getncattr("_FillValue"))))
        radiance = counts * float(rad.getncattr("scale_factor")) + float(rad.getncattr("add_offset"))
        fk1, fk2, bc1, bc2 = (float(ds[name][()]) for name in ("planck_fk1", "planck_fk2", "planck_bc1", "planck_bc2"))
    bad = (counts == fill) | (radiance <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        bt = (fk2 / np.log(fk1 / np.where(bad, 1.0, radiance) + 1) - bc1) / bc2
    return np.where(bad, np.nan, bt)


@pytest.mark.parametrize(("cmap", "vmin", "vmax"), [("gray_r", 180.0, 330.0), ("viridis", 200.0, 300.0)])
def test_png_matches_matplotlib(tmp_path: Path, cmap: str, vmin: float, vmax: float) -> None:
    scene, _ = synthetic_scene((40, 60), seed=7)
    scene[5, 5] = np.nan
    nc = _write(tmp_path / "s.nc", bt_kelvin=scene)
    render_png(nc, tmp_path / "s.png", colormap=cmap, vmin=vmin, vmax=vmax)
    ours = np.asarray(Image.open(tmp_path / "s.png").convert("RGB")).astype(int)
    bt = _file_bt(nc)
    assert np.isnan(bt[5, 5]) and np.nanmax(np.abs(bt - scene)) < 0.1  # the file holds the scene
    theirs = _matplotlib_png(bt, cmap, vmin, vmax).astype(int)
    assert ours.shape == theirs.shape == (40, 60, 3)
    assert np.abs(ours - theirs).max() <= 1
    assert ours[5, 5].tolist() == [0, 0, 0]


def test_enhanced_ir_colours_cold_tops_only(tmp_path: Path) -> None:
    bt = np.array([[200.0, 220.0, 235.0, 250.0, 290.0, np.nan]])
    nc = _write(tmp_path / "e.nc", bt_kelvin=bt)
    render_png(nc, tmp_path / "e.png", colormap="enhanced_ir")
    with Image.open(tmp_path / "e.png") as im:
        assert im.mode == "RGB"
    px = _png(tmp_path / "e.png")[0].astype(int)
    for cold in px[:3]:
        assert cold.max() - cold.min() > 60, cold  # saturated colour
    for warm in px[3:5]:
        assert warm[0] == warm[1] == warm[2]  # grey
    assert px[3][0] > px[4][0]  # inverted: colder is brighter
    assert px[5].tolist() == [0, 0, 0]


def test_reflective_band_renders_grey_reflectance(tmp_path: Path) -> None:
    nc = _write(tmp_path / "c02.nc", band=2, shape=(30, 50))
    refl = reflectance(nc)
    assert 0.05 < np.nanmin(refl) < 0.15 and 0.6 < np.nanmax(refl) < 0.95
    assert render_png(nc, tmp_path / "c02.png") == (50, 30)
    px = _png(tmp_path / "c02.png")
    valid = ~np.isnan(refl)
    # 256 equal bins over reflectance 0..1, black to white (matplotlib's gray)
    assert np.abs(px[valid].astype(float) - np.clip(np.floor(refl[valid] * 256), 0, 255)).max() <= 1
    with pytest.raises(RenderError, match="reflective"):
        brightness_temperature(nc)


@pytest.mark.parametrize("kind", ["garbage", "truncated", "empty", "missing"])
def test_corrupt_files_give_clear_errors(tmp_path: Path, kind: str) -> None:
    good = _write(tmp_path / "good.nc", shape=(60, 100))
    bad = tmp_path / "bad.nc"
    if kind == "garbage":
        bad.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(range(256)) * 40)
    elif kind == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif kind == "empty":
        bad.write_bytes(b"")
    with pytest.raises(RenderError, match=r"bad\.nc"):
        render_png(bad, tmp_path / "bad.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.nc", "good.nc"] if kind != "missing" else ["good.nc"]


def test_file_without_rad_and_bad_settings(tmp_path: Path) -> None:
    other = tmp_path / "other.nc"
    with netCDF4.Dataset(other, "w") as ds:
        ds.createDimension("x", 3)
        ds.createVariable("CMI", "f4", ("x",))[:] = [1.0, 2.0, 3.0]
    with pytest.raises(RenderError, match="no Rad variable"):
        render_png(other, tmp_path / "other.png")
    nc = _write(tmp_path / "ok.nc", shape=(10, 10))
    with pytest.raises(RenderError, match="unknown colour map"):
        render_png(nc, tmp_path / "x.png", colormap="no_such_map")
    with pytest.raises(RenderError, match="vmin < vmax"):
        render_png(nc, tmp_path / "x.png", vmin=300.0, vmax=200.0)
    with pytest.raises(RenderError, match="could not write"):
        render_png(nc, tmp_path / "no_dir" / "x.png")
    assert not (tmp_path / "x.png").exists()


async def test_renders_in_parallel_threads_are_safe(tmp_path: Path) -> None:
    """HDF5 is not thread-safe: the module lock must make concurrent to_thread renders and writes correct."""
    import asyncio

    files = [_write(tmp_path / f"{i}.nc", shape=(120, 200), seed=i) for i in range(4)]
    expected = [brightness_temperature(nc) for nc in files]
    jobs: list[Coroutine[Any, Any, object]] = [
        asyncio.to_thread(render_png, nc, tmp_path / f"{i}.png") for i, nc in enumerate(files)
    ]
    jobs += [asyncio.to_thread(brightness_temperature, nc) for nc in files]
    jobs += [asyncio.to_thread(_write, tmp_path / f"new{i}.nc", shape=(120, 200), seed=9) for i in range(4)]
    results = await asyncio.gather(*jobs)
    for i, bt in enumerate(results[4:8]):
        np.testing.assert_array_equal(bt, expected[i])
    for i in range(4):
        grey = _png(tmp_path / f"{i}.png").astype(float)
        valid = ~np.isnan(expected[i])
        assert np.abs(grey[valid] - (255 - (expected[i][valid] - 180) / 150 * 255)).max() <= 2
    assert all(brightness_temperature(tmp_path / f"new{i}.nc").shape == (120, 200) for i in range(4))


def test_import_loads_neither_qt_nor_matplotlib() -> None:
    """Importing the renderer must not touch Qt, nor matplotlib (whose import creates its config folder)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import goesvfi.integrity_check.render.netcdf, goesvfi.integrity_check.render.cdn_jpeg\n"
        "import goesvfi.integrity_check.emulator.abi_file\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PyQt6', 'qasync', 'matplotlib')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_counts_outside_valid_range_are_nan(tmp_path: Path) -> None:
    """xarray's default decoding ignores valid_range; ours applies it."""
    nc = _reference_file(tmp_path / "vr.nc", [[202, 302, 402]])
    with netCDF4.Dataset(nc, "a") as ds:
        ds["Rad"].setncattr("valid_range", np.array([0, 350], dtype=np.int16))
    bt = brightness_temperature(nc)
    assert bt[0, 0] == pytest.approx(REFERENCE_BT[202], abs=1e-3) and bt[0, 1] == pytest.approx(REFERENCE_BT[302])
    assert math.isnan(bt[0, 2])


def test_validation_reads_metadata_only_and_render_finds_corrupt_pixels(tmp_path: Path) -> None:
    """Stores check the header cheaply; the one full decode (render_png) is where damaged pixel data fails."""
    nc = tmp_path / ".goes18_conus_C13_20230501T000100Z.png.part-0a1b2c.nc"
    with netCDF4.Dataset(nc, "w") as ds:
        ds.createDimension("y", 300)
        ds.createDimension("x", 400)
        rad = ds.createVariable("Rad", "i2", ("y", "x"), zlib=True, complevel=1, chunksizes=(300, 400))
        rad[:] = np.random.default_rng(0).integers(0, 4000, (300, 400), dtype=np.int16)  # ~90 % of the file
        rad.scale_factor, rad.add_offset = np.float32(0.04), np.float32(-1.6)
        ds.createVariable("band_id", "i1", ())[...] = 13
        for name, value in zip(PLANCK_NAMES, (8510.22, 1286.27, 0.22516, 0.99920), strict=True):
            ds.createVariable(name, "f4", ())[...] = value
    data = bytearray(nc.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 256] = bytes(256)  # inside the compressed Rad chunk
    nc.write_bytes(bytes(data))
    label = "OR_ABI-L1b-RadC-M6C13_G18_s20231210001173_e20231210003546_c20231210004020.nc"
    with netCDF4.Dataset(nc) as ds:  # header, Rad, calibration: fine
        assert ds.variables["Rad"].shape == (300, 400)
    with pytest.raises(RenderError) as info:
        render_png(nc, tmp_path / "out.png", label=label)
    assert str(info.value).startswith(f"{label} could not be read; it may be truncated or corrupt")
    assert ".part-" not in str(info.value) and str(tmp_path) not in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == [nc.name]  # no PNG, no temp file
