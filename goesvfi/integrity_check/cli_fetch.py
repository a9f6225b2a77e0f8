"""``goesvfi-integrity fetch``: scan a folder, fetch what is missing (CDN / S3), write PNGs, summarise.

Exit status: 0 when every expected frame is there afterwards, 1 when any slot failed or was not fetched (the
disk guard stopped, the satellite had no data then, a store could not be reached), 2 for bad input, 130 for
Ctrl-C (the fetch is cancelled and no partial file is left).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from datetime import datetime
from typing import Any

from .cli import ArchiveArgs, UsageError, add_archive_options, archive_args, parse_utc, progress_bar
from .folder_lock import FolderLock, FolderLockError, LockHolder
from .malloc_tuning import limit_malloc_arenas
from .reconcile_manager import ReconcileManager, ReconcileReport
from .remote.base import RemoteError
from .report import csv_text, format_summary, write_csv
from .results import SlotResult, SlotStatus, Source
from .settings import FetchSettings
from .time_index import iso_z

# How long a fetch waits for another process (a watch cycle, another fetch) to finish with the folder.
LOCK_WAIT_SECONDS = 3600.0
_MAX_LISTED_FAILURES = 20


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fetch",
        help="scan, then fetch the missing frames (recent: STAR CDN, older: NOAA S3) and write them as PNG",
        description="Scan DIR, fetch every missing frame (newer than --cdn-days from the STAR CDN, older ones "
        "from NOAA's S3 archive, each falling back to the other), and write them into DIR as PNG.",
    )
    add_archive_options(parser)
    defaults = FetchSettings()
    parser.add_argument(
        "--cdn-days", type=float, default=defaults.cdn_days, help="frames newer than this many days come from the CDN"
    )
    parser.add_argument(
        "--concurrency", type=int, default=defaults.concurrency, help="downloads at the same time (default 8)"
    )
    parser.add_argument("--cdn-url", metavar="URL", help="STAR CDN base URL (default $GOESVFI_CDN_URL or NOAA's)")
    parser.add_argument("--s3-endpoint", metavar="URL", help="S3 endpoint (default $GOESVFI_S3_ENDPOINT or AWS)")
    parser.add_argument("--now", metavar="ISO", help="the current time, UTC (places the CDN cutoff; for demos)")
    parser.set_defaults(handler=run_fetch)


def _settings(ns: argparse.Namespace) -> FetchSettings:
    try:
        return FetchSettings.from_env(
            cdn_days=ns.cdn_days, concurrency=ns.concurrency, cdn_url=ns.cdn_url, s3_endpoint=ns.s3_endpoint
        ).validate()
    except ValueError as exc:
        raise UsageError(
            str(exc).replace("concurrency", "--concurrency").replace("CDN cutoff days", "--cdn-days")
        ) from None


def fetch_json(report: ReconcileReport) -> dict[str, Any]:
    """``total``, ``existing``, ``fetched`` (counts) and ``failed`` (every slot still absent, with the reason)."""
    sources = Counter(s.source.value for s in report.slots if s.status is SlotStatus.FETCHED and s.source)
    return {
        "total": report.total,
        "existing": report.existing,
        "fetched": report.fetched,
        "failed": [
            {"timestamp": iso_z(s.timestamp), "source": s.source.value if s.source else None, "error": s.error}
            for s in report.unresolved
        ],
        "sources": dict(sources),
        "stopped": str(report.stopped) if report.stopped else None,
        "warnings": list(report.scan.warnings),
    }


def _print_summary(args: ArchiveArgs, report: ReconcileReport) -> None:
    after = [s.timestamp for s in report.unresolved]
    by_source = Counter(s.source for s in report.slots if s.status is SlotStatus.FETCHED)
    print(args.title)
    print(
        f"Present before {report.existing}, fetched {report.fetched} "
        f"(CDN {by_source[Source.CDN]}, S3 {by_source[Source.S3]}), not fetched {len(after)}"
    )
    print(format_summary(report.scan.expected, after))
    runs = _runs(report.unresolved)
    if runs:
        print("Not fetched:")
    for first, last, count, reason in runs[:_MAX_LISTED_FAILURES]:
        when = f"{first:%Y-%m-%d %H:%M} UTC" if count == 1 else f"{first:%Y-%m-%d %H:%M} -> {last:%H:%M} UTC ({count})"
        print(f"  {when}  {reason}")
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


def _waiting(holder: LockHolder) -> None:
    print(f"waiting for {holder.describe()} to finish with the folder ...", file=sys.stderr)


def run_fetch(ns: argparse.Namespace) -> int:
    args = archive_args(ns)
    settings = _settings(ns)
    now: datetime | None = parse_utc(ns.now, "--now") if ns.now else None
    if args.csv == "-" and args.json:
        raise UsageError("--csv - and --json both print to stdout: write the CSV to a file")
    limit_malloc_arenas()  # before the worker threads start: see malloc_tuning
    bar = progress_bar()

    async def fetch() -> ReconcileReport:
        cache = args.cache()
        manager = ReconcileManager(
            cache, args.directory, settings=settings, now=(lambda: now) if now else None, use_cache=cache is not None
        )
        lock = FolderLock(args.directory, purpose="fetch", wait=LOCK_WAIT_SECONDS)
        try:
            await lock.acquire_async(on_wait=_waiting)
            return await manager.reconcile_detailed(
                args.directory, args.satellite, args.start, args.end, args.interval_minutes, bar,
                sector=args.sector, band=args.band, force_rescan=args.force_rescan,
            )  # fmt: skip
        finally:
            lock.release()
            await manager.close()
            if cache is not None:
                await cache.close()

    try:
        report = asyncio.run(fetch())
    except FolderLockError as exc:
        print(f"goesvfi-integrity: {exc}", file=sys.stderr)
        return 1
    except RemoteError as exc:
        print(f"goesvfi-integrity: {exc}", file=sys.stderr)
        return 1
    finally:
        if bar is not None:
            bar.close()
    for warning in report.scan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.csv:
        _write_csv(args.csv, report)
    if args.json:
        print(json.dumps(fetch_json(report)))
    elif args.csv != "-":
        _print_summary(args, report)
    if report.stopped is not None:
        print(f"goesvfi-integrity: {report.stopped}", file=sys.stderr)
    return 1 if report.unresolved else 0


def _write_csv(target: str, report: ReconcileReport) -> None:
    if target == "-":
        sys.stdout.write(csv_text(report.slots))
        return
    try:
        write_csv(target, report.slots)
    except OSError as exc:
        raise UsageError(f"cannot write the CSV file {target}: {exc.strerror or exc}") from exc
