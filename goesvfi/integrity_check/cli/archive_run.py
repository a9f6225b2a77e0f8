"""``scan``, ``fetch`` and ``report`` with ``--archive FILE``: every product of an archive file, one summary each
and a total, one exit status (the worst product's: 2 bad input, 1 frames still missing, 0 complete).

A folder holding ``goesvfi-archive.toml`` given as DIR without ``--satellite`` is the same as ``--archive``.
``--csv``/``--json`` describe one product, so they do not go with an archive; ``report --html PAGE`` writes one page
with a section per product.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from goesvfi.integrity_check.archive import ARCHIVE_FILE, ArchiveFile, ArchiveFileError, Product, load_archive
from goesvfi.integrity_check.cli.options import UsageError
from goesvfi.integrity_check.scan.reconciler import ScanInputError

Handler = Callable[[argparse.Namespace], int]


def add_archive_file_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--archive",
        metavar="FILE",
        help=f"run every product of an archive file ({ARCHIVE_FILE}: [[product]] tables of satellite, sector, "
        "band, folder); DIR and --satellite are then not given",
    )


def archive_path(ns: argparse.Namespace) -> Path | None:
    """The archive file asked for: ``--archive FILE``, or DIR holding ``goesvfi-archive.toml`` with no
    ``--satellite``; None for a single product. UsageError when both forms are mixed."""
    given = getattr(ns, "archive", None)
    if given:
        if ns.satellite or ns.directory:
            raise UsageError("--archive runs the file's products: give no DIR or --satellite with it")
        return Path(given).expanduser()
    if ns.satellite is None and ns.directory and (Path(ns.directory).expanduser() / ARCHIVE_FILE).is_file():
        return Path(ns.directory).expanduser() / ARCHIVE_FILE
    if ns.satellite is None or ns.directory is None:
        raise UsageError(f"give DIR and --satellite, or --archive FILE (or a DIR holding {ARCHIVE_FILE})")
    return None


def load(path: Path) -> ArchiveFile:
    try:
        return load_archive(path)
    except ArchiveFileError as exc:
        raise UsageError(str(exc)) from None


def product_namespace(ns: argparse.Namespace, product: Product) -> argparse.Namespace:
    """``ns`` as if the product had been typed: DIR, --satellite, --sector, --band (and --look when it has one)."""
    sub = argparse.Namespace(**vars(ns))
    sub.archive = None
    sub.directory = str(product.folder)
    sub.satellite = product.satellite
    sub.sector = product.sector.value
    sub.band = product.band
    if product.look is not None and not getattr(ns, "look", None):
        sub.look = product.look
    return sub


def run_products(
    ns: argparse.Namespace,
    path: Path,
    handler: Handler,
    *,
    create: bool = False,
    what: str | None = "complete",
    problem: str = "with frames missing",
) -> int:
    """Run ``handler`` for each product of the archive file at ``path``; print a header per product and a total.
    ``create``: make missing product folders (fetch); otherwise a missing folder is that product's error."""
    archive = load(path)
    if getattr(ns, "csv", None) or getattr(ns, "json", False):
        raise UsageError("--csv and --json describe one product: with --archive each product prints its summary")
    codes: list[int] = []
    count = len(archive.products)
    for product in archive.products:
        print(f"== product {product.index}/{count}: {product.name} -> {product.folder}", flush=True)
        try:
            if create:
                product.folder.mkdir(parents=True, exist_ok=True)
            codes.append(handler(product_namespace(ns, product)))
        except (UsageError, ScanInputError) as exc:
            print(f"goesvfi-integrity: product {product.index} ({product.name}): error: {exc}", file=sys.stderr)
            codes.append(2)
        except OSError as exc:
            print(f"goesvfi-integrity: product {product.index} ({product.name}): {exc}", file=sys.stderr)
            codes.append(1)
        sys.stdout.flush()
    print(total_line(archive, codes, what, problem))
    return max(codes)


def total_line(archive: ArchiveFile, codes: list[int], what: str | None, problem: str = "with frames missing") -> str:
    """``Archive /x/goesvfi-archive.toml: 3 products, 2 complete, 1 with frames missing, 0 failed (exit 1)``;
    ``what`` None (scan, whose status does not count gaps): ``3 products scanned, 0 failed (exit 0)``."""
    ok, missing, bad = codes.count(0), codes.count(1), codes.count(2)
    if what is None:
        return f"Archive {archive.path}: {len(codes)} products scanned, {bad + missing} failed (exit {max(codes)})"
    return (
        f"Archive {archive.path}: {len(codes)} products, {ok} {what}, {missing} {problem}, "
        f"{bad} failed (exit {max(codes)})"
    )
