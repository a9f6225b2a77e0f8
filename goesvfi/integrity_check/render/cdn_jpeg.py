"""STAR CDN JPG -> PNG (blocking; call via asyncio.to_thread). Errors are :class:`RenderError`.

This is where a CDN frame is decoded, once: the CDN store only checks the framing of what arrived (JPEG start
and end markers, length), so a body that is framed right but does not decode fails here, with a message.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from goesvfi.integrity_check.render.netcdf import RenderError, write_png_atomic
from goesvfi.integrity_check.render.resample import resample, to_mode

_JPEG_SOI = b"\xff\xd8\xff"
MAX_PIXELS = 10848 * 10848
"""The largest image the STAR CDN serves (full disk 10848 x 10848): a header declaring more is refused unread."""


def pixels_of(image: Image.Image) -> np.ndarray:
    """A loaded ``L`` or ``RGB`` image as a read-only uint8 (h, w) or (h, w, 3) array, copied out in one call.

    ``np.asarray(image)`` goes through ``Image.tobytes()``, which packs the pixels 64 KB per call and joins the
    pieces: ~170 calls for a 2500x1500 RGB frame, each a hand-off of the GIL, which the event loop thread holds
    between them while a fetch runs (profiled: as many samples as the decode itself), then a copy of the whole
    frame. One call with a buffer of the whole frame packs the same bytes without either (~1 ms instead of ~3).
    """
    shape = (image.height, image.width) if image.mode == "L" else (image.height, image.width, 3)
    size = int(np.prod(shape))
    try:
        encoder = Image._getencoder(image.mode, "raw", image.mode)  # what tobytes() uses
        encoder.setimage(image.im, (0, 0, *image.size))
        try:
            _consumed, errcode, data = encoder.encode(size)
        finally:
            encoder.cleanup()
    except (AttributeError, TypeError):  # a Pillow without these internals: the documented way
        return np.asarray(image)
    if errcode != 1 or len(data) != size:  # 1: done (RawEncode.c); anything else: take the documented way
        return np.asarray(image)
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


def _decode_jpeg(path: Path, name: str, expected_size: tuple[int, int] | None = None) -> np.ndarray:
    """Decode the whole JPEG into a uint8 (h, w) or (h, w, 3) array (a truncated body fails here, not later).

    The size its header declares is checked first, before any pixel is decoded: it must be ``expected_size``
    (width, height) when given, and at most :data:`MAX_PIXELS` in any case."""
    try:
        with path.open("rb") as fh:
            if fh.read(3) != _JPEG_SOI:
                raise RenderError(f"{name} is not a JPEG image (it does not start with a JPEG header)")
            fh.seek(0)
            with Image.open(fh, formats=["JPEG"]) as image:
                width, height = image.size
                if expected_size is not None and (width, height) != tuple(expected_size):
                    raise RenderError(
                        f"{name} is {width}x{height} pixels, not the {expected_size[0]}x{expected_size[1]} its "
                        "name and the request say; refused"
                    )
                if width * height > MAX_PIXELS:
                    raise RenderError(
                        f"{name} declares {width}x{height} pixels, more than the largest CDN image "
                        "(10848x10848); refused before decoding"
                    )
                image.load()
                if image.mode in ("L", "RGB"):
                    return pixels_of(image)
                with image.convert("RGB") as rgb:  # CMYK / YCCK JPEGs
                    return pixels_of(rgb)
    except FileNotFoundError:
        raise RenderError(f"{name}: no such file") from None
    except Image.DecompressionBombError:
        raise RenderError(f"{name} declares more pixels than any CDN image (a decompression bomb); refused") from None
    except MemoryError:
        raise RenderError(f"{name} does not fit in memory to decode; refused") from None
    except UnidentifiedImageError:  # its text names the local (temp) file: say it in our words
        raise RenderError(f"{name} is not a valid JPEG image (its header is damaged)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise RenderError(f"{name} is not a valid JPEG image (truncated or corrupt: {exc})") from None


def jpeg_to_png(
    jpg_path: Path,
    png_path: Path,
    *,
    label: str | None = None,
    size: tuple[int, int] | None = None,
    mode: str | None = None,
    table: str | None = None,
    expected_size: tuple[int, int] | None = None,
) -> tuple[int, int]:
    """Decode a CDN JPG and write it as PNG (temp name beside ``png_path``, fsync, rename); return (w, h).

    Greyscale JPGs give a greyscale PNG, every other one RGB, unless ``mode`` (``L``/``RGB``) says otherwise;
    ``size`` (width, height) resamples (:mod:`.resample`); ``table`` names the colour table in the PNG (the
    CDN's is ``star``). Messages name the file as ``label`` (e.g. the CDN file a temp file holds), by default
    ``jpg_path.name``. ``expected_size`` (width, height): the size asked of the CDN; a JPEG of another size is
    refused (by its header, before decoding).
    """
    jpg_path = Path(jpg_path)
    pixels = _decode_jpeg(jpg_path, label or jpg_path.name, expected_size)
    if size is not None:
        pixels = resample(pixels, size)
    if mode is not None:
        pixels = to_mode(pixels, mode)
    write_png_atomic(pixels, Path(png_path), table=table)
    return pixels.shape[1], pixels.shape[0]
