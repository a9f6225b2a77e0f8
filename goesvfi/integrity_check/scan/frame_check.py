"""Is a file a whole frame? The structural check (head and tail, every scan) and the full verify (a decode).

The structural check reads the first :data:`HEAD` bytes and the last :data:`TAIL` bytes of a file: the
format's signature, PNG's IHDR (and the colour table this package names in a ``tEXt`` chunk before the pixel
data) and its IEND chunk at the very end, JPEG's SOI and EOI markers, an HDF5 (NetCDF-4) superblock and a file
at least as long as the superblock's end-of-file address. A file cut short by a crashed download or a copy
loses its tail, so the check catches it without reading the pixels. The same read gives the frame's look.

:func:`verify_frame` decodes the whole file (PNG chunk CRCs and the zlib stream, JPEG decode errors, the
NetCDF's data variable) and checks the content (:func:`..render.content.content_problem`: a uniform frame, a
run of empty rows).

Blocking, pure apart from the reads. No Qt.
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from goesvfi.integrity_check.look.header import PNG_SIGNATURE, jpeg_look, png_look
from goesvfi.integrity_check.look.value import GREY_TABLE, UNKNOWN, Look
from goesvfi.integrity_check.render.content import content_problem
from goesvfi.integrity_check.scan.png_pixels import png_pixels

HEAD = 4096
"""Bytes read from the start of a file: the PNG chunks before the pixel data, a JPEG's frame header."""
TAIL = 64
"""Bytes read from the end: PNG's IEND chunk (12 bytes), JPEG's EOI marker after any padding."""

_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_NETCDF3_SIGNATURES = (b"CDF\x01", b"CDF\x02", b"CDF\x05")
_OTHER_IMAGES = (b"II*\x00", b"MM\x00*", b"GIF87a", b"GIF89a", b"BM", b"RIFF")
_UNDEFINED = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class FrameCheck:
    """The verdict on one file: ``reason`` None means whole (as far as the check went); ``look`` is the
    frame's look when its header could be read (images only)."""

    reason: str | None
    look: Look | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


# ---- the structural check --------------------------------------------------------------------------------


Identity = tuple[int, int, int]
"""(size, st_mtime_ns, inode): what a cached verdict is valid for."""


def _read_ends(path: str | Path) -> tuple[bytes, bytes, Identity]:
    """(first HEAD bytes, last TAIL bytes, the file's identity) with one open."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        size = st.st_size
        head = os.pread(fd, HEAD, 0)
        tail = head[-TAIL:] if size <= len(head) else os.pread(fd, TAIL, max(0, size - TAIL))
    finally:
        os.close(fd)
    return head, tail, (size, st.st_mtime_ns, st.st_ino)


def hdf5_end(head: bytes, offset: int) -> int | None:
    """The end-of-file address an HDF5 superblock at ``offset`` records (versions 0-3); None if unreadable."""
    version = head[offset + 8] if len(head) > offset + 8 else None
    if version in (0, 1):
        if len(head) < offset + 24:
            return None
        size_of_offsets = head[offset + 13]
        at = offset + 24 + (4 if version == 1 else 0) + 2 * size_of_offsets
    elif version in (2, 3):
        size_of_offsets = head[offset + 9] if len(head) > offset + 9 else 0
        at = offset + 12 + 2 * size_of_offsets
    else:
        return None
    if size_of_offsets not in (4, 8) or len(head) < at + size_of_offsets:
        return None
    value = int.from_bytes(head[at : at + size_of_offsets], "little")
    return None if value == _UNDEFINED else value + offset


def check_bytes(head: bytes, tail: bytes, size: int, name: str) -> FrameCheck:
    """The structural verdict from a file's first and last bytes (see the module's docstring)."""
    if size == 0:
        return FrameCheck("empty file (0 bytes)")
    if head.startswith(PNG_SIGNATURE):
        look, reason = png_look(head)
        if reason is not None:
            return FrameCheck(reason)
        if not tail.endswith(_PNG_IEND):
            return FrameCheck(f"cut short: no PNG end (IEND) after {size:,} bytes", look)
        return FrameCheck(None, look)
    if head.startswith(b"\xff\xd8\xff"):
        look = jpeg_look(head)
        if b"\xff\xd9" not in tail.rstrip(b"\x00"):
            return FrameCheck(f"cut short: no JPEG end marker (EOI) after {size:,} bytes", look)
        if look is None:
            return FrameCheck("no JPEG frame header (SOF)")
        return FrameCheck(None, look)
    for offset in (0, 512, 1024, 2048):  # an HDF5 superblock may follow a user block
        if head[offset : offset + 8] == _HDF5_SIGNATURE:
            end = hdf5_end(head, offset)
            if end is None:
                return FrameCheck("a NetCDF/HDF5 superblock that cannot be read")
            if size < end:
                return FrameCheck(f"cut short: {size:,} of the {end:,} bytes its NetCDF header records")
            return FrameCheck(None)
    if head.startswith(_NETCDF3_SIGNATURES):
        return FrameCheck(None)
    if head.startswith(_OTHER_IMAGES):  # TIFF, GIF, BMP, WebP: the header through Pillow, no tail rule
        return _other_image(head, name)
    suffix = Path(name).suffix.lower()
    what = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".nc": "NetCDF"}.get(suffix, "image")
    return FrameCheck(f"not a {what} file (its first bytes are not a {what} signature)")


def _other_image(head: bytes, name: str) -> FrameCheck:
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(head)) as image:
            mode = image.mode
            return FrameCheck(None, Look(image.width, image.height, mode, GREY_TABLE if mode == "L" else UNKNOWN))
    except (OSError, ValueError, SyntaxError, UnidentifiedImageError):
        return FrameCheck(f"{Path(name).suffix[1:].upper() or 'image'} header cannot be read")


def check_file(path: str | Path) -> tuple[FrameCheck, Identity | None]:
    """The structural check of one file (one open, two reads) and the identity it was made for; an unreadable
    file is damaged (identity None)."""
    try:
        head, tail, identity = _read_ends(path)
    except OSError as exc:
        return FrameCheck(f"cannot be read ({exc.strerror or exc})"), None
    return check_bytes(head, tail, identity[0], os.fspath(path)), identity


def check_frame(path: str | Path) -> FrameCheck:
    """The structural check of one file (see :func:`check_file`)."""
    return check_file(path)[0]


# ---- the full verify -------------------------------------------------------------------------------------


def _png_chunks_ok(data: bytes) -> str | None:
    """Every PNG chunk's CRC, up to IEND (the pixel data's zlib stream is checked by the decode that follows)."""
    pos, view = 8, memoryview(data)
    while pos + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 8 + length
        if end + 4 > len(data):
            return f"cut short inside its {kind.decode('latin-1', 'replace')} chunk"
        if zlib.crc32(view[pos + 4 : end]) != struct.unpack_from(">I", data, end)[0]:
            return f"a damaged {kind.decode('latin-1', 'replace')} chunk (checksum error at byte {pos:,})"
        pos = end + 4
        if kind == b"IEND":
            return None
    return "cut short: no PNG end (IEND)"


def _decode_image(source: str | Path | bytes) -> np.ndarray | str:
    import io

    from PIL import Image, ImageFile

    from goesvfi.integrity_check.render.cdn_jpeg import pixels_of

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as image:
            image.load()
            if image.mode in ("L", "RGB"):
                return pixels_of(image)  # one copy, one GIL hand-off (not tobytes' 64 KB pieces)
            return np.asarray(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        return f"cannot be decoded ({exc})"


def _netcdf_pixels(path: str | Path) -> np.ndarray | str:
    import netCDF4

    try:
        with netCDF4.Dataset(os.fspath(path)) as ds:
            for name in ("Rad", "CMI"):
                if name in ds.variables:
                    var = ds.variables[name]
                    var.set_auto_mask(False)
                    return np.asarray(var[:])
            return "no data variable (Rad or CMI)"
    except (OSError, RuntimeError, ValueError, KeyError, IndexError) as exc:
        return f"cannot be read as NetCDF ({exc})"


def verify_frame(path: str | Path) -> FrameCheck:
    """The full verify of one file: the structural check, a whole decode, and the content checks."""
    first = check_frame(path)
    if not first.ok:
        return first
    if first.look is None:  # NetCDF
        pixels = _netcdf_pixels(path)
    else:
        try:
            data = Path(path).read_bytes()  # one read serves the CRCs and the decode
        except OSError as exc:
            return FrameCheck(f"cannot be read ({exc.strerror or exc})")
        fast: np.ndarray | str | None = None
        if data.startswith(PNG_SIGNATURE):
            problem = _png_chunks_ok(data)
            if problem is not None:
                return FrameCheck(problem, first.look)
            fast = png_pixels(data)
        pixels = _decode_image(data) if fast is None else fast
    if isinstance(pixels, str):
        return FrameCheck(pixels, first.look)
    return FrameCheck(content_problem(pixels), first.look)
