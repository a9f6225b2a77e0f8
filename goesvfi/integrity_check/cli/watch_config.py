"""The ``watch`` options checked into a :class:`~goesvfi.integrity_check.watch.WatchConfig`, and the exit
statuses of a watch (shared by ``watch DIR`` and ``watch --archive FILE``)."""

from __future__ import annotations

import argparse
from datetime import timedelta

from goesvfi.integrity_check.cli.options import ArchiveArgs, UsageError, archive_args
from goesvfi.integrity_check.units import parse_duration
from goesvfi.integrity_check.watch import Clock, WatchConfig, trailing_window

EXIT_CYCLE_FAILED = 1
EXIT_LOCKED = 3


def _duration(text: str, option: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def _keep_days(text: str | None) -> float | None:
    """``--keep``: a bare number is days (``7``, ``0.5``), else a duration (``36h``, ``2d``)."""
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return _duration(text, "--keep").total_seconds() / 86400


def _share(text: str) -> float:
    """``--prune-max-share``: ``25%`` or ``0.25``."""
    raw = text.strip()
    try:
        share = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise UsageError(f"--prune-max-share: {text!r} is not a share (25% or 0.25)") from None
    if not 0 < share <= 1:
        raise UsageError(f"--prune-max-share: {text!r} must be above 0 and at most 100%")
    return share


def watch_config(ns: argparse.Namespace, now: Clock) -> tuple[WatchConfig, ArchiveArgs]:
    """Validate the options (the window as seen at ``now()``); raises :class:`UsageError` with one line."""
    window = _duration(ns.window, "--window")
    every = _duration(ns.every, "--every")
    latency = timedelta(0) if ns.latency.strip() in ("0", "0s", "0m") else _duration(ns.latency, "--latency")
    lock_wait = 0.0 if ns.lock_wait.strip() in ("0", "0s") else _duration(ns.lock_wait, "--lock-wait").total_seconds()
    backoff_max = _duration(ns.backoff_max, "--backoff-max")
    if ns.rescan:
        raise UsageError("--rescan does not apply to watch: every cycle rescans what changed")
    window_start, window_end = trailing_window(now(), window, latency)
    if window_end <= window_start:
        raise UsageError(f"--window ({ns.window}) must be longer than --latency ({ns.latency})")
    args = archive_args(ns, start=window_start, end=window_end)
    config = WatchConfig(
        directory=args.directory,
        satellite=args.query.satellite,
        sector=args.query.sector,
        band=args.query.band,
        window=window,
        every=every,
        latency=latency,
        interval_minutes=args.query.interval_minutes,
        keep_days=_keep_days(ns.keep),
        dry_run=ns.dry_run,
        prune_max_share=_share(ns.prune_max_share),
        backoff_max=backoff_max,
        lock_wait=lock_wait,
        audit=ns.audit,
        view=None if args.view is None else args.view.view,
    )
    try:
        config.validate()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return config, args
