"""The look of a folder's frames: pixel size, mode (``L`` or ``RGB``) and colour table, as one value; the look
names a user types (``--look``) and the colour tables they mean.

GOES-VFI interpolates between consecutive frames, so every frame of a folder must look the same whatever its
source (CDN JPG or S3 NetCDF). The rest of this package reads a look from a frame's header (:mod:`.header`),
decides the folder's look (:mod:`.sample`, :mod:`.decide`), plans a fetch in it (:mod:`.plan`) and plans
``fetch --conform`` (:mod:`.conform_plan`); :mod:`.tables` says which table a look name means for each band.
Pure: no I/O, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Mode = Literal["L", "RGB"]
UNKNOWN = "unknown"
"""The colour table of a frame that does not name one (an RGB image this package did not write)."""
STAR = "star"
"""NOAA STAR's band-13 enhancement (the CDN's look), fixed in kelvin: ``vmin``/``vmax`` do not apply to it."""
GREY_TABLE = "gray_r"
"""The table of a greyscale frame that names none (what earlier versions wrote: cold tops white)."""
GREY_TABLES = frozenset({"gray", "gray_r", "grey", "grey_r", "Greys", "Greys_r", "binary", "binary_r"})
"""Colour maps whose every entry is a grey (their PNGs are greyscale ``L``)."""

AUTO_LOOK = "auto"
CDN_LOOK = "cdn"
SEAMLESS_LOOK = "seamless"
"""STAR's colour table from S3 renders only: no CDN borders or banner, so one seamless sequence."""
GREY_LOOKS = ("grey", "gray")


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
    if name in GREY_LOOKS:
        return GREY_TABLE
    return name


def parse_size(text: str) -> tuple[int, int]:
    """``WxH`` -> (W, H); ValueError for anything else."""
    parts = text.lower().replace(" ", "").split("x")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError(f"{text!r} is not a size: use WIDTHxHEIGHT, e.g. 1250x750")
    return int(parts[0]), int(parts[1])
