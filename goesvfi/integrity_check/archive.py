"""The archive file (``goesvfi-archive.toml``): many products (satellite or East/West view, sector, band) kept in
folders under one root, for ``scan``, ``fetch``, ``report`` and ``watch --archive``. Pure apart from reading it.

```toml
[[product]]
satellite = "east"          # east, west, goes16 ... goes19
sector = "conus"            # conus, fd, m1, m2
band = 13
folder = "east/conus/13"    # relative to this file's folder
look = "auto"               # optional: the empty folder's look (auto, cdn, grey, a colour map)
window = "24h"              # optional: watch's trailing window (default: watch --window)
```

A bad file gets one line naming the file, the product and the key (:class:`ArchiveFileError`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from goesvfi.integrity_check.look.tables import band_table
from goesvfi.integrity_check.query import QueryError, parse_view_or_satellite
from goesvfi.integrity_check.time_index import Sector, check_band
from goesvfi.integrity_check.units import parse_duration

ARCHIVE_FILE = "goesvfi-archive.toml"
KEYS = ("satellite", "sector", "band", "folder", "look", "window")
REQUIRED = ("satellite", "sector", "band", "folder")
# A range any satellite or view has data in: only to check the satellite/view name and the sector.
_PROBE = (datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 6, 1, 1, tzinfo=UTC))


class ArchiveFileError(ValueError):
    """An archive file that cannot be used; ``str(error)`` is one line naming the file and the key."""


@dataclass(frozen=True, slots=True)
class Product:
    """One product of the archive: ``satellite`` is a satellite (``goes19``) or a view (``east``)."""

    index: int  # 1-based, in file order
    satellite: str
    sector: Sector
    band: int
    folder: Path
    look: str | None = None
    window: timedelta | None = None

    @property
    def name(self) -> str:
        """``east conus band 13``"""
        return f"{self.satellite} {self.sector.value} band {self.band}"


@dataclass(frozen=True, slots=True)
class ArchiveFile:
    path: Path
    products: tuple[Product, ...]


def load_archive(path: Path | str) -> ArchiveFile:
    """Read and check the archive file at ``path``; :class:`ArchiveFileError` with one line when it is bad."""
    path = Path(path).expanduser()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArchiveFileError(f"{path}: no such archive file") from None
    except OSError as exc:
        raise ArchiveFileError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ArchiveFileError(f"{path}: not a text file (TOML is UTF-8)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ArchiveFileError(f"{path}: not valid TOML: {exc}") from None
    extra = sorted(set(data) - {"product"})
    if extra:
        raise ArchiveFileError(f"{path}: unknown key {extra[0]!r} (the file holds [[product]] tables)")
    tables = data.get("product")
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise ArchiveFileError(f"{path}: no [[product]] table (each product is one [[product]] table)")
    products = tuple(_product(path, i, table) for i, table in enumerate(tables, 1))
    folders = [p.folder for p in products]
    twice = next((f for f in folders if folders.count(f) > 1), None)
    if twice is not None:
        which = [p.index for p in products if p.folder == twice]
        raise ArchiveFileError(f"{path}: products {which[0]} and {which[1]}: folder: both use {twice}")
    return ArchiveFile(path, products)


def _product(path: Path, index: int, table: dict[str, Any]) -> Product:
    def bad(key: str, why: str) -> ArchiveFileError:
        return ArchiveFileError(f"{path}: product {index}: {key}: {why}")

    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise bad(unknown[0], f"unknown key (use {', '.join(KEYS)})")
    for key in REQUIRED:
        if key not in table:
            raise bad(key, "missing")
    for key in ("satellite", "sector", "folder", "look", "window"):
        if key in table and not isinstance(table[key], str):
            raise bad(key, f"must be a string, not {table[key]!r}")
    band = table["band"]
    if not isinstance(band, int) or isinstance(band, bool):
        raise bad("band", f"must be a whole number 1-16, not {band!r}")
    try:
        check_band(band)
    except ValueError as exc:
        raise bad("band", str(exc)) from None
    try:
        sector = Sector.parse(table["sector"])
    except ValueError as exc:
        raise bad("sector", str(exc)) from None
    satellite = table["satellite"].strip().lower()
    try:
        parse_view_or_satellite(satellite, *_PROBE, sector=sector, band=band)
    except QueryError as exc:
        raise bad("satellite", f"{exc} (or east, west)") from None
    folder = table["folder"].strip()
    if not folder:
        raise bad("folder", "empty")
    look = table.get("look")
    if look is not None:
        try:
            band_table(look, band)
        except ValueError as exc:
            raise bad("look", str(exc)) from None
    window = None
    if "window" in table:
        try:
            window = parse_duration(table["window"])
        except ValueError as exc:
            raise bad("window", str(exc)) from None
    return Product(index, satellite, sector, band, (path.parent / folder).resolve(), look, window)
