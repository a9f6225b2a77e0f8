"""A whole PNG's pixels in one decode call that runs without the GIL, for ``scan --verify``.

Pillow's own PNG path reads the pixel data 64 KB at a time through Python (``load_read``), hands the GIL back
and forth around each piece, then copies the pixels out with the GIL held: on a 2500x1500 RGB frame about a
quarter of a verify ran holding the GIL (``py-spy record --gil``), which caps what threads gain. Here each IDAT
chunk (their CRCs already checked by the caller) goes to Pillow's zlib decoder in one GIL-free call, which
unfilters straight into a numpy buffer that a Pillow image wraps: no piecewise reads, no copy out.

Only the plain case takes this path: 8 bits per sample, grey or RGB, not interlaced. Anything else (and a
Pillow without these internals) returns None and the caller takes Pillow's documented path. Pure apart from
numpy and Pillow; no Qt.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

_CHANNELS = {0: 1, 2: 3}
"""PNG colour type -> channels: 0 grey, 2 RGB (the only two this path decodes)."""


def _idat(data: bytes) -> list[memoryview]:
    """The pixel data: every IDAT chunk's payload, in order (the caller checked the chunks are whole)."""
    pos, parts = 8, []
    view = memoryview(data)
    while pos + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        if kind == b"IDAT":
            parts.append(view[pos + 8 : pos + 8 + length])
        elif kind == b"IEND":
            break
        pos += 12 + length
    return parts


def _decode(decoder: Any, parts: list[memoryview]) -> tuple[int, int]:
    """Feed the chunks to the decoder, each in one GIL-free call (a copy of 7 MB into one buffer held the GIL
    longer than the unfiltering); what it leaves unconsumed goes in front of the next chunk."""
    consumed, error, pending = 0, 0, b""
    for part in parts:
        buffer = pending + bytes(part) if pending else part
        consumed, error = decoder.decode(buffer)
        if consumed < 0 or error < 0:
            return consumed, error
        pending = bytes(buffer[consumed:])
    return consumed, error


def png_pixels(data: bytes) -> np.ndarray | str | None:
    """The pixels of a whole PNG (its chunks' CRCs checked) as a uint8 (h, w) or (h, w, 3) array, a reason when
    the zlib stream or its filters are damaged or end early, or None when this path does not decode it."""
    if len(data) < 33 or data[12:16] != b"IHDR":
        return None
    width, height, depth, colour, _compression, _filter, interlace = struct.unpack_from(">IIBBBBB", data, 16)
    channels = _CHANNELS.get(colour)
    if depth != 8 or channels is None or interlace != 0 or not width or not height:
        return None
    try:
        from PIL import Image

        if Image.MAX_IMAGE_PIXELS is not None and width * height > Image.MAX_IMAGE_PIXELS:
            return None  # a header claiming a huge image: Pillow's path refuses it (a decompression bomb) unallocated
        # Pillow keeps an RGB image 4 bytes a pixel (RGBX), a grey one 1 byte: the buffer has that layout, so
        # the decoder writes into it directly. Zeroed: rows a short stream never reaches read as empty rows.
        pixels = np.zeros((height, width, 4) if channels == 3 else (height, width), dtype=np.uint8)
        mode, rawmode = ("RGBX", "RGB") if channels == 3 else ("L", "L")
        target = Image.frombuffer(mode, (width, height), pixels, "raw", mode, 0, 1)
        decoder = Image._getdecoder(mode, "zip", (rawmode, 0), ())
        decoder.setimage(target.im, (0, 0, width, height))
    except (AttributeError, TypeError, ValueError, OSError):
        return None
    try:
        consumed, error = _decode(decoder, _idat(data))
    finally:
        decoder.cleanup()
    if error < 0:
        return f"damaged pixel data (the zlib stream or a row filter is broken: code {error})"
    if consumed >= 0:
        return "cut short: the pixel data ends before the last row"
    return pixels[..., :3] if channels == 3 else pixels
