"""Options shared by every subcommand: the archive options, their validation, the progress bar, errors.

Bad input raises :class:`UsageError`: printed by :func:`goesvfi.integrity_check.cli.main.main` as one line on
stderr, exit status 2; no traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from goesvfi.integrity_check.cache.db import CACHE_FILE, CacheDB
from goesvfi.integrity_check.cli.interrupt import run_interruptible
from goesvfi.integrity_check.cli.progress import ProgressBar, progress_bar
from goesvfi.integrity_check.query import ArchiveQuery, QueryError, ViewQuery, parse_view_or_satellite
from goesvfi.integrity_check.report import csv_text, write_csv
from goesvfi.integrity_check.results import ScanResult, SlotResult
from goesvfi.integrity_check.safe_text import safe_text
from goesvfi.integrity_check.scan.reconciler import ScanInputError, check_folder, scan_directory
from goesvfi.integrity_check.time_index import DEFAULT_BAND, Sector, to_utc
from goesvfi.integrity_check.time_index.bands import finest_size

log = logging.getLogger(__name__)
T = TypeVar("T")


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


class ArgParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


# --------------------------------------------------------------------------------------------------
# Shared options
# --------------------------------------------------------------------------------------------------


def parse_utc(text: str, option: str = "time") -> datetime:
    """ISO 8601 date or date-time (``2023-05-01``, ``2023-05-01T00:00``, ``...Z``, ``+02:00``); naive = UTC."""
    try:
        return to_utc(datetime.fromisoformat(text.strip()))
    except ValueError:
        raise UsageError(
            f"{option}: {text!r} is not a date and time (use e.g. 2023-05-01T00:00; times are UTC)"
        ) from None


def add_archive_options(parser: argparse.ArgumentParser, *, time_range: bool = True) -> None:
    """DIR, --satellite, [--start, --end], --sector, --band, --interval, --csv, --json and the cache options."""
    parser.add_argument("directory", metavar="DIR", nargs="?", help="the folder of frames (searched recursively)")
    parser.add_argument(
        "--satellite",
        help="east or west (the satellite operational at each time: GOES-16 then GOES-19 for east, GOES-17 then "
        "GOES-18 for west), or goes16, goes17, goes18, goes19",
    )
    if time_range:
        parser.add_argument("--start", required=True, help="first time, UTC (ISO 8601, e.g. 2023-05-01T00:00)")
        parser.add_argument("--end", required=True, help="end time, UTC, not included")
    parser.add_argument("--sector", default="conus", help="conus (default), fd, m1 or m2")
    parser.add_argument("--band", type=int, default=DEFAULT_BAND, help="ABI band 1-16 (default 13)")
    parser.add_argument(
        "--interval", type=int, default=0, help="minutes between frames; 0 (default) detects it from the files"
    )
    parser.add_argument("--csv", metavar="FILE", help="write a CSV report, one row per expected time ('-' = stdout)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the summary")
    parser.add_argument("--cache-dir", metavar="DIR", help="cache folder (default: $GOESVFI_CACHE_DIR or user cache)")
    parser.add_argument("--no-cache", action="store_true", help="scan without reading or writing the cache")
    parser.add_argument("--rescan", action="store_true", help="re-read every folder, ignoring the cached index")
    parser.add_argument(
        "--verify",
        action="store_true",
        help="decode every present frame fully (PNG checksums, JPEG/NetCDF decode, uniform frames, empty rows); "
        "cached per file, so an unchanged frame is verified once",
    )


def add_look_options(parser: argparse.ArgumentParser) -> None:
    """``--look`` and ``--size``: an empty folder's look (a folder with frames keeps its own)."""
    group = parser.add_argument_group("look (every frame of a folder: one size, mode and colour table)")
    group.add_argument(
        "--look",
        metavar="LOOK",
        help="an empty folder's look: auto (default: STAR's colours for bands 13-15, the band's own grey for the "
        "others), cdn (STAR's colours, as the CDN's frames; for bands outside 13-15 CDN only), seamless (STAR's "
        "colours from S3 only: no CDN borders or banner; bands 13-15), grey (the band's grey: reflectance, or "
        "inverted over its kelvin range), star, enhanced_ir or a matplotlib colour map name; a folder with frames "
        "keeps its own",
    )
    group.add_argument(
        "--size",
        metavar="WxH",
        help="an empty folder's frame size (default: the CDN size: CONUS 2500x1500, FD 1808x1808)",
    )


def look_overrides(ns: argparse.Namespace) -> dict[str, Any]:
    """``look``/``size`` for :class:`FetchSettings` from :func:`add_look_options`; UsageError when invalid."""
    from goesvfi.integrity_check.look.tables import band_table, cdn_only
    from goesvfi.integrity_check.look.value import parse_size

    out: dict[str, Any] = {}
    if getattr(ns, "look", None):
        try:
            table = band_table(ns.look, getattr(ns, "band", DEFAULT_BAND))
        except ValueError as exc:
            raise UsageError(f"--look {ns.look}: {exc}") from None
        if table not in ("star", "gray", "gray_r", "enhanced_ir") and not cdn_only(table):
            from goesvfi.integrity_check.render.colormaps import colormap_names

            if table not in colormap_names():
                raise UsageError(
                    f"--look {ns.look}: use auto, cdn, grey, star, enhanced_ir or a matplotlib colour map name"
                )
        out["look"] = ns.look
    if getattr(ns, "size", None):
        try:
            out["size"] = parse_size(ns.size)
        except ValueError as exc:
            raise UsageError(f"--size: {exc}") from None
        width, height = out["size"]
        if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
            raise UsageError(
                f"--size {width}x{height} is larger than any GOES image (at most {MAX_SIDE} pixels a side and "
                f"{MAX_PIXELS:,} pixels: the full disk's 0.5 km grid)"
            )
    return out


MAX_SIDE = max(finest_size(Sector.FULL_DISK))
MAX_PIXELS = MAX_SIDE * MAX_SIDE
"""The largest frame size a user may give: the full disk's 0.5 km grid (band 2; the band table)."""


@dataclass(frozen=True, slots=True)
class ArchiveArgs:
    """Validated archive options: the folder, the :class:`ArchiveQuery` and the output and cache choices."""

    directory: Path
    query: ArchiveQuery
    csv: str | None
    json: bool
    cache_dir: Path | None
    no_cache: bool
    force_rescan: bool
    verify: bool = False
    size: tuple[int, int] | None = None  # --size: a frame size the user gave
    view: ViewQuery | None = None  # --satellite east|west: ``query`` is then its latest satellite's, over the range

    def cache(self) -> CacheDB | None:
        """The cache to use (None with ``--no-cache``); constructing it does no I/O."""
        if self.no_cache:
            return None
        return CacheDB(self.cache_dir / CACHE_FILE if self.cache_dir else None)

    async def scan(self, cache: CacheDB | None, progress: ProgressBar | None = None) -> ScanResult:
        async def scan_one(query: ArchiveQuery) -> ScanResult:
            return await scan_directory(
                self.directory,
                query,
                cache=cache,
                progress=progress,
                force_rescan=self.force_rescan,
                verify=self.verify,
                look_size=self.size,
            )

        if self.view is not None:
            from goesvfi.integrity_check.scan.view import scan_view

            return (await scan_view(self.view, scan_one)).merged
        return await scan_one(self.query)

    def with_range(self, start: datetime, end: datetime) -> ArchiveArgs:
        view = None if self.view is None else self.view.with_range(start, end)
        return dataclasses.replace(self, query=self.query.with_range(start, end), view=view)

    @property
    def title(self) -> str:
        return f"{(self.view or self.query).title}, {self.directory}"


def archive_args(ns: argparse.Namespace, *, start: datetime | None = None, end: datetime | None = None) -> ArchiveArgs:
    """Validate the options of :func:`add_archive_options`; ``start``/``end`` replace the parsed ones (watch).

    Raises :class:`UsageError` with one line for the user.
    """
    if not ns.directory or not ns.satellite:
        raise UsageError("give DIR and --satellite (or --archive FILE)")
    if start is None:
        start = parse_utc(ns.start, "--start")
    if end is None:
        end = parse_utc(ns.end, "--end")
    try:
        asked = parse_view_or_satellite(
            ns.satellite, start, end, sector=ns.sector, band=ns.band, interval_minutes=ns.interval
        )
    except QueryError as exc:
        raise UsageError(str(exc)) from None
    view = asked if isinstance(asked, ViewQuery) else None
    query = asked if isinstance(asked, ArchiveQuery) else asked.latest()
    if ns.json and ns.csv == "-":
        raise UsageError("--csv - and --json both print to stdout: write the CSV to a file")
    try:
        directory = Path(check_folder(ns.directory))
    except ScanInputError as exc:
        raise UsageError(str(exc)) from exc
    return ArchiveArgs(
        directory,
        query,
        ns.csv,
        ns.json,
        Path(ns.cache_dir).expanduser() if ns.cache_dir else None,
        ns.no_cache,
        ns.rescan,
        getattr(ns, "verify", False),
        look_overrides(ns).get("size"),
        view,
    )


def write_csv_target(target: str, slots: list[SlotResult]) -> None:
    if target == "-":
        sys.stdout.write(csv_text(slots))
        return
    try:
        write_csv(target, slots)
    except OSError as exc:
        raise UsageError(f"cannot write the CSV file {target}: {exc.strerror or exc}") from exc


def print_warnings(result: ScanResult) -> None:
    for warning in result.warnings:
        print(f"warning: {safe_text(warning)}", file=sys.stderr)


def run_with_progress(coro_factory: Callable[[ProgressBar | None], Coroutine[Any, Any, T]]) -> T:
    """Run one command's coroutine with a progress bar on stderr when it is a terminal."""
    bar = progress_bar()
    try:
        return run_interruptible(coro_factory(bar))
    finally:
        if bar is not None:
            bar.close()
