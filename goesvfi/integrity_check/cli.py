"""The command line: ``goesvfi-integrity scan | report | gui | fetch | watch``.

Shared option helpers (:func:`add_archive_options`, :func:`archive_args`, :func:`progress_bar`) serve every
subcommand. Another module adds a subcommand by exposing ``register(subparsers)`` (which sets
``handler=func(ns) -> int`` on its parser) and an entry in :data:`SUBCOMMAND_MODULES`. Bad input ends with one
line on stderr and exit status 2; no traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import os
import sys
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from .cache_db import CACHE_FILE, CacheDB, CacheError
from .cli_progress import ProgressBar, progress_bar
from .reconciler import ScanInputError, check_folder, scan_directory
from .report import csv_text, format_summary, gap_dict, merge_fetch_log, summarize, write_csv
from .results import ScanResult, SlotResult
from .time_index import DEFAULT_BAND, SatellitePattern, Sector, check_band, iso_z, to_utc

PROG = "goesvfi-integrity"
log = logging.getLogger(__name__)
T = TypeVar("T")

# Subcommands that live in their own modules; each exposes ``register(subparsers)``, which adds its parser and
# sets ``handler=func(ns) -> int`` on it. A module that fails to import is a bug: the error is not hidden.
SUBCOMMAND_MODULES: list[tuple[str, str]] = [
    ("fetch", "goesvfi.integrity_check.cli_fetch"),
    ("watch", "goesvfi.integrity_check.cli_watch"),
]

__all__ = [
    "SUBCOMMAND_MODULES",
    "ArchiveArgs",
    "ProgressBar",
    "UsageError",
    "add_archive_options",
    "archive_args",
    "main",
    "parse_utc",
    "progress_bar",
    "scan_json",
]


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
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
    parser.add_argument("directory", metavar="DIR", help="the folder of frames (searched recursively)")
    parser.add_argument("--satellite", required=True, help="goes16, goes17, goes18 or goes19")
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


@dataclass(frozen=True, slots=True)
class ArchiveArgs:
    """Validated archive options."""

    directory: Path
    satellite: SatellitePattern
    sector: Sector
    band: int
    start: datetime
    end: datetime
    interval_minutes: int
    csv: str | None
    json: bool
    cache_dir: Path | None
    no_cache: bool
    force_rescan: bool

    def cache(self) -> CacheDB | None:
        """The cache to use (None with ``--no-cache``); constructing it does no I/O."""
        if self.no_cache:
            return None
        return CacheDB(self.cache_dir / CACHE_FILE if self.cache_dir else None)

    async def scan(self, cache: CacheDB | None, progress: ProgressBar | None = None) -> ScanResult:
        return await scan_directory(
            self.directory, self.satellite, self.start, self.end, sector=self.sector, band=self.band,
            interval_minutes=self.interval_minutes, cache=cache, progress=progress, force_rescan=self.force_rescan,
        )  # fmt: skip

    @property
    def title(self) -> str:
        return (
            f"{self.satellite.display_name} {self.sector.display_name} band {self.band}, "
            f"{self.start:%Y-%m-%d %H:%M} -> {self.end:%Y-%m-%d %H:%M} UTC, {self.directory}"
        )


def archive_args(ns: argparse.Namespace, *, start: datetime | None = None, end: datetime | None = None) -> ArchiveArgs:
    """Validate the options of :func:`add_archive_options`; ``start``/``end`` replace the parsed ones (watch).

    Raises :class:`UsageError` with one line for the user.
    """
    try:
        satellite = SatellitePattern.parse(ns.satellite)
        sector = Sector.parse(ns.sector)
        band = check_band(ns.band)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if start is None:
        start = parse_utc(ns.start, "--start")
    if end is None:
        end = parse_utc(ns.end, "--end")
    if end <= start:
        raise UsageError(f"--end ({iso_z(end)}) must be after --start ({iso_z(start)})")
    if ns.interval < 0:
        raise UsageError("--interval cannot be negative (0 detects it from the files)")
    if ns.json and ns.csv == "-":
        raise UsageError("--csv - and --json both print to stdout: write the CSV to a file")
    try:
        directory = Path(check_folder(ns.directory))
    except ScanInputError as exc:
        raise UsageError(str(exc)) from exc
    return ArchiveArgs(
        directory, satellite, sector, band, to_utc(start), to_utc(end), ns.interval, ns.csv, ns.json,
        Path(ns.cache_dir).expanduser() if ns.cache_dir else None, ns.no_cache, ns.rescan,
    )  # fmt: skip


def scan_json(result: ScanResult) -> dict[str, Any]:
    """The JSON object of a scan: ``expected``, ``existing``, ``missing`` (ISO 8601 'Z'), interval, gaps, warnings."""
    missing = set(result.missing)
    return {
        "satellite": result.satellite.value,
        "sector": result.sector.value,
        "band": result.band,
        "start": iso_z(result.start),
        "end": iso_z(result.end),
        "interval_minutes": result.interval_minutes,
        "expected": [iso_z(t) for t in result.expected],
        "existing": [iso_z(t) for t in result.expected if t not in missing],
        "missing": [iso_z(t) for t in result.missing],
        "gaps": [gap_dict(g) for g in result.gaps],
        "summary": summarize(result.expected, result.missing),
        "warnings": list(result.warnings),
    }


def _write_csv(target: str, slots: list[SlotResult]) -> None:
    if target == "-":
        sys.stdout.write(csv_text(slots))
        return
    try:
        write_csv(target, slots)
    except OSError as exc:
        raise UsageError(f"cannot write the CSV file {target}: {exc.strerror or exc}") from exc


def _warn(result: ScanResult) -> None:
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _run(coro_factory: Callable[[ProgressBar | None], Coroutine[Any, Any, T]]) -> T:
    """Run one command's coroutine with a progress bar on stderr when it is a terminal."""
    bar = progress_bar()
    try:
        return asyncio.run(coro_factory(bar))
    finally:
        if bar is not None:
            bar.close()


# --------------------------------------------------------------------------------------------------
# scan, report, gui
# --------------------------------------------------------------------------------------------------


def run_scan(ns: argparse.Namespace) -> int:
    args = archive_args(ns)

    async def scan(bar: ProgressBar | None) -> ScanResult:
        cache = args.cache()
        try:
            return await args.scan(cache, bar)
        finally:
            if cache is not None:
                await cache.close()

    result: ScanResult = _run(scan)
    _warn(result)
    if args.csv:
        _write_csv(args.csv, result.slots())
    if args.json:
        print(json.dumps(scan_json(result)))
    elif args.csv != "-":
        title = f"{args.title}\nEvery {result.interval_minutes} min"
        print(format_summary(result.expected, result.missing, title=title))
    return 0


def run_report(ns: argparse.Namespace) -> int:
    args = archive_args(ns)
    if args.json and not args.csv:
        raise UsageError("report --json prints the summary: give the CSV a file with --csv FILE")

    async def report(bar: ProgressBar | None) -> tuple[ScanResult, list[SlotResult]]:
        cache = args.cache()
        if cache is None:
            result = await args.scan(None, bar)
            return result, result.slots()
        async with cache:
            result = await args.scan(cache, bar)
            try:
                fetched = await cache.fetch_log(args.satellite, args.sector, args.band, args.start, args.end)
            except CacheError as exc:
                log.warning("The fetch log could not be read: %s", exc)
                fetched = {}
        return result, merge_fetch_log(result.slots(), fetched)

    result, slots = _run(report)
    _warn(result)
    _write_csv(args.csv or "-", slots)
    statuses = Counter(slot.status.value for slot in slots)
    sources = Counter(slot.source.value for slot in slots if slot.source)
    if args.json:
        print(json.dumps(scan_json(result) | {"statuses": dict(statuses), "sources": dict(sources)}))
    elif args.csv and args.csv != "-":
        title = f"{args.title}\nEvery {result.interval_minutes} min"
        print(format_summary(result.expected, result.missing, title=title))
        print("Status: " + ", ".join(f"{name} {count}" for name, count in sorted(statuses.items())))
        print(f"CSV written to {args.csv}")
    return 0


def run_gui(ns: argparse.Namespace) -> int:
    try:
        app = importlib.import_module("goesvfi.integrity_check.app")
    except ImportError as exc:
        raise UsageError(f"the window cannot start: {exc}") from exc
    return int(app.main(list(ns.gui_args)) or 0)


def has_display() -> bool:
    """Whether this is a desktop session (macOS, Windows, or DISPLAY / WAYLAND_DISPLAY set)."""
    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Find (and fetch) the GOES ABI frames a folder lacks.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more, and show tracebacks of bugs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    scan = sub.add_parser("scan", help="list the expected times a folder lacks (summary, --json or --csv)")
    add_archive_options(scan)
    scan.set_defaults(handler=run_scan)
    report = sub.add_parser("report", help="scan, merge the fetch log, write the CSV report (stdout by default)")
    add_archive_options(report)
    report.set_defaults(handler=run_report)
    sub.add_parser("gui", help="open the Integrity Check window (gui --help: its options)", add_help=False)
    for _name, module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status. No arguments: the window if a display exists, else help."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if not argv and not has_display():
        parser.print_help()
        return 0
    try:
        if not argv or argv[0] == "gui":  # the window parses its own options (argparse would take --help)
            ns = argparse.Namespace(verbose=False, handler=run_gui, gui_args=argv[1:])
        else:
            ns = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed as one line
        return exc.code if isinstance(exc.code, int) else 2
    logging.basicConfig(level=logging.INFO if ns.verbose else logging.WARNING, format="%(levelname)s: %(message)s")
    if getattr(ns, "handler", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(ns.handler(ns))
    except (UsageError, ScanInputError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if ns.verbose:
            raise
        print(f"{PROG}: error: {type(exc).__name__}: {exc} (run with -v for details)", file=sys.stderr)
        return 1
