"""``watch``'s operations options: ``--metrics FILE``, ``--metrics-port PORT``, ``--notify URL`` and the alert
thresholds; :class:`WatchOps` is the per-cycle hook that keeps the record ``status`` reads, the metrics and the
alerts (one product now; one hook per product when an archive file lists several).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from datetime import datetime
from pathlib import Path

from goesvfi.integrity_check.cli.options import UsageError
from goesvfi.integrity_check.notify import Alerter, AlertRules, Notifier, printable
from goesvfi.integrity_check.runtime import PROG
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.units import parse_duration
from goesvfi.integrity_check.watch import Clock, CycleResult, WatchConfig
from goesvfi.integrity_check.watch_metrics import WatchMetrics
from goesvfi.integrity_check.watch_record import CycleTracker, WatchProduct, read_record, write_record

log = logging.getLogger(__name__)


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


class WatchOps:
    """After every cycle: the record in the folder, the metrics (file and/or port), the alerts. Never raises: a
    problem here is printed and the watch goes on."""

    def __init__(
        self,
        product: WatchProduct,
        *,
        now: Clock,
        metrics_file: Path | None = None,
        metrics_port: int | None = None,
        receivers: list[str] | None = None,
        rules: AlertRules | None = None,
    ) -> None:
        self.product = product
        self._now = now
        self.metrics_file = metrics_file
        self.metrics_port = metrics_port
        self.metrics = WatchMetrics() if metrics_file is not None or metrics_port is not None else None
        self.alerter = Alerter(rules)
        self.notifier = Notifier(receivers) if receivers else None
        try:
            previous = read_record(product)
        except ValueError as exc:
            log.warning("%s", exc)
            previous = None
        self.tracker = CycleTracker(previous)

    @classmethod
    def from_args(cls, ns: argparse.Namespace, config: WatchConfig, settings: FetchSettings, now: Clock) -> WatchOps:
        if ns.metrics_port is not None and not 0 <= ns.metrics_port <= 65535:
            raise UsageError("--metrics-port: a port number 0-65535")
        product = WatchProduct(config.satellite, config.sector, config.band, config.directory)
        try:
            return cls(
                product,
                now=now,
                metrics_file=Path(ns.metrics).expanduser() if ns.metrics else None,
                metrics_port=ns.metrics_port,
                receivers=list(ns.notify),
                rules=alert_rules(ns, settings),
            )
        except ValueError as exc:
            raise UsageError(f"--notify: {exc}") from None

    def start(self) -> None:
        """Open the metrics port (UsageError when it cannot be had)."""
        if self.metrics is not None and self.metrics_port is not None:
            try:
                self.metrics_port = self.metrics.serve(self.metrics_port)
            except OSError as exc:
                raise UsageError(f"--metrics-port {self.metrics_port}: {exc.strerror or exc}") from None

    def __call__(self, result: CycleResult, next_run: datetime | None) -> None:
        now = self._now()
        record = self.tracker.record(result, next_run)
        free = _free_bytes(self.product.folder)
        try:
            write_record(self.product, record)
        except OSError as exc:
            _warn(f"cannot write the watch record {self.product.record_path}: {exc.strerror or exc}")
        if self.metrics is not None:
            self.metrics.observe(self.product, result, record, now=now, free_bytes=free)
            if self.metrics_file is not None:
                try:
                    self.metrics.write_textfile(self.metrics_file)
                except OSError as exc:
                    _warn(f"cannot write the metrics file {self.metrics_file}: {exc.strerror or exc}")
        alerts = self.alerter.update(self.product, result, record, now=now, free_bytes=free)
        if self.notifier is not None and alerts:
            self.notifier.send(alerts)

    async def close(self) -> None:
        if self.notifier is not None:
            await self.notifier.close()
        if self.metrics is not None:
            self.metrics.close()


def _free_bytes(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def _warn(message: str) -> None:
    print(f"{PROG}: warning: {printable(message, 500)}", file=sys.stderr, flush=True)
