"""A local NOAA for GOES-East or GOES-West over a range that crosses a satellite change.

One :class:`NoaaEmulator` per satellite (each its bucket; moto keeps one state per process, so one S3 endpoint
serves every bucket) and one CDN server listing every satellite's band folder. The emulator's own table of what
each bucket holds, written from DOMAIN.md (never the client's ``time_index.operational``):

- East: GOES-16's files run to about 18:30 UTC on 2025-04-07; GOES-19 holds data before its operational date too
  (pre-operational), so a client that asks it for older slots would find them: tests read the request logs.
- West: GOES-17's imager ran until 2023-01-10; GOES-18 holds data from 2022.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from goesvfi.integrity_check.emulator.cdn_server import CdnServer
from goesvfi.integrity_check.emulator.names import utc
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

DataSpan = tuple[SatellitePattern, datetime | None, datetime | None]
EAST_DATA: tuple[DataSpan, ...] = (
    (SatellitePattern.GOES_16, None, datetime(2025, 4, 7, 18, 30, tzinfo=UTC)),
    (SatellitePattern.GOES_19, datetime(2024, 10, 1, tzinfo=UTC), None),
)
WEST_DATA: tuple[DataSpan, ...] = (
    (SatellitePattern.GOES_17, None, datetime(2023, 1, 11, tzinfo=UTC)),
    (SatellitePattern.GOES_18, datetime(2022, 5, 1, tzinfo=UTC), None),
)


class ViewEmulator:
    """Every satellite of ``spans`` serving its data within ``[start, end)``; ``start()``/``stop()`` or ``with``.

    ``parts``: one :class:`NoaaEmulator` per satellite with data in the range; ``cdn`` serves all their CDN folders
    (its request log sees every JPG and index asked), ``s3`` is the first part's server (its request log sees every
    bucket's requests). Other keyword arguments go to each part (``nc_shape``, ``missing_fraction`` ...).
    """

    def __init__(
        self,
        spans: tuple[DataSpan, ...],
        sector: Sector = Sector.CONUS,
        band: int = 13,
        *,
        start: datetime,
        end: datetime,
        now: datetime | None = None,
        cdn_retention_days: float = 7.0,
        host: str = "127.0.0.1",
        **part_options: Any,
    ) -> None:
        start, end = utc(start), utc(end)
        self.now = utc(now) if now is not None else datetime.now(UTC)
        self.parts: list[NoaaEmulator] = []
        for i, (satellite, first, last) in enumerate(spans):
            lo = start if first is None else max(start, first)
            hi = end if last is None else min(end, last)
            if lo < hi:
                options: dict[str, Any] = {"seed": i, "cdn_retention_days": cdn_retention_days, "host": host}
                options |= part_options
                self.parts.append(NoaaEmulator(satellite, sector, band, start=lo, end=hi, now=self.now, **options))
        if not self.parts:
            raise ValueError("no satellite of the view has data in the range")
        archives = [p.cdn_archive for p in self.parts if p.cdn_archive is not None]
        self.cdn = CdnServer(archives, now=self.now, retention_days=cdn_retention_days, host=host)

    @property
    def s3(self) -> Any:
        return self.parts[0].s3

    def part(self, satellite: SatellitePattern) -> NoaaEmulator:
        return next(p for p in self.parts if p.satellite is satellite)

    def env(self) -> dict[str, str]:
        """As :meth:`NoaaEmulator.env`: its parts' reduced NetCDF grids included."""
        return self.parts[0].env() | {"GOESVFI_CDN_URL": self.cdn.url}

    def settings(self, **overrides: Any) -> FetchSettings:
        return FetchSettings.from_env(self.env(), **overrides)

    def start(self) -> ViewEmulator:
        try:
            for part in self.parts:
                part.start()
            self.cdn.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        try:
            self.cdn.stop()
        finally:
            for part in reversed(self.parts):
                part.stop()

    def __enter__(self) -> ViewEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
