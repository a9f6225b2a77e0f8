"""Content checks on decoded pixels (render/content.py): the uniform test tells colours apart by every channel,
and counts NaN fill as one value; expectations written from the pixels built here."""

from __future__ import annotations

import numpy as np

from goesvfi.integrity_check.render.content import content_problem


def _noise(shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(7).integers(0, 256, shape).astype(np.uint8)


def test_two_colours_that_differ_in_one_channel_are_not_one_value() -> None:
    pixels = np.empty((300, 400, 3), np.uint8)
    pixels[:, ::2] = (10, 20, 30)
    pixels[:, 1::2] = (10, 20, 31)  # only blue differs: half the pixels each
    assert content_problem(pixels) is None


def test_one_colour_on_nearly_every_pixel_is_uniform() -> None:
    pixels = np.empty((300, 400, 3), np.uint8)
    pixels[:] = (200, 100, 50)
    pixels[0, :400] = _noise((400, 3))  # 400 of 120,000 pixels differ: 99.7 % one colour
    problem = content_problem(pixels)
    assert problem is not None and problem.startswith("uniform: one value on 99.")


def test_the_same_bytes_in_other_channels_are_other_colours() -> None:
    pixels = np.empty((200, 300, 3), np.uint8)
    pixels[:, 0::3] = (1, 2, 3)
    pixels[:, 1::3] = (2, 3, 1)
    pixels[:, 2::3] = (3, 1, 2)  # one multiset of bytes, three colours
    assert content_problem(pixels) is None


def test_nan_fill_is_one_value_and_real_radiances_are_not() -> None:
    rad = np.full((200, 200), np.nan, np.float32)
    assert content_problem(rad) == "uniform: one value on 100.0% of its pixels"
    rad[:, :] = np.linspace(0.0, 100.0, 200 * 200, dtype=np.float32).reshape(200, 200)
    assert content_problem(rad) is None


def test_grey_frames_and_rows_of_black_are_found() -> None:
    grey = _noise((500, 300))
    assert content_problem(grey) is None
    grey[100:120] = 0  # 20 rows of 500: 4 %
    assert content_problem(grey) == "empty rows 100-119 (4% of its height)"
