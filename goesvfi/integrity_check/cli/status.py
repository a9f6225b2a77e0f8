"""``goesvfi-integrity status DIR --satellite goes19``: how a kept archive is doing, one line per product.

Completeness over the watch window, the newest frame's age, the watcher's last cycle (time and result) and the
open gaps; ``--json`` prints one object. Exit status for scripts: 0 all fine, 1 something needs a look (see
:mod:`goesvfi.integrity_check.watch_status`), 2 bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime, timedelta

from goesvfi.integrity_check.cli.archive_run import add_archive_file_option, archive_path, run_products
from goesvfi.integrity_check.cli.options import (
    ArchiveArgs,
    UsageError,
    add_archive_options,
    archive_args,
    parse_utc,
)
from goesvfi.integrity_check.notify import printable
from goesvfi.integrity_check.units import parse_duration
from goesvfi.integrity_check.watch import trailing_window
from goesvfi.integrity_check.watch_record import WatchProduct
from goesvfi.integrity_check.watch_status import ProductStatus, StatusRules, product_status

EXIT_NEEDS_A_LOOK = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "status",
        help="how a kept archive is doing: completeness, newest frame, last watch cycle, gaps (exit 1: needs a look)",
        description=(
            "One line per product: completeness over the watch window, the newest frame's age, the watcher's last "
            "cycle and its result, open gaps. Exit status 0 when all is fine, 1 when something needs a look "
            "(newest frame older than --stale, a frame NOAA has missing for longer than --gap-age, the last cycle "
            "failed, or the watcher missed its run by more than --stale), 2 for bad input."
        ),
    )
    add_archive_options(parser, time_range=False)
    add_archive_file_option(parser)
    group = parser.add_argument_group("status options")
    group.add_argument("--window", default="24h", help="the watch window to judge (default 24h, as watch)")
    group.add_argument("--latency", default="20m", help="scans newer than this are not expected yet (default 20m)")
    group.add_argument("--stale", default="1h", help="the newest frame may be this old (default 1h)")
    group.add_argument("--gap-age", default="2h", help="a frame NOAA has may be missing this long (default 2h)")
    group.add_argument("--now", metavar="ISO", help="judge as of this time, UTC (for the emulator and tests)")
    parser.set_defaults(handler=run_status)


def _duration(text: str, option: str) -> timedelta:
    if text.strip() in ("0", "0s", "0m"):
        return timedelta(0)
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def status_rules(ns: argparse.Namespace) -> StatusRules:
    return StatusRules(
        window=_duration(ns.window, "--window"),
        latency=_duration(ns.latency, "--latency"),
        stale=_duration(ns.stale, "--stale"),
        gap_age=_duration(ns.gap_age, "--gap-age"),
        interval_minutes=ns.interval,
    )


def run_status(ns: argparse.Namespace) -> int:
    path = archive_path(ns)
    if path is not None:  # one line per product of the archive file, a total, the worst exit status
        return run_products(ns, path, run_status, what="fine", problem="needing a look")
    now = parse_utc(ns.now, "--now") if ns.now else datetime.now(UTC)
    rules = status_rules(ns)
    start, end = trailing_window(now, rules.window, rules.latency)
    if end <= start:
        raise UsageError("--window must be longer than --latency")
    if ns.csv:
        raise UsageError("--csv does not apply to status: use scan or report for a CSV")
    args = archive_args(ns, start=start, end=end)  # validates the folder, satellite, sector and band
    view = None if args.view is None else args.view.view
    product = WatchProduct(args.query.satellite, args.query.sector, args.query.band, args.directory, view)
    statuses = asyncio.run(_statuses([product], now, rules, args))
    if args.json:
        print(json.dumps({"ok": all(s.ok for s in statuses), "products": [s.as_json() for s in statuses]}))
    else:
        for status in statuses:
            print(printable(status.line(), 2000))
    return 0 if all(s.ok for s in statuses) else EXIT_NEEDS_A_LOOK


async def _statuses(
    products: list[WatchProduct], now: datetime, rules: StatusRules, args: ArchiveArgs
) -> list[ProductStatus]:
    cache = args.cache()
    try:
        out = []
        for product in products:
            try:
                status = await product_status(
                    product, now=now, rules=rules, cache=cache, force_rescan=args.force_rescan, verify=args.verify
                )
                out.append(status)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        return out
    finally:
        if cache is not None:
            await cache.close()
