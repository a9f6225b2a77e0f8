"""Colour tables for brightness-temperature images: any matplotlib colour map, plus ``enhanced_ir``.

A table has one RGB row per colour-map entry (256 for most maps). A value v maps to entry
``floor((v - vmin) / (vmax - vmin) * N)`` clipped to [0, N - 1], exactly as matplotlib's ``Normalize`` +
``Colormap`` do, so a PNG made with these tables matches ``imshow`` of the same data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # matplotlib is imported on first use: importing it creates its config folder on disk
    from matplotlib.colors import Colormap, ListedColormap

ENHANCED_IR = "enhanced_ir"
ENHANCED_IR_THRESHOLD = 240.0
"""Kelvin: ``enhanced_ir`` colours colder tops and keeps inverted greys from here up."""

# (kelvin, RGB) stops of the cold part, from the threshold down (AWIPS/STAR-like: blue, green, yellow, red, purple).
_COLD_STOPS: tuple[tuple[float, tuple[int, int, int]], ...] = (
    (240.0, (0, 200, 255)),
    (230.0, (0, 60, 255)),
    (225.0, (0, 190, 0)),
    (215.0, (255, 255, 0)),
    (205.0, (255, 120, 0)),
    (198.0, (220, 0, 0)),
    (190.0, (120, 0, 120)),
    (180.0, (255, 190, 255)),
)


def colormap_names() -> list[str]:
    """Every accepted name: ``enhanced_ir`` first, then matplotlib's registered colour maps."""
    import matplotlib

    return [ENHANCED_IR, *sorted(matplotlib.colormaps)]


def get_colormap(name: str, vmin: float = 180.0, vmax: float = 330.0) -> Colormap:
    """The matplotlib colour map called ``name`` (``enhanced_ir`` is built for the kelvin range given).

    Raises ValueError for an unknown name or an empty range.
    """
    if not vmin < vmax:
        raise ValueError(f"the colour range needs vmin < vmax (got {vmin} and {vmax})")
    if name == ENHANCED_IR:
        return _enhanced_ir(vmin, vmax)
    import matplotlib

    try:
        return matplotlib.colormaps[name]
    except KeyError:
        raise ValueError(
            f"unknown colour map {name!r}: use {ENHANCED_IR} or a matplotlib colour map such as gray_r or viridis"
        ) from None


def colour_table(name: str, vmin: float = 180.0, vmax: float = 330.0) -> np.ndarray:
    """(N, 3) uint8 RGB rows of the colour map, as matplotlib renders them (``bytes=True``)."""
    cmap = get_colormap(name, vmin, vmax)
    rgba = np.asarray(cmap(np.arange(cmap.N), bytes=True), dtype=np.uint8)
    return np.ascontiguousarray(rgba[:, :3])


def table_index(values: np.ndarray, vmin: float, vmax: float, n: int) -> np.ndarray:
    """Entry of each value in an ``n``-entry table (int64; NaN gives 0, mask NaNs separately)."""
    scaled = (np.asarray(values, dtype=np.float64) - vmin) / (vmax - vmin) * n
    scaled = np.nan_to_num(scaled, nan=0.0, posinf=n - 1, neginf=0.0)
    return np.clip(np.floor(scaled), 0, n - 1).astype(np.int64)


def _enhanced_ir(vmin: float, vmax: float, n: int = 256) -> ListedColormap:
    """Inverted grey (white = vmin, black = vmax) at and above 240 K; colour ramps for colder tops."""
    from matplotlib.colors import ListedColormap

    kelvin = vmin + np.arange(n) / (n - 1) * (vmax - vmin)
    grey = 1.0 - np.arange(n) / (n - 1)
    rgb = np.repeat(grey[:, None], 3, axis=1)
    cold = kelvin < ENHANCED_IR_THRESHOLD
    temps = np.array([k for k, _ in _COLD_STOPS][::-1])
    colours = np.array([c for _, c in _COLD_STOPS][::-1], dtype=np.float64) / 255.0
    for channel in range(3):
        rgb[cold, channel] = np.interp(kelvin[cold], temps, colours[:, channel])
    return ListedColormap(rgb, name=ENHANCED_IR)
