"""CDN JPG -> PNG conversion: the one place a CDN frame is decoded, so every bad body is refused here."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from goesvfi.integrity_check.render.cdn_jpeg import jpeg_to_png
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


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path) -> None:
    buf = io.BytesIO()
    cmyk = np.zeros((6, 8, 4), dtype=np.uint8)
    cmyk[..., 0] = np.add.outer(np.arange(6), np.arange(8)) * 2  # a little cyan, varying: red, not one colour
    cmyk[..., 1:3] = 255
    Image.fromarray(cmyk, mode="CMYK").save(buf, format="JPEG", quality=95)  # red in CMYK
    (tmp_path / "c.jpg").write_bytes(buf.getvalue())
    assert jpeg_to_png(tmp_path / "c.jpg", tmp_path / "c.png") == (8, 6)
    with Image.open(tmp_path / "c.png") as out:
        assert out.mode == "RGB"
        r, g, b = np.asarray(out).reshape(-1, 3).mean(axis=0)
        assert r > 200 and g < 60 and b < 60


@pytest.mark.parametrize("kind", ["garbage", "truncated", "png", "empty", "missing", "damaged header"])
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
    elif kind == "damaged header":  # start and end markers intact (passes the CDN store's check), rest zeroed
        jpg.write_bytes(good[:3] + bytes(len(good) - 5) + good[-2:])
    with pytest.raises(RenderError, match=r"x\.jpg") as info:
        jpeg_to_png(jpg, tmp_path / "x.png")
    assert str(tmp_path) not in str(info.value)  # the name, not the local path
    assert not (tmp_path / "x.png").exists()
    assert [p.name for p in tmp_path.iterdir()] == ([] if kind == "missing" else ["x.jpg"])


def test_messages_name_the_label_not_the_temp_file(tmp_path: Path) -> None:
    temp = tmp_path / ".goes18_conus_C13_20230501T000100Z.png.part-0a1b2c.jpg"
    temp.write_bytes(b"\xff\xd8\xff" + bytes(500) + b"\xff\xd9")
    label = "20231210001_GOES18-ABI-CONUS-13-2500x1500.jpg"
    with pytest.raises(RenderError) as info:
        jpeg_to_png(temp, tmp_path / "out.png", label=label)
    assert str(info.value) == f"{label} is not a valid JPEG image (its header is damaged)"
    assert sorted(p.name for p in tmp_path.iterdir()) == [temp.name]


@pytest.mark.parametrize("mode", ["L", "RGB"])
@pytest.mark.parametrize("size", [(1, 1), (7, 5), (2500, 1500)])
def test_pixels_are_copied_out_whole_and_exact(mode: str, size: tuple[int, int]) -> None:
    """The one-call copy of the decoded pixels gives what numpy's own conversion gives, for odd sizes too."""
    from goesvfi.integrity_check.render.cdn_jpeg import pixels_of

    rng = np.random.default_rng(1)
    shape = (size[1], size[0]) if mode == "L" else (size[1], size[0], 3)
    image = Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8))
    assert image.mode == mode
    pixels = pixels_of(image)
    assert pixels.dtype == np.uint8 and pixels.shape == shape
    assert np.array_equal(pixels, np.asarray(image))
