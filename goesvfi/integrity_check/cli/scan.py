"""``scan`` and ``report``: what a folder lacks, as a summary, JSON or CSV."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from goesvfi.integrity_check.cache.db import CacheError
from goesvfi.integrity_check.cli.archive_run import add_archive_file_option, archive_path, run_products
from goesvfi.integrity_check.cli.fetch_options import add_fetch_options, fetch_settings, now_clock
from goesvfi.integrity_check.cli.options import (
    ArchiveArgs,
    UsageError,
    add_archive_options,
    archive_args,
    look_overrides,
    print_warnings,
    run_with_progress,
    write_csv_target,
)
from goesvfi.integrity_check.cli.progress import ProgressBar
from goesvfi.integrity_check.fetch.manager import ReconcileManager
from goesvfi.integrity_check.look.decide import LookCheck, check_look
from goesvfi.integrity_check.report import (
    format_summary,
    gap_dict,
    integrity_list,
    merge_fetch_log,
    summarize,
)
from goesvfi.integrity_check.results import ScanResult, SlotResult, SlotStatus, satellites_line
from goesvfi.integrity_check.safe_text import safe_text
from goesvfi.integrity_check.time_index import iso_z

log = logging.getLogger(__name__)


def availability_state(result: ScanResult) -> str:
    """``checked`` (NOAA's listings were read), ``unknown`` (asked, but offline) or ``not checked``."""
    return {True: "checked", False: "unknown", None: "not checked"}[result.availability_checked]


def interval_json(result: ScanResult) -> dict[str, Any]:
    """How the interval was chosen: ``minutes``, ``detected`` (from the files) and from how many ``steps``."""
    info = result.interval_info
    if info is None:
        return {"minutes": result.interval_minutes, "detected": False, "steps": 0, "given": True}
    return {"minutes": info.minutes, "detected": info.detected, "steps": info.steps, "given": False}


def interval_line(result: ScanResult) -> str:
    info = result.interval_info
    if info is None:
        return f"Every {result.interval_minutes} min (given)"
    if not info.detected:
        return f"Every {result.interval_minutes} min (the sector's schedule: too few files to detect it)"
    return f"Every {result.interval_minutes} min (detected from {info.steps} steps between files)"


def scan_json(result: ScanResult) -> dict[str, Any]:
    """The JSON object of a scan: ``expected``, ``existing``, ``missing``, ``unavailable`` (ISO 8601 'Z'),
    interval, gaps (fillable) and ``noaa_gaps``, availability, warnings."""
    missing = set(result.missing) | set(result.unavailable)
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
        "unavailable": [iso_z(t) for t in sorted(result.unavailable)],
        "unavailable_reasons": {iso_z(t): r for t, r in sorted(result.unavailable.items())},
        "availability": availability_state(result),
        "interval": interval_json(result),
        "gaps": [gap_dict(g) for g in result.gaps],
        "noaa_gaps": [gap_dict(g) for g in result.noaa_gaps],
        "summary": summarize(result.expected, result.missing, sorted(result.unavailable), sorted(result.damaged)),
        "damaged": [
            {"timestamp": iso_z(t), "file": safe_name(d.path), "reason": d.reason}
            for t, d in sorted(result.damaged.items())
        ],
        "not_frames": [
            {"timestamp": iso_z(t), "file": safe_name(d.path), "reason": d.reason}
            for t, d in sorted(result.not_frames.items())
        ],
        "frames_checked": result.frames_checked,
        "warnings": list(result.warnings),
    }


def safe_name(path: Path) -> str:
    """A file name for JSON (the folder's own path is known to the caller)."""
    return os.fsdecode(path.name).encode("utf-8", "backslashreplace").decode("utf-8")


async def _scan(ns: argparse.Namespace, args: Any, cache: Any, bar: ProgressBar | None) -> ScanResult:
    """The scan; with ``--remote`` NOAA's listings then say which missing slots it has."""
    result: ScanResult = await args.scan(cache, bar)
    if getattr(ns, "remote", False):
        manager = ReconcileManager(
            cache, args.directory, settings=fetch_settings(ns), now=now_clock(ns), use_cache=cache is not None
        )
        try:
            await manager.check_availability(result)
        finally:
            await manager.close()
    return result


def folder_look_check(ns: argparse.Namespace, result: ScanResult) -> LookCheck:
    """The folder's look and its mismatched frames (blocking: one header read per present frame); an empty
    folder's look comes from ``--look``/``--size`` (default: the CDN's)."""
    from goesvfi.integrity_check.look.plan import settings_look
    from goesvfi.integrity_check.settings import FetchSettings

    settings = FetchSettings(**look_overrides(ns))
    default = settings_look(result.sector, result.band, settings)  # look_overrides refused another band's table
    return check_look(result, default, Path(ns.directory))


def print_look(check: LookCheck) -> None:
    """The look line of a summary, and the mismatch warning on stderr."""
    if check.look is not None:
        print(safe_text(f"Look: {check.look.describe()} (from the {check.origin})"))  # a PNG chunk names the table
    warning = check.warning()
    if warning:
        print(f"warning: {safe_text(warning)}", file=sys.stderr)


def up_to_now(ns: argparse.Namespace, args: ArchiveArgs) -> ArchiveArgs:
    """``args`` with the range ending at now (``--now`` or the clock): later frames cannot exist yet, so they are
    not counted as missing; a note on stderr says so. A range that starts in the future is a usage error."""
    now = (now_clock(ns) or (lambda: datetime.now(UTC)))().replace(second=0, microsecond=0) + timedelta(minutes=1)
    query = args.query
    if query.end <= now:
        return args
    if query.start >= now:
        raise UsageError(f"the start ({iso_z(query.start)}) is in the future: no frames exist yet")
    print(f"note: scanning up to now ({iso_z(now)}): later frames cannot exist yet", file=sys.stderr)
    return args.with_range(query.start, now)


def run_scan(ns: argparse.Namespace) -> int:
    path = archive_path(ns)
    if path is not None:
        return run_products(ns, path, run_scan, what=None)
    args = archive_args(ns)
    fetch_settings(ns)  # bad endpoint, --look or --size options end here, before the walk
    args = up_to_now(ns, args)

    async def scan(bar: ProgressBar | None) -> tuple[ScanResult, LookCheck]:
        cache = args.cache()
        try:
            result = await _scan(ns, args, cache, bar)
        finally:
            if cache is not None:
                await cache.close()
        return result, await asyncio.to_thread(folder_look_check, ns, result)

    result, check = run_with_progress(scan)
    print_warnings(result)
    if args.csv:
        write_csv_target(args.csv, check.mark(result.slots()))
    if args.json:
        print(json.dumps(scan_json(result) | check.as_json()))
    elif args.csv != "-":
        print(_summary(args.title, result))
        if args.view is not None:
            print(satellites_line(result.slots()))
        print_look(check)
    return 0


def _summary(title: str, result: ScanResult) -> str:
    state = availability_state(result)
    noaa = {"checked": "NOAA availability: checked", "unknown": "NOAA availability: unknown (offline?)"}
    head = f"{safe_text(title)}\n{interval_line(result)}" + (f"\n{noaa[state]}" if state in noaa else "")
    text = format_summary(
        result.expected,
        result.missing,
        title=head,
        unavailable=sorted(result.unavailable),
        damaged=sorted(result.damaged),
    )
    return text + integrity_lines(result)


def integrity_lines(result: ScanResult) -> str:
    """The damaged frames and the files that are not frames, and how many frames this scan read."""
    lines = [
        integrity_list(title, items)
        for title, items in (("Damaged frames", result.damaged), ("Not frames (left as they are)", result.not_frames))
        if items
    ]
    checked = f"Frames checked: {result.frames_checked:,} read, the rest unchanged since their last check"
    return "".join("\n" + line for line in [*lines, checked])


def _as_reported(result: ScanResult, slots: list[SlotResult]) -> ScanResult:
    """The scan with the fetch log's news in its counts (what the CSV and the HTML say): fetched slots are no
    longer missing, slots a fetch found NOAA never had are unavailable."""
    missing = [s.timestamp for s in slots if s.status in (SlotStatus.MISSING, SlotStatus.FAILED, SlotStatus.DAMAGED)]
    unavailable = {s.timestamp: s.error or "" for s in slots if s.status is SlotStatus.UNAVAILABLE}
    return dataclasses.replace(result, missing=missing, unavailable=unavailable)


def report_slots(ns: argparse.Namespace, args: ArchiveArgs) -> tuple[ArchiveArgs, ScanResult, list[SlotResult]]:
    """The scan of ``args`` (up to now) with the fetch log's news merged in, one slot per expected time."""
    args = up_to_now(ns, args)

    async def report(bar: ProgressBar | None) -> tuple[ScanResult, list[SlotResult]]:
        cache = args.cache()
        if cache is None:
            result = await _scan(ns, args, None, bar)
            slots = result.slots()
        else:
            async with cache:
                result = await _scan(ns, args, cache, bar)
                try:
                    queries = [args.query] if args.view is None else [p.query for p in args.view.parts()]
                    fetched: dict[datetime, SlotResult] = {}
                    for query in queries:
                        fetched |= await cache.fetch_log(query)
                except CacheError as exc:
                    log.warning("The fetch log could not be read: %s", exc)
                    fetched = {}
            slots = merge_fetch_log(result.slots(), fetched)
        check = await asyncio.to_thread(folder_look_check, ns, result)
        return result, check.mark(slots)

    result, slots = run_with_progress(report)
    return args, result, slots


def run_report(ns: argparse.Namespace) -> int:
    path = archive_path(ns)
    if path is not None:
        return run_archive_report(ns, path)
    args = archive_args(ns)
    if args.json and not args.csv and not getattr(ns, "html", None):
        raise UsageError("report --json prints the summary: give the CSV a file with --csv FILE")
    args, result, slots = report_slots(ns, args)
    print_warnings(result)
    html = getattr(ns, "html", None)
    if html:
        write_html_target(html, slots, args.title, result.warnings)
    if args.csv or not html:
        write_csv_target(args.csv or "-", slots)
    statuses = Counter(slot.status.value for slot in slots)
    sources = Counter(slot.source.value for slot in slots if slot.source)
    if args.json:
        print(json.dumps(scan_json(result) | {"statuses": dict(statuses), "sources": dict(sources)}))
    elif (args.csv and args.csv != "-") or (html and not args.csv):
        print(_summary(args.title, _as_reported(result, slots)))
        if args.view is not None:
            print(satellites_line(slots))
        print("Status: " + ", ".join(f"{name} {count}" for name, count in sorted(statuses.items())))
        if args.csv:
            print(f"CSV written to {safe_text(args.csv)}")
    if html and not args.json:
        print(f"HTML written to {safe_text(html)}")
    return 0


def run_archive_report(ns: argparse.Namespace, path: Path) -> int:
    """``report --archive FILE --html PAGE``: each product's summary, one page with a section per product."""
    from goesvfi.integrity_check.report_archive import Section, write_archive_html

    html = getattr(ns, "html", None)
    if not html:
        raise UsageError("report --archive writes one HTML page: give --html PAGE")
    sections: list[Section] = []

    def one(sub: argparse.Namespace) -> int:
        args, result, slots = report_slots(sub, archive_args(sub))
        print_warnings(result)
        reported = _as_reported(result, slots)
        print(_summary(args.title, reported))
        if args.view is not None:
            print(satellites_line(slots))
        sections.append(Section(args.title, slots, result.warnings))
        return 1 if reported.missing else 0

    code = run_products(ns, path, one)
    try:
        write_archive_html(html, f"Archive {path}", sections)
    except OSError as exc:
        raise UsageError(f"cannot write the HTML file {html}: {exc.strerror or exc}") from exc
    print(f"HTML written to {html}")
    return code


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``scan`` and ``report`` subcommands."""
    scan = sub.add_parser("scan", help="list the expected times a folder lacks (summary, --json or --csv)")
    add_archive_options(scan)
    add_archive_file_option(scan)
    _add_remote_options(scan)
    scan.set_defaults(handler=run_scan)
    report = sub.add_parser("report", help="scan, merge the fetch log, write the CSV report (stdout by default)")
    add_archive_options(report)
    add_archive_file_option(report)
    _add_remote_options(report)
    report.add_argument(
        "--html",
        metavar="FILE",
        help="also write one self-contained HTML page (summary, gaps, "
        "calendar, table); without --csv no CSV goes to stdout",
    )
    report.set_defaults(handler=run_report)


def _add_remote_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--remote",
        action="store_true",
        help="also read what NOAA holds (S3 listings; the CDN index inside its window): missing slots no source "
        "has become 'unavailable', with the reason",
    )
    add_fetch_options(parser)


def write_html_target(target: str, slots: list[SlotResult], title: str, warnings: list[str]) -> None:
    from goesvfi.integrity_check.report_html import write_html

    try:
        write_html(target, slots, title=title, warnings=warnings)
    except OSError as exc:
        raise UsageError(f"cannot write the HTML file {target}: {exc.strerror or exc}") from exc
