"""A frame's look from its header, never its pixels: a PNG's chunks before the pixel data, a JPEG's SOFn marker,
any other image through Pillow's lazy open.

The PNGs this package writes name their colour table in a ``tEXt`` chunk (:data:`TABLE_KEYWORD`), so a header
tells it; a greyscale PNG without that chunk is taken as ``gray_r`` (what earlier versions wrote), any other
untagged frame has the table ``unknown``. The reads block: call them from a thread. No Qt.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from goesvfi.integrity_check.look.value import GREY_TABLE, UNKNOWN, Look

TABLE_KEYWORD = b"goesvfi-colour-table"
"""``tEXt`` keyword of the colour table's name in the PNGs this package writes."""
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TEXT_LIMIT = 4096
"""The largest ``tEXt`` chunk read for the colour table's name."""
HEADER_BYTES = 65536
"""Bytes :func:`read_png_header` reads: the chunks before the pixel data, large ancillary ones included."""
_PNG_MODES = {0: "L", 2: "RGB", 3: "P", 4: "LA", 6: "RGBA"}


def png_look(head: bytes) -> tuple[Look | None, str | None]:
    """The look from a PNG's chunks before its pixel data (IHDR first, then this package's ``tEXt``, at most
    :data:`TEXT_LIMIT` bytes, when it lies whole in ``head``)."""
    if len(head) < 33 or head[12:16] != b"IHDR":
        return None, "no PNG header (IHDR) after the signature"
    length = struct.unpack(">I", head[8:12])[0]
    width, height, _depth, colour_type = struct.unpack(">IIBB", head[16:26])
    if length != 13 or not width or not height:
        return None, f"a broken PNG header ({width}x{height})"
    if zlib.crc32(head[12:29]) != struct.unpack(">I", head[29:33])[0]:
        return None, "a broken PNG header (IHDR checksum)"
    mode = _PNG_MODES.get(colour_type, "?")
    table: str | None = None
    pos = 33
    while pos + 8 <= len(head):
        length, kind = struct.unpack(">I4s", head[pos : pos + 8])
        if kind in (b"IDAT", b"IEND"):
            break
        if kind == b"tEXt" and length <= TEXT_LIMIT and pos + 8 + length <= len(head):
            keyword, _, text = head[pos + 8 : pos + 8 + length].partition(b"\x00")
            if keyword == TABLE_KEYWORD:
                table = text.decode("latin-1")
        pos += 12 + length
    if table is None:
        table = GREY_TABLE if mode == "L" else UNKNOWN
    return Look(width, height, mode, table), None


def jpeg_look(head: bytes) -> Look | None:
    """The size and mode from a JPEG's SOFn marker, when it lies in ``head``."""
    pos = 2
    while pos + 4 <= len(head):
        if head[pos] != 0xFF:
            return None
        marker = head[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        length = struct.unpack(">H", head[pos + 2 : pos + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            if pos + 10 > len(head):
                return None
            height, width = struct.unpack(">HH", head[pos + 5 : pos + 9])
            components = head[pos + 9]
            return Look(width, height, "L" if components == 1 else "RGB", GREY_TABLE if components == 1 else UNKNOWN)
        pos += 2 + length
    return None


def read_png_header(path: Path | str) -> Look:
    """The look of one PNG from its chunks before the pixel data (IHDR and ``tEXt``, within its first
    :data:`HEADER_BYTES`); ValueError if not a PNG or without a header."""
    with open(path, "rb") as fh:
        head = fh.read(HEADER_BYTES)
    if not head.startswith(PNG_SIGNATURE):
        raise ValueError(f"{Path(path).name} is not a PNG")
    look, _reason = png_look(head)
    if look is None:
        raise ValueError(f"{Path(path).name} has no PNG header")
    return look


def read_header(path: Path | str) -> Look:
    """The look of one frame (PNG from its chunks; other images through Pillow's lazy open: header only)."""
    path = Path(path)
    if path.suffix.lower() == ".png":
        return read_png_header(path)
    from PIL import Image

    with Image.open(path) as image:  # reads the header; pixels are decoded only on load()
        mode = image.mode
        return Look(image.width, image.height, mode, GREY_TABLE if mode == "L" else UNKNOWN)
