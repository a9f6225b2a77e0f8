"""The emulator's two sources show one scene: a slot's CDN JPG is drawn from the scene its S3 NetCDF holds (plus
STAR's banner), so a folder does not jump between two pictures at the CDN cutoff, and a fetch that enlarges the
emulator's small NetCDF files says so. Compared with the product's NetCDF renderer (``star``, tested against
DOMAIN.md's published points elsewhere) at the CDN's size, over the picture below the banner strip."""

from __future__ import annotations

import io
import json
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from goesvfi.integrity_check.cli.main import main
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.render.netcdf import render_png
from tests.emulator_fixtures import EMULATOR_START

Factory = Callable[..., NoaaEmulator]
SIZE = (416, 250)  # the CDN's smallest CONUS size
BANNER = SIZE[1] // 25 + 2  # STAR's banner strip (the emulator's: height / 25) and its JPEG ringing


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return bytes(resp.read())


def _cdn(emu: NoaaEmulator, slot: datetime, band: int = 13) -> np.ndarray:
    name = f"{slot:%Y%j%H%M}_GOES18-ABI-CONUS-{band:02d}-{SIZE[0]}x{SIZE[1]}.jpg"
    data = _get(f"{emu.cdn_url}/GOES18/ABI/CONUS/{band:02d}/{name}")
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.float64)[BANNER:]


def _s3(emu: NoaaEmulator, slot: datetime, tmp_path: Path, table: str = "star", **kelvin: float) -> np.ndarray:
    nc = tmp_path / f"{slot:%H%M}.nc"
    nc.write_bytes(_get(f"{emu.s3_endpoint}/{emu.bucket}/{emu.s3_keys[slot]}"))
    png = tmp_path / f"{slot:%H%M}.png"
    render_png(nc, png, colormap=table, size=SIZE, mode="RGB", **kelvin)
    return np.asarray(Image.open(png).convert("RGB"), dtype=np.float64)[BANNER:]


@pytest.mark.slow
def test_a_slots_cdn_jpg_and_s3_netcdf_show_one_scene(noaa_emulator_factory: Factory, tmp_path: Path) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0, nc_shape=(150, 250))
    slots = [EMULATOR_START + timedelta(minutes=m) for m in (1, 6, 31)]
    cdn = {slot: _cdn(emu, slot) for slot in slots}
    s3 = {slot: _s3(emu, slot, tmp_path) for slot in slots}
    same = [float(np.abs(cdn[slot] - s3[slot]).mean()) for slot in slots]
    # JPEG, a 1.7x bilinear enlargement of the NetCDF and a count's rounding: a level or so on average.
    assert max(same) < 3.0, same  # measured: 0.6-1.0
    assert float(np.percentile(np.abs(cdn[slots[0]] - s3[slots[0]]), 90)) < 12.0
    # Neighbouring slots (5 minutes) and a later one differ far more than one slot's two sources: the clouds move.
    next_slot = float(np.abs(cdn[slots[1]] - s3[slots[0]]).mean())
    later = float(np.abs(cdn[slots[2]] - s3[slots[0]]).mean())
    assert next_slot > 3 * max(same), (next_slot, same)  # measured: 5.7 (and 14 half an hour later)
    assert later > next_slot, (later, next_slot)


# Bands outside 13-15 on the emulator's CDN: their own grey, never STAR's longwave table. Emissive: inverted over the
# band's published range (Geo2Grid channel_7_default 164.15-400.15 K, channel_9_default 180-280 K, satpy's ABI
# brightness-temperature range 163-330 K for band 12); reflective: reflectance 0-1.
GREYS = [(7, "gray_r", 164.15, 400.15), (9, "gray_r", 180.0, 280.0), (12, "gray_r", 163.0, 330.0), (3, "gray", 0, 1)]


@pytest.mark.slow
@pytest.mark.parametrize(("band", "table", "vmin", "vmax"), GREYS)
def test_a_band_outside_13_15_is_served_in_its_own_grey(
    noaa_emulator_factory: Factory, tmp_path: Path, band: int, table: str, vmin: float, vmax: float
) -> None:
    emu = noaa_emulator_factory(band=band, missing_fraction=0.0, nc_shape=(150, 250))
    slot = EMULATOR_START + timedelta(minutes=6)
    cdn = _cdn(emu, slot, band)
    assert float(np.abs(cdn[..., 0] - cdn[..., 2]).max()) <= 8  # grey (JPEG's chroma rounding aside): no colours
    assert float(cdn.std()) > 10  # a picture, not a flat frame
    s3 = _s3(emu, slot, tmp_path, table, vmin=vmin, vmax=vmax)
    assert float(np.abs(cdn - s3).mean()) < 3.0  # the NetCDF's scene in the same grey
    if table == "gray_r":  # an emissive band: not the longwave table (the renderer draws reflectance grey only)
        star = _s3(emu, slot, tmp_path, "star")
        assert float(np.abs(cdn - star).mean()) > 10.0


@pytest.mark.slow
@pytest.mark.usefixtures("cache_beside_folder")
def test_s3_frames_enlarged_from_the_files_own_size_are_noted(
    noaa_env_factory: Factory, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The emulator's 250 x 150 NetCDF files rendered into the CDN's 2500 x 1500 look: 10x, and the summary says so
    (comparing with the file's size, not with NOAA's usual 2500 x 1500, which would say nothing)."""
    noaa_env_factory(missing_fraction=0.0, nc_shape=(150, 250))
    args = ["fetch", str(folder), "--satellite", "goes18", "--start", "2023-05-01T00:00", "--end",
            "2023-05-01T00:15", "--now", "2023-06-01T00:00", "--json"]  # fmt: skip
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["sources"] == {"s3": 3}
    assert result["look_notes"] == ["S3 frames are enlarged from 250x150 to 2500x1500 (bilinear)"]
    small = folder.parent / "small"
    small.mkdir()
    assert main(["fetch", str(small), *args[2:], "--size", "250x150"]) == 0  # the files' own size: not enlarged
    notes = json.loads(capsys.readouterr().out)["look_notes"]
    assert not any("enlarged" in note for note in notes), notes


def test_only_the_longwave_window_bands_are_served_in_star_s_colours() -> None:
    from goesvfi.integrity_check.emulator.cdn_frames import render_jpeg
    from goesvfi.integrity_check.time_index import SatellitePattern, Sector

    coloured = []
    for band in range(1, 17):
        data = render_jpeg(SatellitePattern.GOES_19, Sector.CONUS, band, EMULATOR_START, SIZE, banner=False)
        pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)
        if np.abs(pixels[..., 0] - pixels[..., 2]).max() > 16:  # more than JPEG's chroma rounding: colours
            coloured.append(band)
    assert coloured == [13, 14, 15]
