"""The tab's archive file: each product's completeness over the tab's range (Qt-free; the view model runs it).

An archive file (``goesvfi-archive.toml``, :mod:`..archive`) lists products; the tab shows one row per product
(``east conus band 13: 250 of 288 (87%)``) and, when one is chosen, its folder in the usual views. While the tab shows
a product, its fetches take the product's ``look`` (as ``fetch --archive`` does).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from goesvfi.integrity_check.archive import ArchiveFile, Product
from goesvfi.integrity_check.first_run import empty_scan
from goesvfi.integrity_check.query import ArchiveQuery, QueryError, ViewQuery, parse_view_or_satellite
from goesvfi.integrity_check.results import ScanResult
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
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


def shown_product(
    archive: ArchiveFile | None, folder: Path, satellite: SatellitePattern | View, sector: Sector, band: int
) -> Product | None:
    """The product of ``archive`` the tab shows: kept in ``folder`` as ``satellite`` (or view), ``sector`` and
    ``band``; None when the tab shows something else (the user chose another folder, band ...)."""
    if archive is None:
        return None
    here = os.path.normcase(os.path.abspath(folder))
    for product in archive.products:
        same = (product_satellite(product), product.sector, product.band) == (satellite, sector, band)
        if same and os.path.normcase(os.path.abspath(product.folder)) == here:
            return product
    return None


def product_settings(settings: FetchSettings, product: Product | None) -> FetchSettings:
    """``settings`` with ``product``'s ``look`` when it has one (the archive file's key wins over the preferences,
    as on the command line, where only ``--look`` wins over it)."""
    if product is None or product.look is None:
        return settings
    return replace(settings, look=product.look)


class OpenArchive:
    """The archive file opened in the tab (None before one) and the answers its commands need: the inputs that show
    a product, and the fetch settings while one is shown. The view model reads the file (the session's
    ``archive_products``) and keeps it here."""

    def __init__(self) -> None:
        self.archive: ArchiveFile | None = None

    def product(self, index: int) -> tuple[str, SatellitePattern | View, Sector, int] | None:
        """Folder, satellite (or view), sector and band of product ``index``; None without such a product."""
        if self.archive is None or not 0 <= index < len(self.archive.products):
            return None
        product = self.archive.products[index]
        return str(product.folder), product_satellite(product), product.sector, product.band

    def settings(
        self, settings: FetchSettings, folder: str, satellite: SatellitePattern | View, sector: Sector, band: int
    ) -> FetchSettings:
        """``settings`` with the look of the product shown (in ``folder`` as ``satellite``, ``sector``, ``band``)
        when it is one of the archive file's and has a look."""
        return product_settings(settings, shown_product(self.archive, Path(folder), satellite, sector, band))


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
