"""The tab's archive file: each product's completeness over the tab's range (Qt-free; the view model runs it).

An archive file (``goesvfi-archive.toml``, :mod:`..archive`) lists products; the tab shows one row per product
(``east conus band 13: 250 of 288 (87%)``) and, when one is chosen, its folder in the usual views.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from goesvfi.integrity_check.archive import ArchiveFile, Product
from goesvfi.integrity_check.first_run import empty_scan
from goesvfi.integrity_check.query import ArchiveQuery, QueryError, ViewQuery, parse_view_or_satellite
from goesvfi.integrity_check.results import ScanResult
from goesvfi.integrity_check.time_index import SatellitePattern
from goesvfi.integrity_check.time_index.operational import View

ScanFolder = Callable[[Path, ArchiveQuery | ViewQuery], Awaitable[ScanResult]]


@dataclass(frozen=True, slots=True)
class ProductRow:
    """One product's line in the tab: ``present`` of ``expected`` frames over the range, or ``note`` why not."""

    index: int
    name: str
    folder: str
    present: int
    expected: int
    note: str = ""

    def text(self) -> str:
        if self.note:
            return f"{self.name}: {self.note}"
        share = f" ({100 * self.present / self.expected:.0f}%)" if self.expected else ""
        return f"{self.name}: {self.present:,} of {self.expected:,}{share}"


def product_satellite(product: Product) -> SatellitePattern | View:
    """The product's satellite, or its view (``east``)."""
    return View.parse(product.satellite) or SatellitePattern.parse(product.satellite)


async def product_rows(archive: ArchiveFile, scan: ScanFolder, start: datetime, end: datetime) -> list[ProductRow]:
    """Each product's completeness over ``[start, end)``: its folder scanned with ``scan`` (no folder yet: every
    expected frame missing)."""
    rows = []
    for product in archive.products:
        name, folder = product.name, str(product.folder)
        try:
            query = parse_view_or_satellite(product.satellite, start, end, sector=product.sector, band=product.band)
        except QueryError as exc:
            rows.append(ProductRow(product.index, name, folder, 0, 0, str(exc)))
            continue
        if not product.folder.is_dir():
            one = query.latest() if isinstance(query, ViewQuery) else query
            expected = len(empty_scan(one).expected)
            rows.append(ProductRow(product.index, name, folder, 0, expected, f"no folder yet, {expected:,} expected"))
            continue
        result = await scan(product.folder, query)
        rows.append(ProductRow(product.index, name, folder, result.present_count, len(result.expected)))
    return rows
