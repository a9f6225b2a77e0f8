"""``--max-rate``, ``--min-rate`` and ``--min-rate-window``: the download rate limits of ``fetch`` and ``watch``.

Read with :func:`rate_overrides` into :class:`~goesvfi.integrity_check.settings.FetchSettings` fields.
"""

from __future__ import annotations

import argparse
from typing import Any

from goesvfi.integrity_check.cli.options import UsageError
from goesvfi.integrity_check.remote.rate import format_rate, parse_rate
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.units import parse_duration


def add_rate_options(parser: argparse.ArgumentParser) -> None:
    defaults = FetchSettings()
    group = parser.add_argument_group("rate limits (bytes per second; K = 1000, M = 1000000)")
    group.add_argument(
        "--max-rate",
        metavar="RATE",
        help="bandwidth cap for all downloads of the process together, CDN and S3 (e.g. 500K, 2M; default none)",
    )
    group.add_argument(
        "--min-rate",
        metavar="RATE",
        help=f"abandon a download that brings less than this over the window (default {format_rate(defaults.min_rate)}"
        "; 0: never): a dripping server frees its slot, and the slot falls back to the other source",
    )
    group.add_argument(
        "--min-rate-window",
        metavar="DURATION",
        help=f"the window of --min-rate (default {defaults.min_rate_window:g}s)",
    )


def rate_overrides(ns: argparse.Namespace) -> dict[str, Any]:
    """The :class:`FetchSettings` fields the options set (none given: none); :class:`UsageError` when invalid."""
    out: dict[str, Any] = {}
    if getattr(ns, "max_rate", None):
        out["max_rate"] = _rate(ns.max_rate, "--max-rate")
    if getattr(ns, "min_rate", None):
        out["min_rate"] = 0.0 if ns.min_rate.strip() in ("0", "0K", "0k") else _rate(ns.min_rate, "--min-rate")
    if getattr(ns, "min_rate_window", None):
        try:
            out["min_rate_window"] = parse_duration(ns.min_rate_window).total_seconds()
        except ValueError as exc:
            raise UsageError(f"--min-rate-window: {exc}") from None
    return out


def _rate(text: str, option: str) -> float:
    try:
        return parse_rate(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None
