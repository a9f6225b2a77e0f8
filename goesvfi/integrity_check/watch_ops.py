"""What a watcher does after every cycle besides fetching: :class:`WatchOps` keeps the record ``status`` reads
(:mod:`.watch_record`), the Prometheus metrics (:mod:`.watch_metrics`) and the alerts (:mod:`.notify`) of one
product. Shared by ``goesvfi-integrity watch`` and the tab's Auto-fetch; Qt-free.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from goesvfi.integrity_check.notify import Alerter, AlertRules, Notifier, printable
from goesvfi.integrity_check.watch import Clock, CycleResult
from goesvfi.integrity_check.watch_metrics import WatchMetrics
from goesvfi.integrity_check.watch_record import CycleTracker, WatchProduct, read_record, write_record

log = logging.getLogger(__name__)


class WatchOps:
    """After every cycle: the record in the folder, the metrics (file and/or port), the alerts. Never raises: a
    problem here is logged and the watch goes on. ``receivers``: alert URLs (none: alerts are judged, not sent)."""

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
        self.receivers = list(receivers or [])
        self.notifier = Notifier(self.receivers) if self.receivers else None
        try:
            previous = read_record(product)
        except ValueError as exc:
            log.warning("%s", exc)
            previous = None
        self.tracker = CycleTracker(previous)
        if previous is not None:  # a --once run goes on from the last run's alert states
            self.alerter.restore(product, previous.alerts)

    def start(self) -> None:
        """Open the metrics port, if one was asked for (OSError when it cannot be had)."""
        if self.metrics is not None and self.metrics_port is not None:
            self.metrics_port = self.metrics.serve(self.metrics_port)

    def __call__(self, result: CycleResult, next_run: datetime | None) -> None:
        now = self._now()
        record = self.tracker.record(result, next_run)
        free = _free_bytes(self.product.folder)
        alerts = self.alerter.update(self.product, result, record, now=now, free_bytes=free)
        if self.notifier is not None and alerts:
            self.notifier.send(alerts)
        record = replace(record, alerts=self.alerter.state_of(self.product))
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
    log.warning("%s", printable(message, 500))
