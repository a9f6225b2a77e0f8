"""``watch``'s operations options: ``--metrics FILE``, ``--metrics-port PORT``, ``--notify URL`` and the alert
thresholds, read into a :class:`~goesvfi.integrity_check.watch_ops.WatchOps` (the per-cycle hook that keeps the
record ``status`` reads, the metrics and the alerts; one per product).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from goesvfi.integrity_check.cli.options import UsageError
from goesvfi.integrity_check.notify import AlertRules
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.units import parse_duration
from goesvfi.integrity_check.watch import Clock, WatchConfig
from goesvfi.integrity_check.watch_ops import WatchOps
from goesvfi.integrity_check.watch_record import WatchProduct


def add_ops_options(parser: argparse.ArgumentParser) -> None:
    rules = AlertRules()
    group = parser.add_argument_group("metrics and alerts")
    group.add_argument(
        "--metrics",
        metavar="FILE",
        help="after every cycle, write Prometheus metrics to FILE (for node_exporter's textfile collector: "
        "a .prom file in its --collector.textfile.directory)",
    )
    group.add_argument(
        "--metrics-port", type=int, metavar="PORT", help="serve the same metrics at http://127.0.0.1:PORT/metrics"
    )
    group.add_argument(
        "--notify",
        metavar="URL",
        action="append",
        default=[],
        help="send alerts to URL (repeatable): https:// webhook (JSON POST) or an ntfy topic (https://ntfy.sh/TOPIC, "
        "or ntfy+https://HOST/TOPIC for your own server)",
    )
    group.add_argument(
        "--alert-gap-age",
        default="2h",
        metavar="DURATION",
        help="alert when a frame NOAA has is still missing after this long (default 2h)",
    )
    group.add_argument(
        "--alert-stale",
        default="1h",
        metavar="DURATION",
        help="alert when no NOAA source has had a new frame for this long (default 1h)",
    )
    group.add_argument(
        "--alert-failed-cycles",
        type=int,
        default=rules.failed_cycles,
        metavar="N",
        help=f"alert after N failing cycles in a row (default {rules.failed_cycles})",
    )


def alert_rules(ns: argparse.Namespace, settings: FetchSettings) -> AlertRules:
    try:
        return AlertRules(
            gap_age=parse_duration(ns.alert_gap_age),
            stale_after=parse_duration(ns.alert_stale),
            failed_cycles=ns.alert_failed_cycles,
            disk_threshold=settings.disk_threshold,
        ).validate()
    except ValueError as exc:
        raise UsageError(f"alert thresholds: {exc}") from None


def watch_ops(ns: argparse.Namespace, config: WatchConfig, settings: FetchSettings, now: Clock) -> WatchOps:
    """The hook the options ask for (UsageError when they are wrong)."""
    if ns.metrics_port is not None and not 0 <= ns.metrics_port <= 65535:
        raise UsageError("--metrics-port: a port number 0-65535")
    product = WatchProduct(config.satellite, config.sector, config.band, config.directory, config.view)
    try:
        return WatchOps(
            product,
            now=now,
            metrics_file=Path(ns.metrics).expanduser() if ns.metrics else None,
            metrics_port=ns.metrics_port,
            receivers=list(ns.notify),
            rules=alert_rules(ns, settings),
        )
    except ValueError as exc:
        raise UsageError(f"--notify: {exc}") from None


def start_ops(ops: WatchOps) -> None:
    """Open the metrics port (UsageError when it cannot be had)."""
    try:
        ops.start()
    except OSError as exc:
        raise UsageError(f"--metrics-port {ops.metrics_port}: {exc.strerror or exc}") from None
