"""Bring 8-bit frames to a folder's look: resample to its size, convert between ``L`` and ``RGB``. Blocking; no Qt.

- Shrinking by whole factors (FD 5424 -> 1808 is 3 x 3, CONUS 2500x1500 -> 1250x750 is 2 x 2): the exact mean of
  each block per channel, rounded half up (integer sums and a lookup table, no floating point).
- Shrinking by other factors: area average (Pillow's ``BOX`` filter, which weights each source pixel by the
  area it shares with the output pixel).
- Growing (either side larger than the source): bilinear interpolation (Pillow ``BILINEAR``): it invents no
  detail and keeps the colours on the lines between neighbours. The fetch summary says when frames were grown.
- ``RGB`` -> ``L``: ITU-R 601-2 luma (Pillow's ``convert("L")``); ``L`` -> ``RGB``: the grey in every channel.
"""

from __future__ import annotations

import numpy as np


def to_mode(pixels: np.ndarray, mode: str) -> np.ndarray:
    """``pixels`` (uint8 (h, w) or (h, w, 3|4)) as ``L`` (h, w) or ``RGB`` (h, w, 3)."""
    if mode == "L":
        if pixels.ndim == 2:
            return pixels
        from PIL import Image

        rgb = pixels[:, :, :3]
        if (rgb[:, :, 0] == rgb[:, :, 1]).all() and (rgb[:, :, 0] == rgb[:, :, 2]).all():
            return np.ascontiguousarray(rgb[:, :, 0])
        return np.asarray(Image.fromarray(np.ascontiguousarray(rgb), "RGB").convert("L"))
    if mode == "RGB":
        if pixels.ndim == 3:
            return np.ascontiguousarray(pixels[:, :, :3])
        return np.repeat(pixels[:, :, None], 3, axis=2)
    raise ValueError(f"unsupported mode {mode!r}: expected L or RGB")


def block_mean(pixels: np.ndarray, fy: int, fx: int) -> np.ndarray:
    """Exact mean (rounded half up) of each ``fy`` x ``fx`` block of uint8 ``pixels`` (shape divisible)."""
    height, width = pixels.shape[:2]
    rest = pixels.shape[2:]
    n = fy * fx
    acc = np.uint16 if n * 255 < 2**16 else np.uint32
    rows = pixels.reshape(height // fy, fy, width * int(np.prod(rest, dtype=np.int64)))
    summed: np.ndarray = rows[:, 0].astype(acc)
    for i in range(1, fy):
        np.add(summed, rows[:, i], out=summed)
    cols = summed.reshape(height // fy, width // fx, fx, *rest)
    total: np.ndarray = cols[:, :, 0].copy()
    for j in range(1, fx):
        np.add(total, cols[:, :, j], out=total)
    lut = ((np.arange(n * 255 + 1, dtype=np.int64) + n // 2) // n).astype(np.uint8)
    return lut[total]


def resample(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``pixels`` (uint8 (h, w) or (h, w, 3)) at ``size`` = (width, height); see the module for the method."""
    width, height = size
    src_h, src_w = pixels.shape[:2]
    if (src_w, src_h) == (width, height):
        return pixels
    if width <= src_w and height <= src_h and src_w % width == 0 and src_h % height == 0:
        return block_mean(pixels, src_h // height, src_w // width)
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(pixels))
    method = Image.Resampling.BOX if width <= src_w and height <= src_h else Image.Resampling.BILINEAR
    return np.asarray(image.resize((width, height), method))
