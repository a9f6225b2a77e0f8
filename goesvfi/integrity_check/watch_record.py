"""What a watcher leaves for ``status``, metrics and alerts: the product it keeps, and its last cycle.

A :class:`WatchProduct` names one archive the way the metrics label it (``satellite``, ``sector``, ``band``,
``folder``; a GOES-East/West archive's ``satellite`` label is its view, ``east`` or ``west``, across satellite
changes), so several products (an archive file) can share one metrics file and one alert receiver. After every
cycle the watcher writes a :class:`CycleRecord` as JSON into the folder (``.goesvfi-integrity-watch-<product>.json``,
written to a temporary name and renamed), which ``goesvfi-integrity status`` reads in another process.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from goesvfi.integrity_check.folder.atomic import write_atomic
from goesvfi.integrity_check.results import SlotStatus
from goesvfi.integrity_check.time_index import SatellitePattern, Sector, iso_z, to_utc
from goesvfi.integrity_check.time_index.operational import View
from goesvfi.integrity_check.watch import CycleResult

RECORD_PREFIX = ".goesvfi-integrity-watch-"
HAVE = (SlotStatus.PRESENT, SlotStatus.FETCHED)


@dataclass(frozen=True, slots=True)
class WatchProduct:
    """One kept archive: what, and where. ``view``: GOES-East/West (``satellite``: its operational one when the
    watch began)."""

    satellite: SatellitePattern
    sector: Sector
    band: int
    folder: Path
    view: View | None = None

    @property
    def labels(self) -> dict[str, str]:
        """The Prometheus label set: satellite ``goes19``, sector ``conus``/``fd``/``m1``/``m2``, band ``13``, and
        the folder's path."""
        return {
            "satellite": self.view.value if self.view is not None else self.satellite.value,
            "sector": self.sector.value,
            "band": str(self.band),
            "folder": str(self.folder),
        }

    @property
    def who(self) -> str:
        """``GOES-East`` for a view's archive, else the satellite's name (``GOES-19``)."""
        return self.view.display_name if self.view is not None else self.satellite.display_name

    @property
    def title(self) -> str:
        return f"{self.who} {self.sector.display_name} band {self.band} in {self.folder}"

    @property
    def record_path(self) -> Path:
        labels = self.labels
        return self.folder / f"{RECORD_PREFIX}{labels['satellite']}-{labels['sector']}-{self.band:02d}.json"


@dataclass(frozen=True, slots=True)
class CycleRecord:
    """A cycle as ``status`` needs it (times are ISO 8601 UTC strings in the file)."""

    started: datetime
    window_start: datetime
    window_end: datetime
    expected: int
    have: int  # frames in the folder after the cycle (present before + fetched)
    fetched: int
    failed: int
    unavailable: list[datetime]  # slots no NOAA source has: not gaps the watcher can fill
    error: str | None
    busy: bool
    outage: bool
    failures: int  # consecutive failing cycles, this one included
    next_run: datetime | None
    last_success: datetime | None
    newest_frame: datetime | None
    alerts: dict[str, Any] = field(default_factory=dict)  # the alert states (notify.Alerter.state_of)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.outage

    @property
    def outcome(self) -> str:
        """``ok``, ``ok, 2 failed``, ``skipped: <why>`` or ``failed: <why>`` (one line)."""
        if self.busy:
            return f"skipped: {self.error}"
        if self.error is not None:
            return f"failed: {self.error}"
        if self.outage:
            return f"failed: NOAA unreachable ({self.failed} slots failed, nothing fetched)"
        return "ok" if self.failed == 0 else f"ok, {self.failed} failed"

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, datetime):
                out[key] = iso_z(value)
        out["unavailable"] = [iso_z(t) for t in self.unavailable]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CycleRecord:
        def when(key: str) -> datetime | None:
            value = data.get(key)
            return None if value is None else to_utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))

        def need(key: str) -> datetime:
            value = when(key)
            if value is None:
                raise ValueError(f"the watch record lacks {key}")
            return value

        return cls(
            started=need("started"),
            window_start=need("window_start"),
            window_end=need("window_end"),
            expected=int(data["expected"]),
            have=int(data["have"]),
            fetched=int(data["fetched"]),
            failed=int(data["failed"]),
            unavailable=[to_utc(datetime.fromisoformat(t.replace("Z", "+00:00"))) for t in data.get("unavailable", [])],
            error=data.get("error"),
            busy=bool(data.get("busy")),
            outage=bool(data.get("outage")),
            failures=int(data.get("failures", 0)),
            next_run=when("next_run"),
            last_success=when("last_success"),
            newest_frame=when("newest_frame"),
            alerts=dict(data.get("alerts") or {}),
        )


def newest_frame(result: CycleResult) -> datetime | None:
    """The newest slot of the window that is in the folder after the cycle (None: none is)."""
    return max((s.timestamp for s in result.slots if s.status in HAVE), default=None)


class CycleTracker:
    """Follows one product's cycles: consecutive failures and the last success, which a single result lacks.

    ``previous``: the record an earlier process left (``watch --once`` from cron counts on from it)."""

    def __init__(self, previous: CycleRecord | None = None) -> None:
        self.failures = previous.failures if previous else 0
        self.last_success: datetime | None = previous.last_success if previous else None
        self.newest: datetime | None = previous.newest_frame if previous else None

    def record(self, result: CycleResult, next_run: datetime | None) -> CycleRecord:
        if not result.busy:
            failed = result.error is not None or result.outage
            self.failures = self.failures + 1 if failed else 0
            if not failed:
                self.last_success = result.started
        newest = newest_frame(result)
        if newest is not None and (self.newest is None or newest > self.newest):
            self.newest = newest
        return CycleRecord(
            started=result.started,
            window_start=result.window_start,
            window_end=result.window_end,
            expected=result.expected,
            have=result.present + result.fetched,
            fetched=result.fetched,
            failed=result.failed,
            unavailable=sorted(s.timestamp for s in result.slots if s.status is SlotStatus.UNAVAILABLE),
            error=result.error,
            busy=result.busy,
            outage=result.outage,
            failures=self.failures,
            next_run=next_run,
            last_success=self.last_success,
            newest_frame=self.newest,
        )


def write_record(product: WatchProduct, record: CycleRecord) -> None:
    """Replace the product's record in its folder (temporary name, fsync, rename: never half a file)."""
    data = json.dumps(record.to_json(), indent=1).encode()

    def write(fh: BinaryIO) -> None:
        fh.write(data)

    write_atomic(product.record_path, write)


def read_record(product: WatchProduct) -> CycleRecord | None:
    """The product's last record; None when no watcher wrote one (or it cannot be read: said by ValueError)."""
    try:
        with open(product.record_path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read the watch record {product.record_path}: {exc}") from exc
    try:
        return CycleRecord.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"the watch record {product.record_path} is damaged: {exc}") from exc


def overdue(record: CycleRecord, now: datetime, grace: timedelta) -> bool:
    """The watcher missed its next run by more than ``grace`` (stopped, hung, or its timer does not fire)."""
    return record.next_run is not None and to_utc(now) > record.next_run + grace


__all__ = [
    "CycleRecord",
    "CycleTracker",
    "WatchProduct",
    "newest_frame",
    "overdue",
    "read_record",
    "write_record",
]
