"""STAR CDN JPG -> PNG (blocking; call via asyncio.to_thread). Errors are :class:`RenderError`."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, UnidentifiedImageError

from .netcdf import RenderError, write_png_atomic

_JPEG_SOI = b"\xff\xd8\xff"


def _load_jpeg(path: Path) -> Image.Image:
    """Decode the whole JPEG (a truncated body fails here, not later)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            if fh.read(3) != _JPEG_SOI:
                raise RenderError(f"{path.name} is not a JPEG image (it does not start with a JPEG header)")
            fh.seek(0)
            with Image.open(fh, formats=["JPEG"]) as image:
                image.load()
                return image.copy() if image.mode in ("L", "RGB") else image.convert("RGB")
    except FileNotFoundError:
        raise RenderError(f"{path.name}: no such file") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise RenderError(f"{path.name} is not a valid JPEG image (truncated or corrupt: {exc})") from None


def validate_jpeg(path: Path) -> tuple[int, int]:
    """Raise :class:`RenderError` unless ``path`` decodes completely as a JPEG; return (width, height)."""
    image = _load_jpeg(path)
    return image.size


def jpeg_to_png(jpg_path: Path, png_path: Path) -> tuple[int, int]:
    """Decode a CDN JPG and write it as PNG (temp name beside ``png_path``, fsync, rename); return (w, h)."""
    image = _load_jpeg(jpg_path)
    write_png_atomic(image, Path(png_path))
    return image.size
