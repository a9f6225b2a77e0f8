"""A local NOAA: one satellite/sector/band archive for a UTC range, served as a STAR CDN and as NOAA's S3.

The S3 side holds real-schema ABI L1b NetCDF files (``abi_file``) under real keys (each key is the file's own
``dataset_name`` under its hour prefix) with realistic scan start seconds (CONUS Mode 6: :01:17.3 ...). The CDN
side holds JPG frames named by the scan start minute, listed only within its retention window. Like real
archives, a few slots are absent (seeded, chosen separately on each side). Nothing exists after ``now``.

Tests can add corrupt objects (truncated NetCDF) and hostile keys (``../``, nested, backslashes, unparseable)
for chosen slots, and inject faults at run time through ``emulator.cdn`` and ``emulator.s3``.
"""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import netCDF4

from goesvfi.integrity_check.emulator.abi_file import abi_l1b_bytes
from goesvfi.integrity_check.emulator.abi_scene import scene_seed
from goesvfi.integrity_check.emulator.cdn_server import CdnArchive, CdnServer
from goesvfi.integrity_check.emulator.names import bucket, has_cdn, hour_prefix, sat_number, scan_slots, start_of_name
from goesvfi.integrity_check.emulator.names import utc as to_utc
from goesvfi.integrity_check.emulator.network import NetworkConditions
from goesvfi.integrity_check.emulator.s3_server import MotoS3Server, scan_start
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import SatellitePattern, Sector


def _dataset_name(data: bytes) -> str:
    from goesvfi.integrity_check.render.netcdf import NETCDF_LOCK

    with NETCDF_LOCK:
        ds = netCDF4.Dataset("in-memory.nc", "r", memory=data)
        try:
            return str(ds.getncattr("dataset_name"))
        finally:
            ds.close()


def _abi_file(
    satellite: SatellitePattern, sector: Sector, band: int, start: datetime, shape: tuple[int, int], seed: int
) -> tuple[bytes, str]:
    """A file's bytes and its own ``dataset_name`` (the NOAA file name, as in the real archive)."""
    data = abi_l1b_bytes(satellite=satellite, sector=sector, band=band, start=start, shape=shape, seed=seed)
    name = _dataset_name(data)
    if start_of_name(name) != start:
        raise RuntimeError(f"the ABI writer named its file {name!r} for a scan starting {start}")
    return data, name


_CACHED_PIXELS = 10_000
# Tests start many emulators over the same range with small files (~40 KB at 60 x 100), each taking tens of
# milliseconds to write: keep up to 1024 of them (~50 MB at most). Larger files are made afresh.
_cached_abi_file = functools.lru_cache(maxsize=1024)(_abi_file)


# Periods NOAA produced nothing for a sector, that the emulator leaves out by default (DOMAIN.md): GOES-17's
# Mode 3 cooling timeline on 2020-04-10 had no CONUS files 06:01-11:56 UTC.
NEVER_PRODUCED: dict[tuple[int, Sector], tuple[tuple[datetime, datetime], ...]] = {
    (17, Sector.CONUS): ((datetime(2020, 4, 10, 6, tzinfo=UTC), datetime(2020, 4, 10, 12, tzinfo=UTC)),),
}


def _sample(slots: list[datetime], fraction: float, rng: random.Random) -> set[datetime]:
    if not 0.0 <= fraction <= 1.0:
        raise ValueError("a missing fraction must be between 0 and 1")
    return set(rng.sample(slots, round(len(slots) * fraction)))


class NoaaEmulator:
    """Build and serve one archive; ``start()``/``stop()``, ``with`` or ``async with``.

    After ``start()``: ``cdn_url``, ``s3_endpoint``, ``env()``, ``settings()``; which slots exist where:
    ``expected`` (every slot of the range), ``s3_slots`` (a valid object exists), ``s3_keys``/``s3_starts`` (per
    slot, including corrupt ones), ``cdn_slots`` (listed on the CDN now), ``missing_everywhere``.
    """

    def __init__(
        self,
        satellite: SatellitePattern = SatellitePattern.GOES_18,
        sector: Sector = Sector.CONUS,
        band: int = 13,
        *,
        start: datetime,
        end: datetime,
        now: datetime | None = None,
        missing_fraction: float = 0.02,
        cdn_missing_fraction: float | None = None,
        seed: int = 0,
        nc_shape: tuple[int, int] = (150, 250),
        cdn_retention_days: float = 7.0,
        cdn_sizes: Iterable[tuple[int, int]] = (),
        corrupt_slots: Iterable[datetime] = (),
        hostile_slots: Iterable[datetime] = (),
        never_produced: Iterable[tuple[datetime, datetime]] | None = None,
        s3_absent: Iterable[datetime] = (),
        cdn_absent: Iterable[datetime] = (),
        serve_s3: bool = True,
        latency: float = 0.0,
        bandwidth: float | None = None,
        host: str = "127.0.0.1",
        cdn_port: int = 0,
        s3_port: int = 0,
    ) -> None:
        sat_number(satellite)  # refuses GENERIC
        if not 1 <= int(band) <= 16:
            raise ValueError(f"band {band} is not an ABI band (1-16)")
        self.satellite, self.sector, self.band = satellite, sector, int(band)
        self.start_time, self.end_time = to_utc(start), to_utc(end)
        self.now = to_utc(now) if now is not None else datetime.now(UTC)
        self.nc_shape = nc_shape
        self.serve_s3 = serve_s3
        self.expected = scan_slots(sector, self.start_time, self.end_time)
        if not self.expected:
            raise ValueError("the range holds no scan times: check start and end")
        windows = NEVER_PRODUCED.get((sat_number(satellite), sector), ()) if never_produced is None else never_produced
        windows = tuple((to_utc(a), to_utc(b)) for a, b in windows)
        self.never_produced = [s for s in self.expected if any(a <= s < b for a, b in windows)]
        skipped = set(self.never_produced)
        existing = [s for s in self.expected if s <= self.now and s not in skipped]
        self.corrupt_slots = sorted(set(map(to_utc, corrupt_slots)) & set(existing))
        self.hostile_slots = sorted(set(map(to_utc, hostile_slots)) & set(existing))
        absent_s3 = _sample(existing, missing_fraction, random.Random(seed)) | set(self.hostile_slots)
        absent_s3 |= set(map(to_utc, s3_absent))
        cdn_fraction = missing_fraction if cdn_missing_fraction is None else cdn_missing_fraction
        absent_cdn = _sample(existing, cdn_fraction, random.Random(seed + 1)) | set(map(to_utc, cdn_absent))
        rng = random.Random(seed + 2)
        self.s3_starts = {s: scan_start(satellite, sector, s, rng) for s in existing if s not in absent_s3 and serve_s3}
        self.s3_keys: dict[datetime, str] = {}
        self.cdn_frames = [s for s in existing if s not in absent_cdn] if has_cdn(sector) else []
        self._cdn_archive = (
            CdnArchive(satellite, sector, band, frozenset(self.cdn_frames), tuple(cdn_sizes))
            if has_cdn(sector)
            else None
        )
        # Both servers share the conditions (``network.set()`` changes both); they apply once the archive is
        # uploaded (setting it up and tearing it down go at loopback speed).
        self._conditions = NetworkConditions(latency, bandwidth)
        self.network = NetworkConditions()
        self.cdn = CdnServer(
            [self._cdn_archive] if self._cdn_archive else [],
            now=self.now,
            retention_days=cdn_retention_days,
            host=host,
            port=cdn_port,
            network=self.network,
        )
        self.s3 = MotoS3Server(host, s3_port, network=self.network)
        self._seed = seed

    # ---- what exists --------------------------------------------------------------------------------

    @property
    def s3_slots(self) -> list[datetime]:
        """Slots with a valid S3 object (corrupt ones excluded)."""
        return sorted(set(self.s3_starts) - set(self.corrupt_slots))

    @property
    def cdn_slots(self) -> list[datetime]:
        """Slots the CDN lists now (within its retention window)."""
        return self.cdn.visible(self._cdn_archive) if self._cdn_archive else []

    @property
    def missing_everywhere(self) -> list[datetime]:
        return sorted(set(self.expected) - set(self.s3_slots) - set(self.cdn_slots))

    @property
    def cdn_archive(self) -> CdnArchive | None:
        """The CDN band folder this archive serves (None: a meso sector, which the CDN lacks)."""
        return self._cdn_archive

    @property
    def bucket(self) -> str:
        return bucket(self.satellite)

    @property
    def cdn_url(self) -> str:
        return self.cdn.url

    @property
    def s3_endpoint(self) -> str:
        return self.s3.endpoint

    def env(self) -> dict[str, str]:
        """The environment that points the tool at this emulator; its NetCDF files are reduced grids (a tenth of
        NOAA's in each direction, often less), which the tool accepts only when told."""
        return {
            "GOESVFI_CDN_URL": self.cdn_url,
            "GOESVFI_S3_ENDPOINT": self.s3_endpoint,
            "GOESVFI_NETCDF_MIN_GRID": "0.001",
        }

    def settings(self, **overrides: Any) -> FetchSettings:
        """:class:`FetchSettings` pointing at this emulator (plus ``overrides``)."""
        return FetchSettings.from_env(self.env(), **overrides)

    # ---- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> NoaaEmulator:
        self.cdn.start()
        try:
            self.s3.start()
            if self.serve_s3:
                self.s3.create_bucket(self.bucket)
                self._upload()
        except BaseException:
            self.stop()
            raise
        self.network.set(self._conditions.latency, self._conditions.bandwidth)
        return self

    def stop(self) -> None:
        self.network.set()  # deleting the bucket goes at loopback speed
        try:
            self.s3.stop()
        finally:
            self.cdn.stop()

    def _upload(self) -> None:
        """Write every object (NetCDF made here, serially: HDF5 is not thread-safe) and upload in a pool."""
        with ThreadPoolExecutor(4, thread_name_prefix="s3-upload") as pool:
            futures = []
            for slot, start in sorted(self.s3_starts.items()):
                data, name = self._netcdf(start)
                key = hour_prefix(self.sector, start) + name
                self.s3_keys[slot] = key
                if slot in self.corrupt_slots:
                    data = data[: len(data) // 2]  # a truncated download: HDF5 cannot open it
                futures.append(pool.submit(self.s3.put, self.bucket, key, data))
            for j, slot in enumerate(self.hostile_slots):
                start = scan_start(self.satellite, self.sector, slot, random.Random(j))
                data, name = self._netcdf(start)
                prefix = hour_prefix(self.sector, start)
                for key in (
                    f"{prefix}../../../../tmp/{name}",  # climbs out of the hour folder
                    f"{prefix}nested/{name}",  # not directly under the hour prefix
                    f"{prefix}..\\..\\{name}",  # Windows separators
                    f"{prefix}{name}.part",  # does not parse as a NOAA name
                ):
                    futures.append(pool.submit(self.s3.put, self.bucket, key, data))
            for future in futures:
                future.result()

    def _netcdf(self, start: datetime) -> tuple[bytes, str]:
        """The slot's file: the scene of its minute, seeded by the band as the CDN's JPGs are (one scene)."""
        args = (self.satellite, self.sector, self.band, start, self.nc_shape, scene_seed(self.band))
        small = self.nc_shape[0] * self.nc_shape[1] <= _CACHED_PIXELS
        return _cached_abi_file(*args) if small else _abi_file(*args)

    def __enter__(self) -> NoaaEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> NoaaEmulator:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)
