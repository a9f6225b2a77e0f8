"""The folder's look: pixel size, mode (``L`` or ``RGB``) and colour table of the frames in an archive folder.

GOES-VFI interpolates between consecutive frames, so every frame of a folder must look the same whatever its
source (CDN JPG or S3 NetCDF). A look is read from the headers of a sample of the frames already there (never
decoding them), or taken from the settings for an empty folder. The PNGs this package writes name their colour
table in a ``tEXt`` chunk (:data:`TABLE_KEYWORD`), so a header tells it; a greyscale PNG without that chunk is
taken as ``gray_r`` (what earlier versions wrote), any other untagged frame has the table ``unknown``.
Pure apart from the header reads (blocking: call from a thread). No Qt.
"""

from __future__ import annotations

import os
import random
import struct
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Literal

from goesvfi.integrity_check.render.colormaps import GREY_TABLES, STAR

Mode = Literal["L", "RGB"]
UNKNOWN = "unknown"
CDN_LOOK = "cdn"
SEAMLESS_LOOK = "seamless"
"""STAR's colour table from S3 renders only: no CDN borders or banner, so one seamless sequence."""
GREY_LOOK = "grey"
GREY_TABLE = "gray_r"
TABLE_KEYWORD = b"goesvfi-colour-table"
"""``tEXt`` keyword of the colour table's name in the PNGs this package writes."""
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SAMPLE = 16
"""Frames whose headers decide a folder's look (spread over the folder's name order)."""
WIDE_SAMPLE = 512
"""Frames read when the first sample disagrees."""
TEXT_LIMIT = 4096
"""The largest ``tEXt`` chunk read for the colour table's name."""
HEADER_BYTES = 65536
"""Bytes :func:`read_png_header` reads: the chunks before the pixel data, large ancillary ones included."""
_PNG_MODES = {0: "L", 2: "RGB", 3: "P", 4: "LA", 6: "RGBA"}


@dataclass(frozen=True, slots=True)
class Look:
    """What every frame of a folder shares. ``table`` is a colour table name (``star``, ``gray_r``,
    ``enhanced_ir``, a matplotlib map) or ``unknown``; ``width``/``height`` None = each source's native size."""

    width: int | None
    height: int | None
    mode: str
    table: str

    @property
    def size(self) -> tuple[int, int] | None:
        return None if self.width is None or self.height is None else (self.width, self.height)

    def describe(self) -> str:
        size = "native size" if self.size is None else f"{self.width}x{self.height}"
        return f"{size} {self.mode} {self.table}"

    def as_json(self) -> dict[str, object]:
        return {"width": self.width, "height": self.height, "mode": self.mode, "colour_table": self.table}

    def matches(self, other: Look) -> bool:
        """``other`` (a frame's look) fits this one: same size (when fixed), mode and table (unless unknown)."""
        if self.size is not None and other.size != self.size:
            return False
        if other.mode != self.mode:
            return False
        return UNKNOWN in (self.table, other.table) or other.table == self.table

    @property
    def key(self) -> str:
        """The look as one string (stored per frame in the cache): ``2500x1500/RGB/star``."""
        size = "native" if self.size is None else f"{self.width}x{self.height}"
        return f"{size}/{self.mode}/{self.table}"

    @classmethod
    def from_key(cls, key: str) -> Look:
        size, mode, table = key.split("/", 2)
        if size == "native":
            return cls(None, None, mode, table)
        width, height = parse_size(size)
        return cls(width, height, mode, table)

    def with_table(self, table: str) -> Look:
        return Look(self.width, self.height, mode_of_table(table), table)


def mode_of_table(table: str) -> Mode:
    """``L`` for grey colour maps, ``RGB`` for the others."""
    return "L" if table in GREY_TABLES else "RGB"


def table_of(look_name: str) -> str:
    """The colour table of a ``--look`` value: ``cdn`` and ``seamless`` -> ``star``, ``grey`` -> ``gray_r``, else
    the name itself."""
    name = look_name.strip()
    if name in (CDN_LOOK, SEAMLESS_LOOK):
        return STAR
    if name in (GREY_LOOK, "gray"):
        return GREY_TABLE
    return name


def parse_size(text: str) -> tuple[int, int]:
    """``WxH`` -> (W, H); ValueError for anything else."""
    parts = text.lower().replace(" ", "").split("x")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError(f"{text!r} is not a size: use WIDTHxHEIGHT, e.g. 1250x750")
    return int(parts[0]), int(parts[1])


def look_from_settings(look_name: str, size: tuple[int, int] | None) -> Look:
    table = table_of(look_name)
    width, height = size if size is not None else (None, None)
    return Look(width, height, mode_of_table(table), table)


# ---- headers ---------------------------------------------------------------------------------------------


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


def _spread(paths: Sequence[Path | str], count: int) -> list[Path | str]:
    """``count`` of ``paths`` spread over them: one at a random place in each of ``count`` equal strata (seeded by
    the length: the same folder gives the same sample). Evenly spaced picks would alias with a regular pattern
    (every third frame of another size, 46 frames: all 16 picks land on the odd frames and agree)."""
    n = len(paths)
    if n <= count:
        return list(paths)
    rng = random.Random(n)
    bounds = [i * n // count for i in range(count + 1)]
    return [paths[rng.randrange(lo, hi)] for lo, hi in pairwise(bounds)]


def _looks(paths: Sequence[Path | str]) -> list[Look]:
    looks = []
    for path in paths:
        try:
            looks.append(read_header(path))
        except (OSError, ValueError, SyntaxError):
            continue
    return looks


def _path_order(path: Path | str) -> str:
    """A sort key that orders path strings as ``Path`` objects compare (part by part), without making them."""
    return os.path.normcase(os.fspath(path)).replace(os.sep, "\0")


def folder_look(frames: Sequence[Path] | Sequence[str], sample: int = SAMPLE) -> Look | None:
    """The look most of ``frames`` share, read from the headers of a sample spread over their name order
    (:data:`SAMPLE` frames; when they disagree, up to :data:`WIDE_SAMPLE`, so a regular pattern of odd frames
    cannot outvote the rest by aliasing); the newest wins a tie. None: no readable frame (an empty folder:
    the settings decide)."""
    ordered: list[Path | str] = sorted(frames, key=_path_order)
    looks = _looks(_spread(ordered, sample))
    if len(set(looks)) > 1 and len(ordered) > len(looks):
        looks = _looks(_spread(ordered, WIDE_SAMPLE))
    if not looks:
        return None
    counts = Counter(looks)
    best = max(counts.values())
    return next(look for look in reversed(looks) if counts[look] == best)
