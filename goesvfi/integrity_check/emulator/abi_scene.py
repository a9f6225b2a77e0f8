"""Geometry and synthetic content of the emulator's ABI scenes (pure numpy, no I/O).

Sizes and scan angles are those of GOES-East's 2 km files; a smaller ``shape`` spreads the same extent over
fewer pixels, so full-disk tests at 101 x 101 still see the Earth's limb.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from goesvfi.integrity_check.time_index import Sector

# Sector geometry at 2 km: native (y, x) size, scan-angle origin and step (radians) of GOES-East's files.
_NATIVE_SHAPE = {Sector.CONUS: (1500, 2500), Sector.FULL_DISK: (5424, 5424), Sector.MESO1: (500, 500)}
_ANGLE_ORIGIN = {
    Sector.CONUS: (0.128212, -0.101332),
    Sector.FULL_DISK: (0.151844, -0.151844),
    Sector.MESO1: (0.10, -0.01),
}
_ANGLE_STEP = 5.6e-05
H = 42164160.0  # satellite distance from the Earth's centre (m)
R_EQ, R_POL = 6378137.0, 6356752.31414
_EPOCH = datetime(2017, 1, 1, tzinfo=UTC)  # scene time counts hours from here (float32-friendly magnitudes)


def geometry_key(sector: Sector) -> Sector:
    return Sector.MESO1 if sector is Sector.MESO2 else sector


def default_shape(sector: Sector, scale: int = 1) -> tuple[int, int]:
    """The sector's (y, x) size at 2 km (CONUS 1500 x 2500, full disk 5424 x 5424, meso 500 x 500), times
    ``scale`` (pixels per 2 km: 2 at 1 km, 4 at 0.5 km)."""
    rows, cols = _NATIVE_SHAPE[geometry_key(sector)]
    return rows * scale, cols * scale


def scan_angles(sector: Sector, shape: tuple[int, int]) -> tuple[tuple[float, float], tuple[float, float]]:
    """((y_offset, y_scale), (x_offset, x_scale)): the sector's extent spread over ``shape`` pixels."""
    key = geometry_key(sector)
    ny0, nx0 = _NATIVE_SHAPE[key]
    y0, x0 = _ANGLE_ORIGIN[key]
    return (y0, -_ANGLE_STEP * ny0 / shape[0]), (x0, _ANGLE_STEP * nx0 / shape[1])


def no_value_mask(sector: Sector, shape: tuple[int, int]) -> np.ndarray:
    """Pixels without data: space off the limb for the full disk, a small top-left corner otherwise."""
    ny, nx = shape
    if geometry_key(sector) is Sector.FULL_DISK:
        (y0, ys), (x0, xs) = scan_angles(sector, shape)
        y = y0 + ys * np.arange(ny)
        x = x0 + xs * np.arange(nx)
        # GOES-R PUG navigation: the line of sight meets the ellipsoid iff b^2 - 4ac >= 0, which (divided by
        # cos^2 x) reads tan^2 x <= T(y): one comparison of two 1-D arrays.
        cos2, sin2 = np.cos(y) ** 2, np.sin(y) ** 2
        limit = H**2 * cos2 / (H**2 - R_EQ**2) - (cos2 + (R_EQ / R_POL) ** 2 * sin2)
        return np.asarray(np.tan(x)[None, :] ** 2 > limit[:, None])
    fy = np.arange(ny, dtype=np.float32)[:, None] / ny
    fx = np.arange(nx, dtype=np.float32)[None, :] / nx
    return np.asarray(fx + fy < 0.08)


def scene_seed(band: int) -> int:
    """The scene of a band's frames, on the CDN and on S3 alike."""
    return band


def scene_time(scan_start: datetime) -> datetime:
    """The minute a scan's scene belongs to: its start rounded to the nearest minute, the minute the CDN's file
    name carries (CONUS :01:17.3 -> :01, Mode 3 :02:19.9 -> :02; Meso 2's :00:55 -> :01, its slot)."""
    return (scan_start + timedelta(seconds=30)).replace(second=0, microsecond=0)


def synthetic_scene(
    shape: tuple[int, int], seed: int = 0, when: datetime | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(brightness temperature K, cloud amount 0-1) of a plausible band-13 scene, float32, at minute ``when``.

    Warm ground (~283-301 K, warmer to the south, gently wavy) under a few smooth cloud blobs whose coldest
    tops reach ~200 K. The blobs drift east and back (a fifth to a half of the frame per hour) and slowly deepen
    and thin, so neighbouring slots differ and a day is a moving picture. The scene is a function of the frame's
    relative coordinates: the same ``(seed, when)`` at any ``shape`` is one picture (the emulator's CDN JPG and
    S3 NetCDF of one slot). Blobs are separable Gaussians, so a 1500 x 2500 scene takes milliseconds.
    """
    rng = np.random.default_rng(seed)
    hours = 0.0 if when is None else (when - _EPOCH).total_seconds() / 3600.0
    ny, nx = shape
    fy = np.linspace(0.0, 1.0, ny, dtype=np.float32)
    fx = np.linspace(0.0, 1.0, nx, dtype=np.float32)
    wave = 3.0 * np.sin(2.0 * np.pi * (1.5 * fx + rng.uniform())).astype(np.float32)
    bt = np.add.outer(286.0 + 10.0 * fy, wave, dtype=np.float32)
    cloud = np.zeros(shape, dtype=np.float32)
    tmp = np.empty(shape, dtype=np.float32)
    for k in range(6):
        cy, cx = rng.uniform(0.15, 0.85, size=2)
        sy, sx = rng.uniform(0.05, 0.16, size=2)
        depth = 1.0 if k == 0 else rng.uniform(0.35, 0.9)
        speed, period, phase = rng.uniform(0.2, 0.5), rng.uniform(2.0, 6.0), rng.uniform(0.0, 2.0 * np.pi)
        # East and back between 0.1 and 0.9 of the width at ``speed`` frames an hour (continuous in time); the
        # first, deepest storm keeps its cold tops (STAR's colours start below 238 K), the others wax and wane.
        swing = (cx + speed * hours / 1.6) % 1.0
        cx = 0.1 + 0.8 * (1.0 - abs(2.0 * swing - 1.0))
        if k:
            depth *= 0.8 + 0.2 * np.sin(2.0 * np.pi * hours / period + phase)
        gy = (depth * np.exp(-(((fy - cy) / sy) ** 2))).astype(np.float32)
        gx = np.exp(-(((fx - cx) / sx) ** 2)).astype(np.float32)
        np.multiply.outer(gy, gx, out=tmp)
        np.maximum(cloud, tmp, out=cloud)
    # bt = ground - cloud * (ground - 200 K), in place
    np.subtract(bt, np.float32(200.0), out=tmp)
    tmp *= cloud
    bt -= tmp
    return bt, cloud


WATER_VAPOUR_BANDS = (8, 9, 10)
WATER_VAPOUR_SCENE = (195.0, 263.0)
"""Kelvin span the emulator's water-vapour bands see: the mid troposphere, never the warm ground."""


def band_scene(bt: np.ndarray, band: int) -> np.ndarray:
    """The band-13 scene ``bt`` as emissive ``band`` sees it: water-vapour bands (8-10) spread its 180-330 K over
    :data:`WATER_VAPOUR_SCENE` (~245 K ground, cloud tops near 200 K); the window bands see it unchanged. The
    emulator's own numbers: a scene, not a look."""
    if band not in WATER_VAPOUR_BANDS:
        return bt
    lo, hi = WATER_VAPOUR_SCENE
    out = np.subtract(bt, np.float32(180.0), dtype=np.float32)
    out *= np.float32((hi - lo) / 150.0)
    out += np.float32(lo)
    return out


def reflectance_scene(bt: np.ndarray, cloud: np.ndarray) -> np.ndarray:
    """Reflectance of the scene (bands 1-6): dark ground with the texture of its temperatures (no row is one
    value), bright clouds."""
    ground = np.clip((bt - 280.0) * 0.004, 0.0, 0.1)
    return np.asarray(0.06 + ground + 0.75 * cloud, dtype=np.float32)
