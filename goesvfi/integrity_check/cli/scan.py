"""``scan`` and ``report``: what a folder lacks, as a summary, JSON or CSV."""

from __future__ import annotations

import argparse
import json
import logging
from collections import Counter
from typing import Any

from goesvfi.integrity_check.cache.db import CacheError
from goesvfi.integrity_check.cli.options import (
    UsageError,
    add_archive_options,
    archive_args,
    print_warnings,
    run_with_progress,
    write_csv_target,
)
from goesvfi.integrity_check.cli.progress import ProgressBar
from goesvfi.integrity_check.report import format_summary, gap_dict, merge_fetch_log, summarize
from goesvfi.integrity_check.results import ScanResult, SlotResult
from goesvfi.integrity_check.time_index import iso_z

log = logging.getLogger(__name__)


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


def run_scan(ns: argparse.Namespace) -> int:
    args = archive_args(ns)

    async def scan(bar: ProgressBar | None) -> ScanResult:
        cache = args.cache()
        try:
            return await args.scan(cache, bar)
        finally:
            if cache is not None:
                await cache.close()

    result: ScanResult = run_with_progress(scan)
    print_warnings(result)
    if args.csv:
        write_csv_target(args.csv, result.slots())
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
                fetched = await cache.fetch_log(args.query)
            except CacheError as exc:
                log.warning("The fetch log could not be read: %s", exc)
                fetched = {}
        return result, merge_fetch_log(result.slots(), fetched)

    result, slots = run_with_progress(report)
    print_warnings(result)
    write_csv_target(args.csv or "-", slots)
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


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``scan`` and ``report`` subcommands."""
    scan = sub.add_parser("scan", help="list the expected times a folder lacks (summary, --json or --csv)")
    add_archive_options(scan)
    scan.set_defaults(handler=run_scan)
    report = sub.add_parser("report", help="scan, merge the fetch log, write the CSV report (stdout by default)")
    add_archive_options(report)
    report.set_defaults(handler=run_report)
