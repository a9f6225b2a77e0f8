"""Content checks of decoded pixels: a uniform frame, a run of empty rows. Used on every frame before it is
written (a CDN JPEG whose second half a decoder filled with grey, a NetCDF whose radiances are one value) and
by ``scan --verify`` on frames already there. Pure numpy. No Qt.
"""

from __future__ import annotations

import numpy as np

UNIFORM_SHARE = 0.99
"""A frame whose most common value covers this share of its pixels or more is damaged (uniform)."""
EMPTY_ROWS_SHARE = 0.02
"""A run of empty rows (one value across the row) this share of the height or longer is damaged."""
MIN_EMPTY_ROWS = 8
"""Shorter runs never count, whatever the height (a few black rows along a small image's edge)."""
_SAMPLE = 16384
GATE = 0.9
"""A sample's share of its commonest value below which the frame is not counted exactly (far from 99 %)."""


def _codes(sample: np.ndarray) -> np.ndarray:
    """One number per sampled pixel, equal where the pixels are equal: a row of up to 4 uint8 channels packed
    into a uint32 (a 1-D sort that runs without the GIL, where ``np.unique(axis=0)`` sorts rows holding it)."""
    if sample.ndim == 1:
        return sample
    if sample.dtype == np.uint8 and sample.shape[1] <= 4:
        codes = np.zeros(len(sample), dtype=np.uint32)
        for channel in range(sample.shape[1]):
            codes = (codes << np.uint32(8)) | sample[:, channel]
        return codes
    return np.unique(sample, axis=0, return_inverse=True)[1].reshape(-1)


def _commonest_share(pixels: np.ndarray) -> float:
    """The share of pixels equal to the most common value of a grid sample; the exact count only when the
    sample says the frame is nearly uniform (a value on 99 % of the pixels is on about as much of the sample)."""
    step = max(1, int(np.sqrt(pixels.shape[0] * pixels.shape[1] / _SAMPLE)))
    sample = pixels[::step, ::step].reshape(-1, *pixels.shape[2:])
    codes = _codes(sample)
    _values, first, counts = np.unique(codes, return_index=True, return_counts=True)
    commonest = sample[int(first[int(np.argmax(counts))])]
    estimate = float(np.max(counts)) / len(sample)
    if estimate < GATE:
        return float(estimate)
    nan = pixels.dtype.kind == "f" and bool(np.isnan(commonest).all())
    equal = np.isnan(pixels) if nan else pixels == commonest
    if equal.ndim == 3:
        equal = equal.all(axis=2)
    return float(np.count_nonzero(equal)) / (pixels.shape[0] * pixels.shape[1])


def _empty_rows(pixels: np.ndarray) -> np.ndarray:
    """A mask of the rows whose pixels all have the first pixel's value (NaN equal to NaN): rows that are
    constant on every 16th column first, then those rows in full."""

    def constant(rows: np.ndarray) -> np.ndarray:
        first = rows[:, :1]
        same = rows == first
        if rows.dtype.kind == "f":
            same |= np.isnan(rows) & np.isnan(first)
        return np.asarray(same.reshape(rows.shape[0], -1).all(axis=1))

    mask = constant(pixels[:, ::16])
    candidates = np.flatnonzero(mask)
    if len(candidates):
        mask[candidates] = constant(pixels[candidates])
    return mask


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of every run of True in ``mask``, in order."""
    padded = np.concatenate([[False], mask.astype(bool), [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return edges[::2], edges[1::2]


def longest_run(mask: np.ndarray) -> tuple[int, int]:
    """(first, end) of the longest run of True in ``mask`` ((0, 0) when none); the earliest of equal runs."""
    starts, ends = _runs(mask)
    if not len(starts):
        return 0, 0
    best = int(np.argmax(ends - starts))
    return int(starts[best]), int(ends[best])


def empty_row_runs(pixels: np.ndarray, min_rows: int = 1) -> list[tuple[int, int]]:
    """(first, end) of every run of empty rows at least ``min_rows`` long, top to bottom (the preview marks them)."""
    if pixels.ndim < 2 or pixels.size == 0:
        return []
    starts, ends = _runs(_empty_rows(pixels))
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True) if b - a >= min_rows]


def content_problem(pixels: np.ndarray) -> str | None:
    """What makes decoded pixels (H x W or H x W x C) a damaged frame: no pixels, one value on
    :data:`UNIFORM_SHARE` of them, or a run of empty rows of :data:`EMPTY_ROWS_SHARE` of the height (the rows
    are named); None when neither."""
    if pixels.ndim < 2 or pixels.size == 0:
        return "no pixels"
    share = _commonest_share(pixels)
    if share >= UNIFORM_SHARE:
        return f"uniform: one value on {share:.1%} of its pixels"
    height = pixels.shape[0]
    first, end = longest_run(_empty_rows(pixels))
    if end - first >= max(MIN_EMPTY_ROWS, int(np.ceil(EMPTY_ROWS_SHARE * height))):
        return f"empty rows {first}-{end - 1} ({(end - first) / height:.0%} of its height)"
    return None
