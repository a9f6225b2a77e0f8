"""Benchmark: render a RadC band-13 file (1500 x 2500) to PNG, project renderer vs plain matplotlib.

    .venv/bin/python scripts/bench_render.py [--repeat 5] [--colormap gray_r]

Writes a synthetic real-schema ABI L1b file (smooth scene plus ``--noise`` kelvin of texture, so that
compression works about as hard as on real imagery), then times, in the same run:
- ``render_png`` (the project's renderer: decode + per-count lookup table + ``render/png_writer`` PNG);
- the baseline: the same decode (``brightness_temperature``) + a matplotlib Figure sized to the native
  pixels + ``imshow(cmap, vmin, vmax)`` + ``savefig`` (bad pixels black, as the project draws them);
- ``brightness_temperature`` alone (the decode both share).
Prints median seconds, the speed-up, and the largest pixel difference between the two PNGs.

Then the costs of the folder's look (one frame each): the ``star`` table (STAR's colours, RGB) against the
default grey on the same RadC file, building the star per-count table alone, and the full-disk resample
5424 -> 1808 (an exact 3 x 3 block mean) of an RGB and a greyscale frame, plus a whole full-disk frame rendered
in the CDN's look (decode, star, resample, PNG) from a 5424 x 5424 file (``--no-fd`` skips the full disk).
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
from goesvfi.integrity_check.render.colormaps import get_colormap, star_colours
from goesvfi.integrity_check.render.netcdf import brightness_temperature, render_png
from goesvfi.integrity_check.render.png_writer import DEFAULT_BACKEND
from goesvfi.integrity_check.render.resample import resample
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
    parser.add_argument("--no-fd", action="store_true", help="skip the full-disk (5424 x 5424) rows")
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
        look_rows = look_costs(nc, folder, start, args.repeat, args.no_fd)
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
    print()
    print("The folder's look, per frame:")
    print("| step | median s |")
    print("|---|---|")
    for label, seconds in look_rows:
        print(f"| {label} | {seconds:.3f} |")
    return 0 if diff <= 1 else 1


def resample_costs(repeat: int) -> list[tuple[str, float]]:
    """The full-disk 5424 -> 1808 resample of a noisy RGB and greyscale frame."""
    rgb = np.random.default_rng(2).integers(0, 256, (5424, 5424, 3), dtype=np.uint8)
    grey = np.ascontiguousarray(rgb[:, :, 0])
    return [
        ("FD resample 5424 -> 1808, RGB (3x3 block mean)", median_seconds(lambda: resample(rgb, (1808, 1808)), repeat)),
        ("FD resample 5424 -> 1808, L (3x3 block mean)", median_seconds(lambda: resample(grey, (1808, 1808)), repeat)),
    ]


def look_costs(nc: Path, folder: Path, start: datetime, repeat: int, no_fd: bool) -> list[tuple[str, float]]:
    """Median seconds of the look's steps (see the module docstring)."""
    out = folder / "look.png"
    per_count = np.linspace(150.0, 350.0, 65536)
    rows = [
        ("RadC render_png gray_r (L, native)", median_seconds(lambda: render_png(nc, out), repeat)),
        ("RadC render_png star (RGB, native)", median_seconds(lambda: render_png(nc, out, colormap="star"), repeat)),
        ("star table for 65,536 counts (alone)", median_seconds(lambda: star_colours(per_count), repeat)),
    ]
    rows += resample_costs(repeat)
    if not no_fd:
        scene, _ = synthetic_scene(default_shape(Sector.FULL_DISK), seed=3)
        fd = write_abi_l1b(
            folder / "radf.nc", satellite=SatellitePattern.GOES_16, sector=Sector.FULL_DISK, band=13, start=start,
            bt_kelvin=scene,
        )  # fmt: skip
        del scene
        runs = max(1, repeat // 2)
        rows.append(
            (
                "FD render_png star, native 5424 (RGB)",
                median_seconds(lambda: render_png(fd, out, colormap="star"), runs),
            )
        )
        rows.append((
            "FD render_png star + resample to 1808 (the CDN's look)",
            median_seconds(lambda: render_png(fd, out, colormap="star", size=(1808, 1808)), runs),
        ))  # fmt: skip
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
