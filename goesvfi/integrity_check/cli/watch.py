"""``goesvfi-integrity watch DIR --satellite goes19 --window 24h --every 10m``: keep an archive complete.

Every period (ticks aligned to the period) it reconciles ``[now - window, now - latency)``, fetches what is
missing, and prints one line per cycle on stdout (``--json``: one JSON object per line). It runs until Ctrl-C
or SIGTERM, which cancel the running cycle cleanly (no partial frame is left) and exit with status 0.
``--once`` runs a single cycle (for cron). It takes the fetch options of ``fetch``
(:func:`.fetch_options.add_fetch_options`); ``--now`` sets where its clock starts, and the clock then advances in
real time. Exit status: 0 done or stopped; 1 ``--once`` and the cycle failed (an error, or NOAA unreachable);
2 bad input; 3 another watcher keeps this folder (the message names it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

from goesvfi.integrity_check.cli.archive_run import add_archive_file_option, archive_path
from goesvfi.integrity_check.cli.fetch_options import add_fetch_options, fetch_settings, now_clock
from goesvfi.integrity_check.cli.interrupt import install_stop
from goesvfi.integrity_check.cli.options import (
    ArchiveArgs,
    UsageError,
    add_archive_options,
    progress_bar,
)
from goesvfi.integrity_check.cli.progress import fetch_progress
from goesvfi.integrity_check.cli.watch_config import EXIT_CYCLE_FAILED, EXIT_LOCKED, watch_config
from goesvfi.integrity_check.cli.watch_ops import add_ops_options, start_ops, watch_ops
from goesvfi.integrity_check.fetch.manager import ReconcileManager
from goesvfi.integrity_check.fetch.view import reconcile_any
from goesvfi.integrity_check.folder.lock import FolderLockedError, FolderLockError
from goesvfi.integrity_check.report import write_csv
from goesvfi.integrity_check.runtime import PROG, tune_malloc
from goesvfi.integrity_check.safe_text import safe_text
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import iso_z
from goesvfi.integrity_check.units import format_duration
from goesvfi.integrity_check.watch import (
    Clock,
    CycleResult,
    WatchConfig,
    WatchLoop,
)


def register(subparsers: Any) -> None:
    """Add the ``watch`` subcommand (called by :func:`goesvfi.integrity_check.cli.main.build_parser`)."""
    parser = subparsers.add_parser(
        "watch",
        help="keep a folder complete: every period, fetch what the trailing window lacks",
        description=(
            "Every period, reconcile the trailing window [now - WINDOW, now - LATENCY) and fetch what is "
            "missing; one line per cycle. Runs until Ctrl-C or SIGTERM (exit status 0). Durations: 90s, 10m, "
            "24h, 7d, 1h30m. --interval 0 (default) follows the sector's scan cadence: watch never guesses the "
            "interval from the files. The fetch options are those of fetch; --now sets where the clock starts "
            "(it then advances in real time), e.g. to replay a past day against the emulator."
        ),
    )
    add_archive_options(parser, time_range=False)
    add_archive_file_option(parser)
    add_fetch_options(parser)
    group = parser.add_argument_group("watch options")
    group.add_argument("--window", default="24h", help="how far back to keep complete (default 24h)")
    group.add_argument("--every", default="10m", help="period between cycles (default 10m)")
    group.add_argument(
        "--latency", default="20m", help="skip scans newer than this: NOAA has not published them yet (default 20m)"
    )
    group.add_argument(
        "--keep",
        metavar="AGE",
        help="delete this tool's own frames of this archive older than AGE: days (7) or a duration (36h, 2d); at "
        "least the window; off by default",
    )
    group.add_argument("--dry-run", action="store_true", help="with --keep: list what would be deleted, delete nothing")
    group.add_argument(
        "--prune-max-share",
        default="25%",
        metavar="SHARE",
        help="with --keep: refuse to delete more than this share of the folder's frames in one cycle "
        "(25%% or 0.25; default 25%%)",
    )
    group.add_argument(
        "--lock-wait",
        default="0",
        help="if another watcher keeps the folder, wait this long for it to stop (default 0: exit at once)",
    )
    group.add_argument("--backoff-max", default="1h", help="longest wait after repeated failing cycles (default 1h)")
    group.add_argument("--once", action="store_true", help="run one cycle and exit (for cron)")
    group.add_argument(
        "--audit",
        type=int,
        default=0,
        metavar="N",
        help="each cycle, verify (decode) N frames of the window, the longest unverified first: a rolling scrub "
        "that finds frames damaged since they were written (default 0: off)",
    )
    add_ops_options(parser)
    parser.set_defaults(handler=run_watch)


def cycle_json(result: CycleResult, next_run: datetime | None) -> dict[str, Any]:
    """One cycle as a JSON object (``--json``)."""
    return {
        "started": iso_z(result.started),
        "window_start": iso_z(result.window_start),
        "window_end": iso_z(result.window_end),
        "expected": result.expected,
        "present": result.present,
        "fetched": result.fetched,
        "failed": result.failed,
        "not_attempted": result.not_attempted,
        "seconds": round(result.duration, 3),
        "error": result.error,
        "busy": result.busy,
        "outage": result.outage,
        "pruned": [str(p) for p in result.pruned],
        "prune_dry_run": result.dry_run,
        "prune_refused": result.prune_refused,
        "problems": [
            {"timestamp": iso_z(s.timestamp), "status": s.status.value, "error": s.error} for s in result.problems
        ],
        "next_run": iso_z(next_run) if next_run else None,
    }


class _Printer:
    """Prints each cycle (text line or JSON), pruning lists, and rewrites the CSV."""

    def __init__(self, ns: argparse.Namespace, config: WatchConfig) -> None:
        self.json = bool(ns.json)
        self.csv: str | None = ns.csv
        self.config = config
        self.bar = progress_bar()
        self._listed: set[str] = set()

    def __call__(self, result: CycleResult, next_run: datetime | None) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.json:
            print(json.dumps(cycle_json(result, next_run)), flush=True)
        else:
            line = result.summary()
            if next_run is not None:
                line += f", next {iso_z(next_run)}"
            print(safe_text(line), flush=True)
            self._print_pruned(result)
        if self.csv and result.slots:
            try:
                write_csv(self.csv, list(result.slots))
            except OSError as exc:
                print(
                    f"{PROG}: cannot write the CSV file {safe_text(self.csv)}: {safe_text(exc.strerror or exc)}",
                    file=sys.stderr,
                )

    def _print_pruned(self, result: CycleResult) -> None:
        if result.prune_refused:
            print(
                f"  not pruning{' (dry run)' if self.config.dry_run else ''}: {safe_text(result.prune_refused)}",
                flush=True,
            )
        verb = "would delete" if self.config.dry_run else "deleted"
        for path in result.pruned:
            if self.config.dry_run and str(path) in self._listed:
                continue  # a dry run lists each file once, not every cycle
            self._listed.add(str(path))
            print(f"  {verb} {safe_text(path)}", flush=True)

    def header(self) -> None:
        cfg = self.config
        keep = f", keep {cfg.keep_days:g} days{' (dry run)' if cfg.dry_run else ''}" if cfg.keep_days else ""
        who = cfg.satellite.display_name
        if cfg.view is not None:  # each slot from the satellite operational then
            who = f"{cfg.view.display_name} ({', '.join(s.display_name for s in cfg.satellites)})"
        text = (
            f"watching {safe_text(cfg.directory)}: {who} {cfg.sector.display_name} band {cfg.band}, "
            f"window {format_duration(cfg.window)}, every {format_duration(cfg.every)}, "
            f"latency {format_duration(cfg.latency)}{keep}"
        )
        print(text, file=sys.stderr if self.json else sys.stdout, flush=True)


async def _watch(
    ns: argparse.Namespace, config: WatchConfig, args: ArchiveArgs, settings: FetchSettings, now: Clock
) -> int:
    ops = watch_ops(ns, config, settings, now)
    stop = asyncio.Event()
    restore = install_stop(stop)
    printer = _Printer(ns, config)
    cache = args.cache()
    manager = ReconcileManager(cache_db=cache, settings=settings, now=now, use_cache=cache is not None)
    loop = WatchLoop(config, reconcile_any(manager), now=now, progress_callback=fetch_progress(printer.bar))
    try:
        start_ops(ops)
        printer.header()
        if ns.once:
            result = await loop.run_once(stop)
            if result is not None:
                printer(result, None)
                ops(result, None)
            return EXIT_CYCLE_FAILED if result is not None and (result.error or result.outage) else 0

        def on_cycle(result: CycleResult, next_run: datetime) -> None:
            printer(result, next_run)
            ops(result, next_run)

        await loop.run_forever(stop, on_cycle)
        return 0
    except FolderLockedError as exc:
        print(f"{PROG}: error: another watcher keeps this folder: {safe_text(exc)}", file=sys.stderr)
        return EXIT_LOCKED
    except FolderLockError as exc:
        raise UsageError(str(exc)) from None
    finally:
        restore()
        if printer.bar is not None:
            printer.bar.close()
        await manager.close()
        await ops.close()
        if cache is not None:
            await cache.close()


def run_watch(ns: argparse.Namespace) -> int:
    now = now_clock(ns) or (lambda: datetime.now(UTC))
    path = archive_path(ns)
    if path is not None:
        from goesvfi.integrity_check.cli.archive_watch import run_archive_watch

        return run_archive_watch(ns, path, now)
    config, args = watch_config(ns, now)
    settings = fetch_settings(ns)
    tune_malloc()  # a long-running fetcher: before the worker threads start (see runtime.tune_malloc)
    return asyncio.run(_watch(ns, config, args, settings, now))
