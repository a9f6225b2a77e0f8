"""Small real JPEG frames shaped like the STAR CDN's: a moving cloud field, an enhanced-IR palette, a banner.

Deterministic for (satellite, sector, band, time, size), so a test can fetch the same frame twice and get the
same bytes. Frames are made lazily and kept in a byte-bounded LRU cache.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from datetime import UTC, datetime

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from goesvfi.integrity_check.emulator.names import utc as to_utc
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

FrameKey = tuple[SatellitePattern, Sector, int, datetime, tuple[int, int]]


def _ir_palette() -> np.ndarray:
    """256 x RGB for brightness temperatures 180-330 K: warm greys, coloured cold tops (< ~240 K)."""
    temps = np.linspace(180.0, 330.0, 256)
    grey = np.clip((330.0 - temps) / (330.0 - 240.0), 0, 1) * 200 + 20
    rgb = np.stack([grey, grey, grey], axis=1)
    cold = temps < 240.0
    frac = (240.0 - temps[cold]) / 60.0  # 0 at 240 K, 1 at 180 K
    rgb[cold, 0] = np.interp(frac, [0, 0.3, 0.6, 1], [0, 40, 255, 255])
    rgb[cold, 1] = np.interp(frac, [0, 0.3, 0.6, 1], [180, 255, 220, 40])
    rgb[cold, 2] = np.interp(frac, [0, 0.3, 0.6, 1], [255, 60, 0, 0])
    return np.clip(rgb, 0, 255).astype(np.uint8)


_IR = _ir_palette()
_VIS = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)


def temperature_field(width: int, height: int, when: datetime, seed: int = 0) -> np.ndarray:
    """A smooth field of brightness temperatures (K) whose 'clouds' drift with time."""
    t = (to_utc(when) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() / 3600.0  # hours
    x = np.linspace(0.0, 2 * np.pi, width, dtype=np.float32)
    y = np.linspace(0.0, 2 * np.pi, height, dtype=np.float32)[:, None]
    phase = seed * 0.37
    field = (
        np.sin(3 * x + 0.9 * t + phase) * np.cos(2 * y - 0.4 * t)
        + 0.6 * np.sin(5 * x - 0.3 * t + 2 * y + phase)
        + 0.4 * np.cos(7 * y + 0.8 * t - x)
    )
    return (265.0 - 28.0 * field).astype(np.float32)  # about 190-330 K


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
    width, height = size
    # The field is smooth: compute it at a quarter of the size and let Pillow upsample the palette indices.
    small = (max(2, width // 4), max(2, height // 4))
    temps = temperature_field(*small, when, seed=band)
    index = np.clip((temps - 180.0) / 150.0 * 255.0, 0, 255).astype(np.uint8)
    palette = _VIS if band <= 6 else _IR
    indexed = Image.fromarray(index, "L").resize((width, height), Image.Resampling.BILINEAR)
    img = Image.merge("RGB", [indexed.point(palette[:, c].tolist()) for c in range(3)])
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
