"""The folder's look: the ``star`` table against DOMAIN.md's published points, resampling, PNG headers, modes."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from goesvfi.integrity_check.emulator.abi_file import write_abi_l1b
from goesvfi.integrity_check.look.header import read_header, read_png_header
from goesvfi.integrity_check.look.sample import folder_look
from goesvfi.integrity_check.look.value import Look, mode_of_table, parse_size, table_of
from goesvfi.integrity_check.render.cdn_jpeg import jpeg_to_png
from goesvfi.integrity_check.render.colormaps import star_colours, value_colours
from goesvfi.integrity_check.render.netcdf import brightness_temperature, render_png, write_png_atomic
from goesvfi.integrity_check.render.resample import block_mean, resample, to_mode
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.scan_support import gradient, gradient_image

# DOMAIN.md, "STAR's band-13 look" (goestools' goesproc-goesr.conf), written out by hand here: kelvin -> RGB.
PUBLISHED = {
    333.0: (0, 0, 0),
    238.0: (0xB9, 0xB9, 0xB9),
    237.999: (0x00, 0xFF, 0xFF),
    228.0: (0x00, 0x00, 0x80),
    218.0: (0x00, 0xFF, 0x00),
    208.0: (0xFF, 0xFF, 0x00),
    198.0: (0xFF, 0x00, 0x00),
    188.0: (0, 0, 0),
    178.0: (0xFF, 0xFF, 0xFF),
}
# Points between them, worked out by hand from the two neighbours (linear in RGB).
BETWEEN = {
    314.0: (37, 37, 37),  # 185 * (333 - 314) / 95 = 37
    203.0: (255, 128, 0),  # red -> yellow halfway: 127.5 rounds to 128
    223.0: (0, 128, 64),  # navy (0,0,128) -> green (0,255,0) halfway: (0, 127.5, 64)
    193.0: (128, 0, 0),  # black -> red halfway
    183.0: (128, 128, 128),  # white -> black halfway
    345.0: (0, 0, 0),  # clipped to 333 K
    170.0: (255, 255, 255),  # clipped to 178 K
}
START = datetime(2026, 11, 20, 0, 1, 17, tzinfo=UTC)


def test_star_table_hits_the_published_points() -> None:
    for kelvin, rgb in PUBLISHED.items():
        assert tuple(star_colours(np.array([kelvin]))[0]) == rgb, kelvin


def test_star_table_between_points_and_clipping() -> None:
    for kelvin, rgb in BETWEEN.items():
        got = tuple(int(v) for v in star_colours(np.array([kelvin]))[0])
        assert all(abs(g - w) <= 1 for g, w in zip(got, rgb, strict=True)), (kelvin, got, rgb)
    assert tuple(value_colours("star", np.array([np.nan]))[0]) == (0, 0, 0)


def test_star_render_of_a_known_scene(tmp_path: Path) -> None:
    kelvin = np.array([[238.5, 228.0, 208.0, 198.0], [188.0, 314.0, np.nan, 330.0]], dtype=np.float32)
    nc = write_abi_l1b(
        tmp_path / "a.nc",
        satellite=SatellitePattern.GOES_18,
        sector=Sector.CONUS,
        band=13,
        start=START,
        bt_kelvin=kelvin,
    )
    bt = brightness_temperature(nc)  # counts are quantised: compare colours at the file's own temperatures
    png = tmp_path / "a.png"
    assert render_png(nc, png, colormap="star") == (4, 2)
    with Image.open(png) as im:
        assert im.mode == "RGB"
        got = np.asarray(im).astype(int)
    assert tuple(got[1, 2]) == (0, 0, 0)  # fill: black
    assert tuple(got[0, 1]) == pytest.approx((0, 0, 128), abs=3)  # ~228 K: navy
    assert tuple(got[0, 3]) == pytest.approx((255, 0, 0), abs=3)  # ~198 K: red
    assert tuple(got[0, 0]) == pytest.approx((184, 184, 184), abs=3)  # 238.5 K: just under the grey step
    assert abs(bt[1, 1] - 314.0) < 0.2 and tuple(got[1, 1]) == pytest.approx((37, 37, 37), abs=1)
    assert read_png_header(png) == Look(4, 2, "RGB", "star")


def test_block_mean_is_exact_and_5424_to_1808_is_3x3() -> None:
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (12, 15, 3), dtype=np.uint8)
    want = np.floor(pixels.reshape(4, 3, 5, 3, 3).astype(np.float64).mean(axis=(1, 3)) + 0.5).astype(np.uint8)
    assert np.array_equal(block_mean(pixels, 3, 3), want)
    assert np.array_equal(resample(pixels, (5, 4)), want)
    grey = rng.integers(0, 256, (5424, 18), dtype=np.uint8)
    small = resample(grey, (6, 1808))
    assert small.shape == (1808, 6)
    assert small[0, 0] == int(np.floor(grey[:3, :3].astype(float).mean() + 0.5))


def test_resample_non_integer_shrink_and_grow() -> None:
    pixels = np.full((1500, 2500, 3), 100, dtype=np.uint8)
    assert resample(pixels, (1000, 600)).shape == (600, 1000, 3)
    assert (resample(pixels, (1000, 600)) == 100).all()  # area average of a flat field is the field
    grown = resample(np.array([[0, 200]], dtype=np.uint8), (4, 2))
    assert grown.shape == (2, 4) and grown.min() >= 0 and grown.max() <= 200 and grown[0, 0] < grown[0, 3]


def test_modes() -> None:
    grey = np.array([[0, 128, 255]], dtype=np.uint8)
    rgb = to_mode(grey, "RGB")
    assert rgb.shape == (1, 3, 3) and (rgb[..., 0] == grey).all()
    assert np.array_equal(to_mode(rgb, "L"), grey)
    red = np.array([[[255, 0, 0]]], dtype=np.uint8)
    assert to_mode(red, "L")[0, 0] == 76  # ITU-R 601-2: 0.299 * 255


def test_headers_and_folder_look(tmp_path: Path) -> None:
    rgb = gradient(750, 1250, 3)
    for i in range(5):
        write_png_atomic(rgb, tmp_path / f"f{i}.png", table="star")
    write_png_atomic(gradient(1500, 2500), tmp_path / "f9.png")  # untagged L: grey
    Image.fromarray(rgb).save(tmp_path / "x.jpg")
    assert read_header(tmp_path / "x.jpg") == Look(1250, 750, "RGB", "unknown")
    assert read_png_header(tmp_path / "f9.png") == Look(2500, 1500, "L", "gray_r")
    frames = sorted(tmp_path.glob("f*.png"))
    look = folder_look(frames)
    assert look == Look(1250, 750, "RGB", "star")
    assert folder_look([]) is None
    assert (table_of("cdn"), mode_of_table(table_of("cdn"))) == ("star", "RGB")
    assert (table_of("grey"), mode_of_table(table_of("grey"))) == ("gray_r", "L")
    assert parse_size("1250x750") == (1250, 750)
    with pytest.raises(ValueError):
        parse_size("big")


def test_jpeg_to_png_takes_the_look(tmp_path: Path) -> None:
    src = tmp_path / "c.jpg"
    gradient_image("RGB", (2500, 1500)).save(src, quality=95)
    out = tmp_path / "c.png"
    assert jpeg_to_png(src, out, size=(1250, 750), mode="L", table="star") == (1250, 750)
    assert read_png_header(out) == Look(1250, 750, "L", "star")


def test_written_frames_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_png_atomic(gradient(3, 3), tmp_path / "a.png")
        os.umask(0o002)
        write_png_atomic(gradient(3, 3), tmp_path / "b.png")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.png").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.png").stat().st_mode) == 0o664
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.png"]  # no temp file left
