"""``goesvfi-integrity fetch``: scan a folder, fetch what is missing (CDN / S3), write PNGs, summarise.

Exit status: 0 when every expected frame is there afterwards, 1 when any slot failed or was not fetched (the
disk guard stopped, the satellite had no data then, a store could not be reached, another fetch kept the folder
longer than the lock wait), 2 for bad input, 130 for Ctrl-C (the fetch is cancelled and no partial file is left).

:func:`add_fetch_options`, :func:`fetch_settings` and :func:`now_clock` are the fetch options of every command
that fetches (``fetch`` and ``watch``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from goesvfi.integrity_check.cli.options import (
    ArchiveArgs,
    ProgressBar,
    UsageError,
    add_archive_options,
    archive_args,
    parse_utc,
    progress_bar,
)
from goesvfi.integrity_check.fetch.manager import ReconcileManager, ReconcileReport
from goesvfi.integrity_check.folder.lock import FolderLockError
from goesvfi.integrity_check.remote.base import RemoteError
from goesvfi.integrity_check.report import csv_text, format_summary, write_csv
from goesvfi.integrity_check.results import Progress, ProgressSink, SlotResult, SlotStatus, Source, Stage
from goesvfi.integrity_check.runtime import limit_malloc_arenas
from goesvfi.integrity_check.settings import FetchSettings
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
    add_fetch_options(parser)
    parser.set_defaults(handler=run_fetch)


def add_fetch_options(parser: argparse.ArgumentParser) -> None:
    """``--cdn-days``, ``--concurrency``, ``--cdn-url``, ``--s3-endpoint``, ``--now``: read them with
    :func:`fetch_settings` and :func:`now_clock`."""
    defaults = FetchSettings()
    group = parser.add_argument_group("fetch options")
    group.add_argument(
        "--cdn-days",
        type=float,
        metavar="DAYS",
        default=defaults.cdn_days,
        help=f"frames newer than this many days come from the CDN first, older from S3 (default {defaults.cdn_days:g})",
    )
    group.add_argument(
        "--concurrency",
        type=int,
        metavar="N",
        default=defaults.concurrency,
        help=f"downloads at the same time (default {defaults.concurrency})",
    )
    group.add_argument("--cdn-url", metavar="URL", help="STAR CDN base URL (default $GOESVFI_CDN_URL or NOAA's)")
    group.add_argument("--s3-endpoint", metavar="URL", help="S3 endpoint (default $GOESVFI_S3_ENDPOINT or AWS)")
    group.add_argument(
        "--now",
        metavar="ISO",
        help="pretend the current time, UTC, is ISO (places the CDN cutoff; for demos and the emulator): "
        "the clock starts there and runs on in real time",
    )


def now_clock(ns: argparse.Namespace) -> Callable[[], datetime] | None:
    """The clock ``--now`` sets: it reads ``--now`` at start-up and advances in real time; None without it."""
    if not ns.now:
        return None
    offset = parse_utc(ns.now, "--now") - datetime.now(UTC)
    return lambda: datetime.now(UTC) + offset


def fetch_progress(bar: ProgressBar | None) -> ProgressSink:
    """The progress bar when stderr is a terminal; without one, planning steps (such as waiting for another
    fetch into the folder) still get a line on stderr."""

    def report(progress: Progress) -> None:
        if bar is not None:
            bar(progress)
        elif progress.stage is Stage.PLAN and progress.message:
            print(progress.message, file=sys.stderr, flush=True)

    return report


def fetch_settings(ns: argparse.Namespace) -> FetchSettings:
    """The settings :func:`add_fetch_options` gives (over the environment's); :class:`UsageError` when invalid."""
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
        "unavailable": [{"timestamp": iso_z(s.timestamp), "reason": s.error} for s in report.unavailable],
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
    gone = report.unavailable
    if gone:
        print(f"Skipped {len(gone)} slot{'s' if len(gone) != 1 else ''} NOAA does not have (not tried)")
    print(format_summary(report.scan.expected, after, unavailable=[s.timestamp for s in gone]))
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


def run_fetch(ns: argparse.Namespace) -> int:
    args = archive_args(ns)
    settings = fetch_settings(ns)
    now = now_clock(ns)
    if args.csv == "-" and args.json:
        raise UsageError("--csv - and --json both print to stdout: write the CSV to a file")
    limit_malloc_arenas()  # before the worker threads start: see malloc_tuning
    bar = progress_bar()

    async def fetch() -> ReconcileReport:
        cache = args.cache()
        manager = ReconcileManager(cache, args.directory, settings=settings, now=now, use_cache=cache is not None)
        try:
            return await manager.reconcile_detailed(
                args.directory, args.query, progress_callback=fetch_progress(bar), force_rescan=args.force_rescan,
            )  # fmt: skip
        finally:
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
