#!/usr/bin/env python3
"""Run a local NOAA (STAR CDN + S3) on 127.0.0.1 for one satellite/sector/band and UTC range, until Ctrl-C.

    python scripts/noaa_emulator.py --satellite goes18 --sector conus --band 13 \\
        --start 2023-05-01T00:00 --end 2023-05-02T00:00 [--now 2023-05-02T00:00] [--missing-fraction 0.02] \\
        [--latency 60] [--bandwidth 20]

``--satellite east`` (or ``west``) serves a range across a satellite change: one bucket per satellite with data
then (GOES-16 to 2025-04-07 18:30, GOES-19 from late 2024 ...) behind one S3 endpoint, one CDN with both folders.

``--latency`` (ms before each response) and ``--bandwidth`` (MB/s per connection) play a NOAA-like network.

It prints ``export GOESVFI_CDN_URL=...``, ``export GOESVFI_S3_ENDPOINT=...`` and ``export
GOESVFI_NETCDF_MIN_GRID=0.001`` (its NetCDF files are reduced grids) on stdout (the rest goes to stderr), so
``eval "$(python scripts/noaa_emulator.py ... | head -3)"`` in another shell, or copying the three lines, points
``goesvfi-integrity`` at it. Pass the same ``--now`` to the tool to place its CDN cutoff alike.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import UTC, datetime, timedelta
from types import FrameType

from goesvfi.integrity_check.time_index import SatellitePattern, Sector, iso_z, parse_size, to_utc


def _utc(text: str) -> datetime:
    try:
        return to_utc(datetime.fromisoformat(text.strip().replace(" ", "T")))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time like 2023-05-01T00:00Z") from None


def _size(text: str) -> tuple[int, int]:
    """Two numbers written ``AxB``: a CDN image's width x height, or a NetCDF file's rows x columns (its (y, x))."""
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _satellite(text: str) -> SatellitePattern | str:
    """A satellite, or ``east`` / ``west`` (a range across a satellite change)."""
    key = text.strip().lower().replace("goes-", "").replace("goes_", "")
    if key in ("east", "west"):
        return key
    try:
        return SatellitePattern.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc}, east or west") from None


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("the missing fraction must be between 0 and 1")
    return value


def _band(text: str) -> int:
    try:
        band = int(text)
    except ValueError:
        band = 0
    if not 1 <= band <= 16:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ABI band: use 1 to 16")
    return band


def _milliseconds(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 60_000:
        raise argparse.ArgumentTypeError("the latency must be 0 to 60000 ms")
    return value / 1000


def _megabytes(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("the bandwidth must be a positive number of MB/s")
    return value * 1e6


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--satellite",
        type=_satellite,
        default=SatellitePattern.GOES_18,
        metavar="SAT",
        help="the satellite (and S3 bucket) to serve: goes16, goes17, goes18 or goes19 (goes18); east or west: a "
        "range across a satellite change",
    )
    p.add_argument(
        "--sector",
        type=Sector.parse,
        default=Sector.CONUS,
        metavar="SECTOR",
        help="conus, fd, m1 or m2 (conus); mesoscale sectors are served on S3 only, as by NOAA",
    )
    p.add_argument("--band", type=_band, default=13, metavar="N", help="ABI band 1-16 (13)")
    p.add_argument("--start", type=_utc, help="UTC start (default: 6 hours before --end)")
    p.add_argument("--end", type=_utc, help="UTC end, exclusive (default: --now)")
    p.add_argument("--now", type=_utc, help="the emulator's clock for CDN retention (default: the real UTC time)")
    p.add_argument("--missing-fraction", type=_fraction, default=0.02, help="slots absent on each side (0.02)")
    p.add_argument("--seed", type=int, default=0, help="seed for which slots are absent (0)")
    p.add_argument("--nc-shape", type=_size, default=(150, 250), help="NetCDF rows x columns (150x250)")
    p.add_argument("--cdn-days", type=float, default=7.0, help="CDN retention in days (7)")
    p.add_argument("--latency", type=_milliseconds, default=0.0, help="delay before each response, ms (0)")
    p.add_argument("--bandwidth", type=_megabytes, default=None, help="bytes/s per connection, in MB/s (unthrottled)")
    p.add_argument(
        "--prerender",
        type=_size,
        metavar="WxH",
        help="render every listed CDN frame at this size before serving (benchmarks: NOAA renders on its own "
        "machines, so the emulator should not render on the cores of the client it serves)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address both servers listen on (127.0.0.1)")
    p.add_argument("--cdn-port", type=int, default=0, help="0 = any free port")
    p.add_argument("--s3-port", type=int, default=0, help="0 = any free port")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    now = args.now or datetime.now(UTC).replace(second=0, microsecond=0)
    end = args.end or now
    start = args.start or end - timedelta(hours=6)
    if end <= start:
        print("error: --end must be after --start", file=sys.stderr)
        return 2
    if isinstance(args.satellite, str):
        return _serve_view(args, start, end, now)
    from goesvfi.integrity_check.emulator.noaa import NoaaEmulator  # heavy (moto, netCDF4): after the checks

    try:
        emulator = NoaaEmulator(
            args.satellite, args.sector, args.band, start=start, end=end, now=now,
            missing_fraction=args.missing_fraction, seed=args.seed, nc_shape=args.nc_shape,
            cdn_retention_days=args.cdn_days, latency=args.latency, bandwidth=args.bandwidth, host=args.host,
            cdn_port=args.cdn_port, s3_port=args.s3_port,
        )  # fmt: skip
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(f"Building {args.satellite.display_name} {args.sector.display_name} band {args.band} ...", file=sys.stderr)
    try:
        emulator.start()
    except OSError as exc:
        print(f"error: cannot start the emulator: {exc}", file=sys.stderr)
        return 1
    try:
        if args.prerender is not None:
            count = emulator.cdn.prerender(args.prerender)
            print(f"Rendered {count} CDN frames of {args.prerender[0]}x{args.prerender[1]}", file=sys.stderr)
        absent = len(emulator.expected) - len(emulator.s3_slots)
        print(
            f"NOAA emulator: {iso_z(start)} -> {iso_z(end)}, now = {iso_z(now)}\n"
            f"  S3  {emulator.s3_endpoint}: bucket {emulator.bucket}, {len(emulator.s3_slots)} of "
            f"{len(emulator.expected)} slots ({absent} absent)\n"
            f"  CDN {emulator.cdn_url}: {len(emulator.cdn_slots)} frames listed (retention {args.cdn_days:g} days)\n"
            f"  network: {emulator.network.describe()}",
            file=sys.stderr,
        )
        _export_and_wait(emulator.env(), now, stop)
    finally:
        emulator.stop()
        print("Emulator stopped.", file=sys.stderr)
    return 0


def _serve_view(args: argparse.Namespace, start: datetime, end: datetime, now: datetime) -> int:
    """``--satellite east|west``: every satellite of the view with data in the range, one endpoint each side."""
    from goesvfi.integrity_check.emulator.view import EAST_DATA, WEST_DATA, ViewEmulator

    try:
        emulator = ViewEmulator(
            EAST_DATA if args.satellite == "east" else WEST_DATA, args.sector, args.band, start=start, end=end,
            now=now, cdn_retention_days=args.cdn_days, host=args.host, missing_fraction=args.missing_fraction,
            nc_shape=args.nc_shape,
        )  # fmt: skip
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda _s, _f: stop.set())
    signal.signal(signal.SIGTERM, lambda _s, _f: stop.set())
    print(
        f"Building GOES-{args.satellite.capitalize()} {args.sector.display_name} band {args.band} ...", file=sys.stderr
    )
    try:
        emulator.start()
    except OSError as exc:
        print(f"error: cannot start the emulator: {exc}", file=sys.stderr)
        return 1
    try:
        for part in emulator.parts:
            print(
                f"  {part.satellite.display_name}: bucket {part.bucket}, {iso_z(part.start_time)} -> "
                f"{iso_z(part.end_time)}, {len(part.s3_slots)} of {len(part.expected)} slots",
                file=sys.stderr,
            )
        _export_and_wait(emulator.env(), now, stop)
    finally:
        emulator.stop()
        print("Emulator stopped.", file=sys.stderr)
    return 0


def _export_and_wait(env: dict[str, str], now: datetime, stop: threading.Event) -> None:
    """Print the ``export`` lines that point the tool at the emulator, then serve until Ctrl-C or SIGTERM."""
    for name, value in env.items():
        print(f"export {name}={value}")
    sys.stdout.flush()
    print(f"Point the tool at it with the export lines above (and --now {iso_z(now)}). Ctrl-C stops.", file=sys.stderr)
    stop.wait()


if __name__ == "__main__":
    sys.exit(main())
