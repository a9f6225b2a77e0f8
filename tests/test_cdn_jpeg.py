"""CDN JPG -> PNG conversion and the validation helpers stores call."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from goesvfi.integrity_check.render.cdn_jpeg import jpeg_to_png, validate_jpeg
from goesvfi.integrity_check.render.netcdf import RenderError


def _jpeg_bytes(width: int = 64, height: int = 40) -> bytes:
    yy, xx = np.mgrid[0:height, 0:width]
    rgb = np.stack([xx * 4 % 256, yy * 6 % 256, (xx + yy) % 256], axis=-1).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def test_jpeg_to_png_keeps_size_and_pixels(tmp_path: Path) -> None:
    jpg = tmp_path / "20262400300_GOES18-ABI-FD-13-1808x1808.jpg"
    jpg.write_bytes(_jpeg_bytes())
    png = tmp_path / "goes18_fd_C13_20260828T030000Z.png"
    assert validate_jpeg(jpg) == (64, 40)
    assert jpeg_to_png(jpg, png) == (64, 40)
    with Image.open(png) as out, Image.open(jpg) as src:
        assert out.format == "PNG" and out.mode == "RGB"
        assert np.array_equal(np.asarray(out), np.asarray(src.convert("RGB")))  # lossless copy of the decode
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([jpg.name, png.name])


def test_greyscale_jpeg_stays_grey(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.fromarray(np.arange(256, dtype=np.uint8).reshape(16, 16)).save(buf, format="JPEG")
    (tmp_path / "g.jpg").write_bytes(buf.getvalue())
    jpeg_to_png(tmp_path / "g.jpg", tmp_path / "g.png")
    with Image.open(tmp_path / "g.png") as out:
        assert out.mode == "L" and out.size == (16, 16)


@pytest.mark.parametrize("kind", ["garbage", "truncated", "png", "empty", "missing"])
def test_invalid_jpegs_are_refused(tmp_path: Path, kind: str) -> None:
    jpg = tmp_path / "x.jpg"
    good = _jpeg_bytes(400, 300)
    if kind == "garbage":
        jpg.write_bytes(b"<html>503 Service Unavailable</html>")
    elif kind == "truncated":
        jpg.write_bytes(good[: len(good) // 2])
    elif kind == "png":
        buf = io.BytesIO()
        Image.new("RGB", (4, 4)).save(buf, format="PNG")
        jpg.write_bytes(buf.getvalue())
    elif kind == "empty":
        jpg.write_bytes(b"")
    with pytest.raises(RenderError, match=r"x\.jpg"):
        validate_jpeg(jpg)
    with pytest.raises(RenderError, match=r"x\.jpg"):
        jpeg_to_png(jpg, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()
    assert [p.name for p in tmp_path.iterdir()] == ([] if kind == "missing" else ["x.jpg"])
