"""``goesvfi-integrity fetch``: scan a folder, fetch what is missing (CDN / S3), write PNGs, summarise.

Exit status: 0 when every expected frame is there afterwards, 1 when any slot failed or was not fetched (the
disk guard stopped, the satellite had no data then, a store could not be reached, another fetch kept the folder
longer than the lock wait), 2 for bad input, 130 for Ctrl-C (the fetch is cancelled and no partial file is left).

Its fetch options (shared with ``scan --remote`` and ``watch``) are in :mod:`.fetch_options`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from goesvfi.integrity_check.cli.archive_run import add_archive_file_option, archive_path, run_products
from goesvfi.integrity_check.cli.fetch_options import add_fetch_options, fetch_settings, now_clock
from goesvfi.integrity_check.cli.interrupt import run_interruptible
from goesvfi.integrity_check.cli.options import (
    ArchiveArgs,
    UsageError,
    add_archive_options,
    archive_args,
    progress_bar,
    write_csv_target,
)
from goesvfi.integrity_check.cli.progress import fetch_progress
from goesvfi.integrity_check.fetch.manager import ReconcileManager, ReconcileReport
from goesvfi.integrity_check.folder.lock import FolderLockError
from goesvfi.integrity_check.folder.quarantine import QUARANTINE
from goesvfi.integrity_check.look.conform_plan import ConformAction, ConformReport
from goesvfi.integrity_check.look.decide import LookCheck, check_look
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.remote.base import RemoteError
from goesvfi.integrity_check.report import format_summary, integrity_list
from goesvfi.integrity_check.results import ScanResult, SlotResult, SlotStatus, Source, satellites_line
from goesvfi.integrity_check.runtime import tune_malloc
from goesvfi.integrity_check.safe_text import safe_text
from goesvfi.integrity_check.time_index import iso_z

_MAX_LISTED_FAILURES = 20


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fetch",
        help="scan, then fetch the missing frames (recent: STAR CDN, older: NOAA S3) and write them as PNG",
        description="Scan DIR, fetch every missing frame (newer than --cdn-days from the STAR CDN, older ones "
        "from NOAA's S3 archive, each falling back to the other), and write them into DIR as PNG.",
    )
    add_archive_options(parser)
    add_archive_file_option(parser)
    add_fetch_options(parser)
    group = parser.add_argument_group("conform")
    group.add_argument(
        "--conform",
        action="store_true",
        help="first rewrite the frames that do not match the folder's look, in place, one at a time "
        "(a frame of another colour table is fetched again); east/west: one look over both satellites' frames; "
        "--archive: each product's folder to its own look",
    )
    group.add_argument("--dry-run", action="store_true", help="with --conform: list what would change, change nothing")
    parser.set_defaults(handler=run_fetch)


def fetch_json(report: ReconcileReport) -> dict[str, Any]:
    """``total``, ``existing``, ``fetched`` (counts) and ``failed`` (every slot still absent, with the reason)."""
    sources = Counter(s.source.value for s in report.slots if s.status is SlotStatus.FETCHED and s.source)
    replaced = {s.timestamp for s in report.slots if s.status is SlotStatus.FETCHED}
    return {
        "total": report.total,
        "existing": report.existing,
        "fetched": report.fetched,
        "failed": [
            {"timestamp": iso_z(s.timestamp), "source": s.source.value if s.source else None, "error": s.error}
            for s in report.unresolved
        ],
        "unavailable": [{"timestamp": iso_z(s.timestamp), "reason": s.error} for s in report.unavailable],
        "sources": dict(sources),
        "stopped": str(report.stopped) if report.stopped else None,
        "warnings": list(report.scan.warnings),
        "look": None if report.look is None or report.look.look is None else report.look.look.as_json(),
        "look_notes": [] if report.look is None else list(report.look.notes),
        "damaged": [
            {"timestamp": iso_z(t), "file": d.path.name, "reason": d.reason, "replaced": t in replaced}
            for t, d in sorted(report.scan.damaged.items())
        ],
        "not_frames": [
            {"timestamp": iso_z(t), "file": d.path.name, "reason": d.reason}
            for t, d in sorted(report.scan.not_frames.items())
        ],
    }


def _print_summary(args: ArchiveArgs, report: ReconcileReport) -> None:
    after = [s.timestamp for s in report.unresolved]
    by_source = Counter(s.source for s in report.slots if s.status is SlotStatus.FETCHED)
    by_slot = {s.timestamp: s for s in report.slots}
    print(safe_text(args.title))
    print(
        f"Present before {report.existing}, fetched {report.fetched} "
        f"(CDN {by_source[Source.CDN]}, S3 {by_source[Source.S3]}), not fetched {len(after)}"
    )
    gone = report.unavailable
    if gone:
        reasons = Counter((s.error or "").removeprefix("never produced by NOAA: ") for s in gone).most_common()
        why = f": {reasons[0][0]}" + (f" (and {len(reasons) - 1} other reasons)" if len(reasons) > 1 else "")
        print(f"Skipped {len(gone)} slot{'s' if len(gone) != 1 else ''} NOAA does not have (not tried){safe_text(why)}")
    print(format_summary(report.scan.expected, after, unavailable=[s.timestamp for s in gone]))
    if args.view is not None:
        print(satellites_line(report.slots))
    damaged = report.scan.damaged
    replaced = [t for t in damaged if by_slot[t].status is SlotStatus.FETCHED] if damaged else []
    if replaced:
        print(
            f"Replaced {len(replaced)} damaged frame{'s' if len(replaced) != 1 else ''}: the old files are kept in "
            f"{safe_text(args.directory / QUARANTINE)}"
        )
    if report.scan.not_frames:
        print(integrity_list("Not frames (left as they are)", report.scan.not_frames))
    if report.look is not None and report.look.look is not None:
        print(safe_text(f"Look of fetched frames: {report.look.look.describe()} (from the {report.look.origin})"))
    for note in [] if report.look is None else report.look.notes:
        print(f"  {safe_text(note)}")
    runs = _runs(report.unresolved)
    if runs:
        print("Not fetched:")
    for first, last, count, reason in runs[:_MAX_LISTED_FAILURES]:
        when = f"{first:%Y-%m-%d %H:%M} UTC" if count == 1 else f"{first:%Y-%m-%d %H:%M} -> {last:%H:%M} UTC ({count})"
        print(f"  {when}  {safe_text(reason)}")
    if len(runs) > _MAX_LISTED_FAILURES:
        print(f"  ... and {len(runs) - _MAX_LISTED_FAILURES} more (see --csv)")


def _runs(slots: list[SlotResult]) -> list[tuple[datetime, datetime, int, str]]:
    """Consecutive slots with the same status and reason, as (first, last, count, "status: reason")."""
    runs: list[tuple[datetime, datetime, int, str]] = []
    for slot in slots:
        reason = f"{slot.status.value}: {slot.error}"
        if runs and runs[-1][3] == reason:
            first, _last, count, _ = runs[-1]
            runs[-1] = (first, slot.timestamp, count + 1, reason)
        else:
            runs.append((slot.timestamp, slot.timestamp, 1, reason))
    return runs


def run_fetch(ns: argparse.Namespace) -> int:
    path = archive_path(ns)
    if path is not None:  # --conform: each product's folder to its own look
        return run_products(ns, path, run_fetch, create=True)
    args = archive_args(ns)
    settings = fetch_settings(ns)
    now = now_clock(ns)
    if ns.dry_run and not ns.conform:
        raise UsageError("--dry-run goes with --conform")
    tune_malloc()  # before the worker threads start: see runtime.tune_malloc
    bar = progress_bar()

    async def fetch() -> tuple[ConformReport | None, ReconcileReport | None, LookCheck]:
        cache = args.cache()
        manager = ReconcileManager(cache, args.directory, settings=settings, now=now, use_cache=cache is not None)
        conformed = None
        try:
            if ns.conform:
                scan = await _conform_scan(manager, args)
                conformed = await manager.conform(scan, args.directory, dry_run=ns.dry_run, on_frame=_print_frame)
                if ns.dry_run:
                    return conformed, None, await asyncio.to_thread(check_look, scan, None, args.directory)
            if args.view is not None:
                from goesvfi.integrity_check.fetch.view import fetch_view

                report = await fetch_view(
                    manager,
                    args.directory,
                    args.view,
                    progress_callback=fetch_progress(bar),
                    force_rescan=args.force_rescan or ns.conform,
                )
            else:
                report = await manager.reconcile_detailed(
                    args.directory,
                    args.query,
                    progress_callback=fetch_progress(bar),
                    force_rescan=args.force_rescan or ns.conform,
                )
            return conformed, report, await asyncio.to_thread(check_look, report.scan, None, args.directory)
        finally:
            await manager.close()
            if cache is not None:
                await cache.close()

    try:
        conformed, report, look = run_interruptible(fetch())
    except FolderLockError as exc:
        print(f"goesvfi-integrity: {safe_text(exc)}", file=sys.stderr)
        return 1
    except RemoteError as exc:
        print(f"goesvfi-integrity: {safe_text(exc)}", file=sys.stderr)
        return 1
    finally:
        if bar is not None:
            bar.close()
    if report is None:  # --conform --dry-run
        assert conformed is not None
        if args.json:
            print(json.dumps(conformed.as_json()))
        else:
            _print_conform(conformed)
        return 0
    for warning in report.scan.warnings:
        print(f"warning: {safe_text(warning)}", file=sys.stderr)
    if args.csv:
        look.mark(report.slots)
        write_csv_target(args.csv, report.slots)
    if args.json:
        out = fetch_json(report) | {"mismatched": look.as_json()["mismatched"]}
        if out["look"] is None and look.look is not None:  # nothing fetched: the folder's look
            out["look"] = look.look.as_json()
        if conformed is not None:
            out["conform"] = conformed.as_json()
        print(json.dumps(out))
    elif args.csv != "-":
        if conformed is not None:
            _print_conform(conformed)
        _print_summary(args, report)
        look_warning = look.warning()
        if look_warning:
            print(f"warning: {safe_text(look_warning)}", file=sys.stderr)
    if args.csv and args.csv != "-":  # where the report went (stderr beside --json, whose stdout is JSON only)
        where = Path(args.csv).expanduser().resolve()
        print(
            f"CSV report written to {where} ({len(report.slots):,} rows)", file=sys.stderr if args.json else sys.stdout
        )
    if report.stopped is not None:
        print(f"goesvfi-integrity: {safe_text(report.stopped)}", file=sys.stderr)
    failed_conform = conformed is not None and bool(conformed.failed)
    return 1 if report.unresolved or failed_conform else 0


async def _conform_scan(manager: ReconcileManager, args: ArchiveArgs) -> ScanResult:
    """The scan ``--conform`` works from: a view's merged over its satellites (one folder, one look)."""

    async def scan_one(query: ArchiveQuery) -> ScanResult:
        return await manager.scan(args.directory, query, force_rescan=args.force_rescan, verify=args.verify)

    if args.view is not None:
        from goesvfi.integrity_check.scan.view import scan_view

        return (await scan_view(args.view, scan_one)).merged
    return await scan_one(args.query)


def _print_frame(action: ConformAction) -> None:
    state = "done" if action.done else f"failed: {action.error}"
    print(safe_text(f"conform {action.path.name}: {action.action} {state}"), file=sys.stderr, flush=True)


def _print_conform(report: ConformReport) -> None:
    if report.look is None:
        print("Conform: the folder has no frames")
        return
    verb = "would change" if report.dry_run else "changed"
    done = len(report.actions) if report.dry_run else len(report.done)
    print(safe_text(f"Conform to {report.look.describe()}: {verb} {done} of {len(report.actions)} mismatched frames"))
    for action in report.actions[:_MAX_LISTED_FAILURES]:
        print(safe_text(f"  {action.describe()}" + (f" ({action.error})" if action.error else "")))
    if len(report.actions) > _MAX_LISTED_FAILURES:
        print(f"  ... and {len(report.actions) - _MAX_LISTED_FAILURES} more")
