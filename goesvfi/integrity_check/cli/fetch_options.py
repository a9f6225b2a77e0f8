"""The fetch options of every command that fetches or asks NOAA (``fetch``, ``watch``, ``scan --remote``): the
CDN window, concurrency, deadline, endpoints, ``--now``, the rate limits (:mod:`.rate_options`) and the look
(:func:`.options.add_look_options`); :func:`fetch_settings` turns them into :class:`FetchSettings`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime

from goesvfi.integrity_check.cli.options import UsageError, add_look_options, look_overrides, parse_utc
from goesvfi.integrity_check.cli.rate_options import add_rate_options, rate_overrides
from goesvfi.integrity_check.settings import FetchSettings


def add_fetch_options(parser: argparse.ArgumentParser) -> None:
    """``--cdn-days``, ``--concurrency``, ``--deadline``, ``--cdn-url``, ``--s3-endpoint``, ``--now``: read them with
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
    group.add_argument(
        "--deadline",
        type=float,
        metavar="SECONDS",
        default=defaults.deadline,
        help=f"longest time one request (a listing page or a frame) may take in all (default {defaults.deadline:g})",
    )
    group.add_argument("--cdn-url", metavar="URL", help="STAR CDN base URL (default $GOESVFI_CDN_URL or NOAA's)")
    group.add_argument("--s3-endpoint", metavar="URL", help="S3 endpoint (default $GOESVFI_S3_ENDPOINT or AWS)")
    group.add_argument(
        "--now",
        metavar="ISO",
        help="pretend the current time, UTC, is ISO (places the CDN cutoff; for demos and the emulator): "
        "the clock starts there and runs on in real time",
    )
    add_rate_options(parser)
    add_look_options(parser)
    look = parser.add_argument_group("mixed looks")
    look.add_argument(
        "--allow-mixed",
        action="store_true",
        help="the old behaviour: CDN frames as the CDN serves them, S3 frames in their own size and colours",
    )
    look.add_argument(
        "--no-resample",
        action="store_true",
        help="never resample CDN frames: a folder whose size the CDN lacks fetches from S3 only",
    )


def now_clock(ns: argparse.Namespace) -> Callable[[], datetime] | None:
    """The clock ``--now`` sets: it reads ``--now`` at start-up and advances in real time; None without it."""
    if not ns.now:
        return None
    offset = parse_utc(ns.now, "--now") - datetime.now(UTC)
    return lambda: datetime.now(UTC) + offset


def fetch_settings(ns: argparse.Namespace) -> FetchSettings:
    """The settings :func:`add_fetch_options` gives (over the environment's); :class:`UsageError` when invalid."""
    try:
        return FetchSettings.from_env(
            cdn_days=ns.cdn_days,
            concurrency=ns.concurrency,
            cdn_url=ns.cdn_url,
            s3_endpoint=ns.s3_endpoint,
            allow_mixed=True if ns.allow_mixed else None,
            resample_cdn=False if ns.no_resample else None,
            deadline=ns.deadline,
            **look_overrides(ns),
            **rate_overrides(ns),
        ).validate()
    except ValueError as exc:
        raise UsageError(
            str(exc)
            .replace("concurrency", "--concurrency")
            .replace("CDN cutoff days", "--cdn-days")
            .replace("the request deadline", "--deadline")
        ) from None
