"""Real JPEG frames shaped like the STAR CDN's: the slot's scene (the one its S3 NetCDF holds) in the band's CDN
look, with a banner.

The CDN colours each band group with its own enhancement (DOMAIN.md: water vapour is not the longwave-window
table). The only one published is STAR's longwave-window table (bands 13-15), so only those bands get it: the
emulator's own copy of it (DOMAIN.md, "STAR's band-13 look": goestools' approximation, linear in RGB between the
points, clipped to 178-333 K), written here from the published points and never imported from the product, so a
test can judge the product's ``star`` renders against it. Every other emissive band is shown in its own grey,
inverted (cold white) over its published range (:data:`_GREY_KELVIN`), and the reflective bands as reflectance
greys: never another band's table.

Deterministic for (satellite, sector, band, time, size), so a test can fetch the same frame twice and get the
same bytes. Frames are made lazily and kept in a byte-bounded LRU cache.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from datetime import datetime

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from goesvfi.integrity_check.emulator.abi_scene import (
    band_scene,
    no_value_mask,
    reflectance_scene,
    scene_seed,
    synthetic_scene,
)
from goesvfi.integrity_check.emulator.names import utc as to_utc
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

FrameKey = tuple[SatellitePattern, Sector, int, datetime, tuple[int, int]]


# DOMAIN.md's table, kelvin -> hex colour, as published (from warm to cold).
_STAR_TABLE = (
    (333.0, "000000"),
    (238.0, "b9b9b9"),
    (237.999, "00ffff"),
    (228.0, "000080"),
    (218.0, "00ff00"),
    (208.0, "ffff00"),
    (198.0, "ff0000"),
    (188.0, "000000"),
    (178.0, "ffffff"),
)


_STAR_BANDS = (13, 14, 15)
"""The longwave-window bands: the CDN's JPGs of these use the table above (DOMAIN.md)."""
_GREY_KELVIN = {7: (164.15, 400.15), 8: (180.0, 280.0), 9: (180.0, 280.0), 10: (180.0, 280.0)}
_GREY_KELVIN |= {band: (163.0, 330.0) for band in (11, 12, 16)}
"""Kelvin black .. white of the other emissive bands' greys (inverted): Geo2Grid's ``abi.yaml`` channel_7_default and
channel_8/9/10_default, satpy's ``abi.yaml`` highlighted_brightness_temperature range for the rest."""


def star_rgb(kelvin: np.ndarray) -> np.ndarray:
    """STAR's band-13 colours of brightness temperatures (uint8 (..., 3); NaN = black)."""
    points = sorted(_STAR_TABLE)
    temps = np.array([k for k, _ in points])
    colours = np.array([[int(h[i : i + 2], 16) for i in (0, 2, 4)] for _, h in points], dtype=np.float64)
    k = np.asarray(kelvin, dtype=np.float64)
    bad = ~np.isfinite(k)
    k = np.clip(np.where(bad, 333.0, k), 178.0, 333.0)
    rgb = np.stack([np.interp(k, temps, colours[:, c]) for c in range(3)], axis=-1)
    rgb[bad] = 0
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def grey_rgb(kelvin: np.ndarray, band: int) -> np.ndarray:
    """An emissive band outside 13-15 as inverted grey over its range (uint8 (..., 3); NaN = black)."""
    cold, warm = _GREY_KELVIN[band]
    k = np.asarray(kelvin, dtype=np.float64)
    bad = ~np.isfinite(k)
    level = np.clip(np.rint((warm - np.where(bad, warm, k)) / (warm - cold) * 255.0), 0, 255).astype(np.uint8)
    level[bad] = 0
    return np.repeat(level[..., np.newaxis], 3, axis=-1)


def star_jpeg(kelvin: np.ndarray, *, quality: int = 85) -> bytes:
    """A CDN-like JPG (no banner) of a brightness-temperature scene in STAR's colours, at the scene's size."""
    out = io.BytesIO()
    Image.fromarray(star_rgb(kelvin), "RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def render_jpeg(
    satellite: SatellitePattern,
    sector: Sector,
    band: int,
    when: datetime,
    size: tuple[int, int],
    *,
    banner: bool = True,
    quality: int = 85,
) -> bytes:
    """The CDN's JPG of the slot at minute ``when``: the scene the emulator's S3 NetCDF of that slot holds
    (:func:`~.abi_scene.synthetic_scene`, same seed and minute, as the band sees it), in STAR's longwave colours
    (bands 13-15), the band's inverted grey (the other emissive bands) or reflectance greys (bands 1-6), no-value
    pixels black, plus STAR's banner strip."""
    width, height = size
    # The scene is smooth: compute it at a quarter of the size and let Pillow upsample it (bilinear).
    small = (max(2, height // 4), max(2, width // 4))
    kelvin, cloud = synthetic_scene(small, scene_seed(band), to_utc(when))
    if band <= 6:  # the NetCDF's reflectance as greys 0-1
        levels = np.clip(reflectance_scene(kelvin, cloud) * 255.0, 0, 255).astype(np.uint8)
        img = Image.fromarray(levels, "L").resize((width, height), Image.Resampling.BILINEAR).convert("RGB")
    else:
        seen = band_scene(kelvin, band)
        full = np.asarray(Image.fromarray(seen, "F").resize((width, height), Image.Resampling.BILINEAR))
        img = Image.fromarray(star_rgb(full) if band in _STAR_BANDS else grey_rgb(full, band), "RGB")
    pixels = np.asarray(img).copy()
    pixels[no_value_mask(sector, (height, width))] = 0  # space off the limb, the corner without data
    img = Image.fromarray(pixels, "RGB")
    if banner:
        strip = max(10, height // 25)
        draw = ImageDraw.Draw(img)
        draw.rectangle((0, 0, width, strip), fill=(0, 0, 0))
        try:
            font: ImageFont.ImageFont | ImageFont.FreeTypeFont = ImageFont.load_default(size=max(8, strip * 0.7))
        except (ImportError, OSError):
            font = ImageFont.load_default()
        where = {Sector.CONUS: "CONUS", Sector.FULL_DISK: "FD"}.get(sector, sector.display_name)
        label = f"{satellite.display_name} ABI {where} Band {band} {to_utc(when):%Y-%m-%d %H:%M} UTC"
        draw.text((4, 1), label, fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


class FrameCache:
    """Thread-safe LRU of rendered frames, bounded by total bytes."""

    def __init__(self, max_bytes: int = 256 * 1024 * 1024, *, banner: bool = True) -> None:
        self.max_bytes = max_bytes
        self.banner = banner
        self._items: OrderedDict[FrameKey, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: FrameKey) -> bytes:
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
                return data
        data = render_jpeg(*key, banner=self.banner)
        with self._lock:
            if key not in self._items:
                self._items[key] = data
                self._bytes += len(data)
                while self._bytes > self.max_bytes and len(self._items) > 1:
                    _, old = self._items.popitem(last=False)
                    self._bytes -= len(old)
        return data
