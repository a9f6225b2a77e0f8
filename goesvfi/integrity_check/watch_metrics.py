"""Prometheus metrics of a watcher: a textfile for node_exporter's collector, and/or ``/metrics`` on 127.0.0.1.

One label set per product (:class:`~.watch_record.WatchProduct`: ``satellite``, ``sector``, ``band``, ``folder``),
so one registry serves several products. Written by prometheus_client (its text format, its atomic textfile
writer, its HTTP server), never by hand. After every cycle :meth:`WatchMetrics.observe` sets:

- gauges over the watch window: ``goesvfi_integrity_expected_frames``, ``..._present_frames`` (in the folder after
  the cycle), ``..._missing_frames`` (NOAA has them or may: failed or not tried), ``..._unavailable_frames`` (no
  NOAA source has them);
- counters by ``source`` (``cdn``, ``s3``; ``none`` when a slot failed before any source was chosen):
  ``goesvfi_integrity_fetched_frames_total``, ``goesvfi_integrity_failed_frames_total``;
- ``goesvfi_integrity_last_cycle_timestamp_seconds``, ``..._last_success_timestamp_seconds`` (a cycle without
  an error or an outage), ``..._newest_frame_age_seconds`` (the newest frame of the window; with none, the age of
  the window's start, a lower bound), ``..._free_bytes`` (free space on the folder's file system),
  ``..._consecutive_failed_cycles``.

A skipped cycle (another process held the folder) updates only the last-cycle time; a failed one keeps the
window's gauges of the last cycle that saw the window.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server, write_to_textfile

from goesvfi.integrity_check.results import SlotStatus, Source
from goesvfi.integrity_check.time_index import to_utc
from goesvfi.integrity_check.watch import CycleResult
from goesvfi.integrity_check.watch_record import CycleRecord, WatchProduct

log = logging.getLogger(__name__)

PRODUCT_LABELS = ("satellite", "sector", "band", "folder")
SOURCES = (Source.CDN.value, Source.S3.value)


class WatchMetrics:
    """The metrics of one process's watchers; constructing it does no I/O (:meth:`serve` opens the port)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r, labels, by_source = self.registry, PRODUCT_LABELS, (*PRODUCT_LABELS, "source")
        self.expected = Gauge("goesvfi_integrity_expected_frames", "Scan slots in the watch window", labels, registry=r)
        self.present = Gauge(
            "goesvfi_integrity_present_frames",
            "Frames of the window in the folder after the last cycle",
            labels,
            registry=r,
        )
        self.missing = Gauge(
            "goesvfi_integrity_missing_frames",
            "Frames of the window still missing that NOAA has (or may have)",
            labels,
            registry=r,
        )
        self.unavailable = Gauge(
            "goesvfi_integrity_unavailable_frames", "Slots of the window no NOAA source has", labels, registry=r
        )
        self.fetched = Counter("goesvfi_integrity_fetched_frames", "Frames fetched, by source", by_source, registry=r)
        self.failed = Counter(
            "goesvfi_integrity_failed_frames", "Frame fetches that failed in a cycle, by source", by_source, registry=r
        )
        self.last_cycle = Gauge(
            "goesvfi_integrity_last_cycle_timestamp_seconds",
            "When the last cycle started (Unix time)",
            labels,
            registry=r,
        )
        self.last_success = Gauge(
            "goesvfi_integrity_last_success_timestamp_seconds",
            "When the last cycle without an error or a NOAA outage started (Unix time)",
            labels,
            registry=r,
        )
        self.newest_age = Gauge(
            "goesvfi_integrity_newest_frame_age_seconds",
            "Age of the newest frame of the window in the folder",
            labels,
            registry=r,
        )
        self.free_bytes = Gauge(
            "goesvfi_integrity_free_bytes", "Free bytes on the file system of the folder", labels, registry=r
        )
        self.failures = Gauge(
            "goesvfi_integrity_consecutive_failed_cycles",
            "Failing cycles in a row (0 after a good one)",
            labels,
            registry=r,
        )
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def observe(
        self,
        product: WatchProduct,
        result: CycleResult,
        record: CycleRecord,
        *,
        now: datetime,
        free_bytes: int | None,
    ) -> None:
        """Account for one cycle of ``product`` (``record``: the tracker's view of it, with failures in a row)."""
        labels = product.labels
        self.last_cycle.labels(**labels).set(result.started.timestamp())
        for source in SOURCES:  # both series exist from the first cycle, at 0
            self.fetched.labels(**labels, source=source)
            self.failed.labels(**labels, source=source)
        if free_bytes is not None:
            self.free_bytes.labels(**labels).set(free_bytes)
        if result.busy:
            return
        self.failures.labels(**labels).set(record.failures)
        if record.last_success is not None:
            self.last_success.labels(**labels).set(record.last_success.timestamp())
        if result.error is not None:
            return
        slots = result.slots
        have = sum(s.status in (SlotStatus.PRESENT, SlotStatus.FETCHED) for s in slots)
        unavailable = sum(s.status is SlotStatus.UNAVAILABLE for s in slots)
        self.expected.labels(**labels).set(len(slots))
        self.present.labels(**labels).set(have)
        self.unavailable.labels(**labels).set(unavailable)
        self.missing.labels(**labels).set(len(slots) - have - unavailable)
        for status, counter in ((SlotStatus.FETCHED, self.fetched), (SlotStatus.FAILED, self.failed)):
            for source, count in _by_source(s.source for s in slots if s.status is status).items():
                counter.labels(**labels, source=source).inc(count)
        newest = max((s.timestamp for s in slots if s.status in (SlotStatus.PRESENT, SlotStatus.FETCHED)), default=None)
        newest = newest or result.window_start
        self.newest_age.labels(**labels).set(max(0.0, (to_utc(now) - newest).total_seconds()))

    # ---- exposing ---------------------------------------------------------------------------------------

    def write_textfile(self, path: Path) -> None:
        """Write the text format to ``path`` atomically (prometheus_client writes a temporary file and renames)."""
        write_to_textfile(str(path), self.registry)

    def serve(self, port: int, addr: str = "127.0.0.1") -> int:
        """Serve ``/metrics`` on ``addr:port`` from a daemon thread; returns the port (``port`` 0: a free one)."""
        self._server, self._thread = start_http_server(port, addr=addr, registry=self.registry)
        return int(self._server.server_address[1])

    def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None


def _by_source(sources: Iterable[Source | None]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for source in sources:
        key = source.value if source is not None else "none"
        counts[key] = counts.get(key, 0) + 1
    return counts
