"""Colour tables for brightness-temperature images: any matplotlib colour map, plus ``enhanced_ir`` and ``star``.

A table has one RGB row per colour-map entry (256 for most maps). A value v maps to entry
``floor((v - vmin) / (vmax - vmin) * N)`` clipped to [0, N - 1], exactly as matplotlib's ``Normalize`` +
``Colormap`` do, so a PNG made with these tables matches ``imshow`` of the same data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from goesvfi.integrity_check.look.value import STAR

if TYPE_CHECKING:  # matplotlib is imported on first use: importing it creates its config folder on disk
    from matplotlib.colors import Colormap, ListedColormap

ENHANCED_IR = "enhanced_ir"
STAR_POINTS: tuple[tuple[float, str], ...] = (
    (178.0, "#ffffff"),
    (188.0, "#000000"),
    (198.0, "#ff0000"),
    (208.0, "#ffff00"),
    (218.0, "#00ff00"),
    (228.0, "#000080"),
    (237.999, "#00ffff"),
    (238.0, "#b9b9b9"),
    (333.0, "#000000"),
)
"""goestools' approximation of the McIDAS enhancement STAR uses (``goesproc-goesr.conf``): linear in RGB
between these points, clipped outside 178-333 K (DOMAIN.md, "STAR's band-13 look")."""
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
    """Every accepted name: ``star`` and ``enhanced_ir`` first, then matplotlib's registered colour maps."""
    import matplotlib

    return [STAR, ENHANCED_IR, *sorted(matplotlib.colormaps)]


def star_colours(kelvin: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 RGB of the ``star`` table for brightness temperatures (NaN: black), rounded to nearest."""
    values = np.asarray(kelvin, dtype=np.float64)
    temps = np.array([k for k, _ in STAR_POINTS])
    rgb = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for _, c in STAR_POINTS], dtype=np.float64)
    out = np.empty((*values.shape, 3), dtype=np.uint8)
    valid = ~np.isnan(values)
    clipped = np.clip(np.where(valid, values, temps[0]), temps[0], temps[-1])
    for channel in range(3):
        out[..., channel] = np.rint(np.interp(clipped, temps, rgb[:, channel])).astype(np.uint8)
    out[~valid] = 0
    return out


def value_colours(name: str, values: np.ndarray, vmin: float = 180.0, vmax: float = 330.0) -> np.ndarray:
    """(len(values), 3) uint8 colour of each value (NaN: black): ``star`` exactly from its points, every other
    map through its matplotlib table over ``vmin``..``vmax``. Raises ValueError for an unknown name."""
    if name == STAR:
        return star_colours(values)
    colours = colour_table(name, vmin, vmax)
    out = colours[table_index(values, vmin, vmax, len(colours))]
    out[np.isnan(np.asarray(values, dtype=np.float64))] = 0
    return out


def get_colormap(name: str, vmin: float = 180.0, vmax: float = 330.0) -> Colormap:
    """The matplotlib colour map called ``name`` (``enhanced_ir`` is built for the kelvin range given).

    Raises ValueError for an unknown name or an empty range.
    """
    if not vmin < vmax:
        raise ValueError(f"the colour range needs vmin < vmax (got {vmin} and {vmax})")
    if name == ENHANCED_IR:
        return _enhanced_ir(vmin, vmax)
    if name == STAR:
        from matplotlib.colors import ListedColormap

        return ListedColormap(star_colours(np.linspace(vmin, vmax, 256)) / 255.0, name=STAR)
    import matplotlib

    try:
        return matplotlib.colormaps[name]
    except KeyError:
        raise ValueError(
            f"unknown colour map {name!r}: use {STAR}, {ENHANCED_IR} or a matplotlib colour map"
            " such as gray_r or viridis"
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
