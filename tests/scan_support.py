"""Helpers shared by the scan tests: frame folders whose mtimes the scan cache trusts at once."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The ``make_frames`` fixture (tests/conftest.py): make(names, folder=None, *, settle=True) -> folder
MakeFrames = Callable[..., Path]


def settle_tree(root: Path, age: float = 60.0) -> None:
    """Set the mtime of ``root`` and every folder below it ``age`` seconds back.

    The scan re-reads a folder changed less than a few seconds before it was read (mtime granularity), so a
    test that wants the cached index used right away makes its folders look older.
    """
    when = time.time() - age
    for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        os.utime(folder, (when, when))


_FRAME_BYTES: dict[tuple[str, tuple[int, int]], bytes] = {}


def frame_bytes(name: str, size: tuple[int, int] = (5, 3)) -> bytes:
    """The bytes of a whole frame (``size`` W x H, a gradient) of the kind ``name``'s suffix says (PNG, JPEG,
    NetCDF-4, other images): files a scan counts as present frames. Made once per kind and size with Pillow /
    netCDF4, never with the product."""
    key = (Path(name).suffix.lower(), size)
    if key not in _FRAME_BYTES:
        _FRAME_BYTES[key] = _make_frame_bytes(*key)
    return _FRAME_BYTES[key]


def _make_frame_bytes(suffix: str, size: tuple[int, int]) -> bytes:
    import io
    import tempfile

    import numpy as np

    if suffix == ".nc":
        import netCDF4

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "f.nc"
            with netCDF4.Dataset(path, "w") as ds:
                ds.createDimension("y", 3)
                ds.createDimension("x", 5)
                ds.createVariable("Rad", "i2", ("y", "x"))[:] = np.arange(15, dtype=np.int16).reshape(3, 5)
            return path.read_bytes()
    from PIL import Image

    width, height = size
    ramp = np.add.outer(np.arange(height), np.arange(width)) % 256
    pixels = np.stack([ramp, ramp[::-1], ramp[:, ::-1]], axis=-1).astype(np.uint8)
    fmt = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF", ".tiff": "TIFF", ".gif": "GIF",
           ".bmp": "BMP", ".webp": "WEBP"}.get(suffix, "PNG")  # fmt: skip
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format=fmt)
    return out.getvalue()


def write_frame(path: Path, size: tuple[int, int] = (5, 3)) -> Path:
    """A whole frame at ``path`` (see :func:`frame_bytes`)."""
    path.write_bytes(frame_bytes(path.name, size))
    return path


def gradient(height: int, width: int, channels: int | None = None, base: int = 0) -> Any:
    """uint8 pixels that vary along both axes (never uniform, no constant row): what whole frames look like to
    the content checks. ``base`` shifts the values (different frames, same look)."""
    import numpy as np

    ramp = (np.add.outer(np.arange(height), np.arange(width)) + base) % 256
    if channels is None:
        return ramp.astype(np.uint8)
    return np.stack([(ramp + 40 * c) % 256 for c in range(channels)], axis=-1).astype(np.uint8)


def gradient_image(mode: str, size: tuple[int, int], base: int = 0) -> Any:
    """A PIL image of :func:`gradient` pixels (``L`` or ``RGB``, ``size`` W x H)."""
    from PIL import Image

    width, height = size
    return Image.fromarray(gradient(height, width, None if mode == "L" else 3, base))
