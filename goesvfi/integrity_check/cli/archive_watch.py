"""``watch --archive FILE``: every product of an archive file kept complete by one process (fair turns, one watch
lock per folder, a failing product does not stop the others); one line per cycle, prefixed by the product.

Each product's window is its ``window`` key, else ``--window``; its look its ``look`` key, else ``--look``. Exit
status: 0 stopped (or ``--once`` and every cycle succeeded), 1 ``--once`` and a cycle failed, 2 bad input, 3 every
product's folder is kept by another watcher.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from goesvfi.integrity_check.archive_watch import ArchiveWatch
from goesvfi.integrity_check.cli.archive_run import load, product_namespace
from goesvfi.integrity_check.cli.fetch_options import fetch_settings
from goesvfi.integrity_check.cli.interrupt import install_stop
from goesvfi.integrity_check.cli.options import ArchiveArgs, UsageError
from goesvfi.integrity_check.cli.watch_config import EXIT_CYCLE_FAILED, EXIT_LOCKED, watch_config
from goesvfi.integrity_check.fetch.manager import ReconcileManager
from goesvfi.integrity_check.fetch.view import reconcile_any
from goesvfi.integrity_check.folder.lock import FolderLockedError
from goesvfi.integrity_check.runtime import PROG, tune_malloc
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import iso_z
from goesvfi.integrity_check.units import format_duration
from goesvfi.integrity_check.watch import Clock, CycleResult, WatchConfig, WatchLoop


@dataclass(frozen=True, slots=True)
class _Plan:
    name: str
    config: WatchConfig
    settings: FetchSettings
    args: ArchiveArgs


def run_archive_watch(ns: argparse.Namespace, path: Path, now: Clock) -> int:
    archive = load(path)
    if ns.csv or ns.json:
        raise UsageError("--csv and --json describe one product: watch --archive prints one line per cycle")
    plans = []
    for product in archive.products:
        sub = product_namespace(ns, product)
        if product.window is not None:
            sub.window = format_duration(product.window)
        try:
            product.folder.mkdir(parents=True, exist_ok=True)
            config, args = watch_config(sub, now)
            settings = fetch_settings(sub)
        except (UsageError, OSError) as exc:
            raise UsageError(f"product {product.index} ({product.name}): {exc}") from None
        plans.append(_Plan(product.name, config, settings, args))
    tune_malloc()
    return asyncio.run(_watch_all(ns, plans, now))


async def _watch_all(ns: argparse.Namespace, plans: list[_Plan], now: Clock) -> int:
    stop = asyncio.Event()
    restore = install_stop(stop)
    cache = plans[0].args.cache()  # one cache file for every product (each product is its own archive in it)
    managers = [
        ReconcileManager(cache_db=cache, settings=p.settings, now=now, use_cache=cache is not None) for p in plans
    ]
    loops = [(p.name, WatchLoop(p.config, reconcile_any(m), now=now)) for p, m in zip(plans, managers, strict=True)]
    failed: list[str] = []
    locked: list[str] = []

    def on_cycle(name: str, result: CycleResult, next_run: datetime | None) -> None:
        line = f"[{name}] {result.summary()}" + (f", next {iso_z(next_run)}" if next_run else "")
        print(line, flush=True)
        if result.error or result.outage:
            failed.append(name)

    def on_locked(name: str, exc: FolderLockedError) -> None:
        print(f"{PROG}: [{name}] another watcher keeps this folder: {exc}", file=sys.stderr, flush=True)
        locked.append(name)

    for plan in plans:
        print(
            f"watching [{plan.name}] {plan.config.directory}, window {format_duration(plan.config.window)}", flush=True
        )
    try:
        await ArchiveWatch(loops, now=now).run(stop, on_cycle, once=ns.once, on_locked=on_locked)
    finally:
        restore()
        for manager in managers:
            await manager.close()
        if cache is not None:
            await cache.close()
    if len(locked) == len(plans):
        return EXIT_LOCKED
    return EXIT_CYCLE_FAILED if ns.once and failed else 0
