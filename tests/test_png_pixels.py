"""The verify's one-call PNG decode (scan/png_pixels.py) against Pillow's documented path, and the damage it
must find in pixel data whose chunk CRCs are whole (the chunks rebuilt around the damaged stream)."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from goesvfi.integrity_check.scan.png_pixels import png_pixels


def _png(pixels: np.ndarray, **save: object) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG", **save)
    return out.getvalue()


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _with_stream(ihdr: tuple[int, int, int, int], stream: bytes, interlace: int = 0) -> bytes:
    """A PNG with this IHDR (width, height, depth, colour type) and this zlib stream, every CRC right."""
    width, height, depth, colour = ihdr
    head = _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace))
    return b"\x89PNG\r\n\x1a\n" + head + _chunk(b"IDAT", stream) + _chunk(b"IEND", b"")


def _rows(pixels: np.ndarray) -> bytes:
    """The filtered scanlines, each with filter 0 (None), written here by hand."""
    flat = pixels.reshape(pixels.shape[0], -1)
    return b"".join(b"\x00" + row.tobytes() for row in flat)


RGB = np.random.default_rng(3).integers(0, 256, (120, 170, 3)).astype(np.uint8)
GREY = np.random.default_rng(4).integers(0, 256, (90, 64)).astype(np.uint8)


@pytest.mark.parametrize("pixels", [RGB, GREY], ids=["rgb", "grey"])
def test_the_pixels_are_pillows(pixels: np.ndarray) -> None:
    data = _png(pixels, optimize=True)  # Pillow picks its own filters per row: Sub, Up, Average, Paeth
    got = png_pixels(data)
    assert isinstance(got, np.ndarray)
    np.testing.assert_array_equal(got, pixels)


def test_many_idat_chunks_are_joined() -> None:
    stream = zlib.compress(_rows(RGB))
    ihdr = _chunk(b"IHDR", struct.pack(">IIBBBBB", 170, 120, 8, 2, 0, 0, 0))
    pieces = b"".join(_chunk(b"IDAT", stream[i : i + 1000]) for i in range(0, len(stream), 1000))
    got = png_pixels(b"\x89PNG\r\n\x1a\n" + ihdr + pieces + _chunk(b"IEND", b""))
    assert isinstance(got, np.ndarray)
    np.testing.assert_array_equal(got, RGB)


def test_a_broken_stream_and_a_bad_filter_are_damaged() -> None:
    stream = bytearray(zlib.compress(_rows(RGB)))
    stream[len(stream) // 2] ^= 0xFF
    assert str(png_pixels(_with_stream((170, 120, 8, 2), bytes(stream)))).startswith("damaged pixel data")
    rows = bytearray(_rows(RGB))
    rows[0] = 9  # filter types are 0-4
    assert str(png_pixels(_with_stream((170, 120, 8, 2), zlib.compress(bytes(rows))))).startswith("damaged")


def test_a_stream_that_stops_is_cut_short() -> None:
    stream = zlib.compress(_rows(RGB))
    assert png_pixels(_with_stream((170, 120, 8, 2), stream[: len(stream) // 2])) == (
        "cut short: the pixel data ends before the last row"
    )


def test_rows_a_short_stream_never_reached_are_empty() -> None:
    got = png_pixels(_with_stream((170, 120, 8, 2), zlib.compress(_rows(RGB[:60]))))
    assert isinstance(got, np.ndarray)
    np.testing.assert_array_equal(got[:60], RGB[:60])
    assert not got[60:].any()  # zero: the content check names them as empty rows


def test_other_kinds_take_pillows_path() -> None:
    adam7 = _with_stream((170, 120, 8, 2), zlib.compress(_rows(RGB)), interlace=1)  # Pillow cannot write one
    assert png_pixels(adam7) is None
    assert png_pixels(_png(GREY.astype(np.uint16) * 200)) is None  # 16 bits a sample
    assert png_pixels(_png(RGB).replace(b"IHDR", b"IHDX", 1)) is None
    palette = Image.fromarray(GREY).convert("P")
    out = io.BytesIO()
    palette.save(out, format="PNG")
    assert png_pixels(out.getvalue()) is None


def test_a_header_claiming_a_huge_image_allocates_nothing_here() -> None:
    """60000 x 60000 RGB would be a 14 GB buffer: left to Pillow's path, which refuses it as a decompression bomb."""
    planted = _with_stream((60000, 60000, 8, 2), zlib.compress(b"\x00" * 100))
    assert png_pixels(planted) is None
