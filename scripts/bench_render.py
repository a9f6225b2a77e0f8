"""Benchmark: render a RadC band-13 file (1500 x 2500) to PNG, project renderer vs plain matplotlib.

    .venv/bin/python scripts/bench_render.py [--repeat 5] [--colormap gray_r]

Writes a synthetic real-schema ABI L1b file (smooth scene plus ``--noise`` kelvin of texture, so that
compression works about as hard as on real imagery), then times, in the same run:
- ``render_png`` (the project's renderer: decode + per-count lookup table + ``render/png_writer`` PNG);
- the baseline: the same decode (``brightness_temperature``) + a matplotlib Figure sized to the native
  pixels + ``imshow(cmap, vmin, vmax)`` + ``savefig`` (bad pixels black, as the project draws them);
- ``brightness_temperature`` alone (the decode both share).
Prints median seconds, the speed-up, and the largest pixel difference between the two PNGs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from goesvfi.integrity_check.emulator.abi_file import default_shape, synthetic_scene, write_abi_l1b
from goesvfi.integrity_check.render.colormaps import get_colormap
from goesvfi.integrity_check.render.netcdf import brightness_temperature, render_png
from goesvfi.integrity_check.render.png_writer import DEFAULT_BACKEND
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

VMIN, VMAX, DPI = 180.0, 330.0, 100


def matplotlib_png(nc: Path, png: Path, colormap: str) -> None:
    """The plain way: decode, then figure + imshow + savefig at native size."""
    bt = brightness_temperature(nc)
    height, width = bt.shape
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    cmap = get_colormap(colormap, VMIN, VMAX).with_extremes(bad="black")
    ax.imshow(bt, cmap=cmap, vmin=VMIN, vmax=VMAX, interpolation="nearest")
    fig.savefig(png, dpi=DPI)


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up: imports, caches
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--colormap", default="gray_r", help="a matplotlib colour map name or enhanced_ir")
    parser.add_argument(
        "--noise", type=float, default=1.0, help="kelvin of pixel noise on the smooth synthetic scene (texture)"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench_render_") as tmp:
        folder = Path(tmp)
        start = datetime(2024, 5, 31, 0, 1, 17, 300000, tzinfo=UTC)
        scene, _ = synthetic_scene(default_shape(Sector.CONUS), seed=1)
        scene += np.random.default_rng(1).normal(0.0, args.noise, scene.shape).astype(np.float32)
        scene[:40, :40] = np.nan  # a corner of fill pixels
        nc = write_abi_l1b(
            folder / "radc.nc", satellite=SatellitePattern.GOES_16, sector=Sector.CONUS, band=13, start=start,
            bt_kelvin=scene,
        )  # fmt: skip
        ours, theirs = folder / "ours.png", folder / "matplotlib.png"
        rows = [
            ("brightness_temperature (decode only)", median_seconds(lambda: brightness_temperature(nc), args.repeat)),
            ("render_png (project)", median_seconds(lambda: render_png(nc, ours, colormap=args.colormap), args.repeat)),
            (
                "matplotlib figure + imshow + savefig",
                median_seconds(lambda: matplotlib_png(nc, theirs, args.colormap), args.repeat),
            ),
        ]
        a = np.asarray(Image.open(ours).convert("RGB"), dtype=np.int16)
        b = np.asarray(Image.open(theirs).convert("RGB"), dtype=np.int16)
        if a.shape != b.shape:
            print(f"size mismatch: ours {a.shape}, matplotlib {b.shape}", file=sys.stderr)
            return 1
        diff = int(np.abs(a - b).max())
        differing = float((np.abs(a - b).max(axis=-1) > 0).mean())
        size_mb = nc.stat().st_size / 1e6
        png_mb = (ours.stat().st_size / 1e6, theirs.stat().st_size / 1e6)

    print(f"RadC band 13, {a.shape[1]}x{a.shape[0]}, file {size_mb:.1f} MB, noise {args.noise} K, "
          f"colour map {args.colormap}, median of {args.repeat}")  # fmt: skip
    print("| step | median s |")
    print("|---|---|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.3f} |")
    print(f"| speed-up render_png vs matplotlib | {rows[2][1] / rows[1][1]:.1f}x |")
    print(
        f"| PNG size MB: project (L / RGB, Up filter, {DEFAULT_BACKEND} level 1) vs matplotlib (RGBA, zlib 6) "
        f"| {png_mb[0]:.1f} vs {png_mb[1]:.1f} |"
    )
    print(f"| max pixel difference (levels) | {diff} ({differing:.4%} of pixels differ) |")
    return 0 if diff <= 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
