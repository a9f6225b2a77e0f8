"""Decode a frame for a preview: Pillow, downscaled to fit, as a numpy array. Qt-free; call it in a thread.

The file's own size and mode are read from its header; the pixels are reduced while decoding where the format
allows (JPEG draft mode) and by an integer box reduction then a bilinear resize otherwise, so a 2500 x 1500
frame becomes a ~1000-pixel-wide preview in tens of milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

PREVIEW_SIDE = 1024  # longest side of a decoded preview


class PreviewError(Exception):
    """The frame could not be read or decoded (the message names the file)."""


@dataclass(frozen=True, slots=True)
class DecodedFrame:
    path: Path
    width: int  # the file's own size
    height: int
    mode: str  # the file's own mode: "L", "RGB", "P", "RGBA" ...
    file_size: int  # bytes on disk
    pixels: np.ndarray  # uint8, (h, w) greyscale or (h, w, 3) RGB, C-contiguous, at most PREVIEW_SIDE wide/high

    @property
    def nbytes(self) -> int:
        return int(self.pixels.nbytes)


def decode_preview(path: Path | str, max_side: int = PREVIEW_SIDE) -> DecodedFrame:
    """Decode ``path`` scaled to fit ``max_side`` x ``max_side`` (never enlarged). Raises PreviewError."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        file_size = path.stat().st_size
        with Image.open(path) as image:
            width, height = image.size
            mode = image.mode
            if image.format == "JPEG":
                image.draft("L" if mode == "L" else "RGB", (max_side, max_side))
            target = "L" if mode in ("L", "I;16", "I", "F", "1", "LA") else "RGB"
            image.load()
            frame: Image.Image = image
            factor = max(1, max(frame.size) // max_side)
            if factor > 1:
                frame = frame.reduce(factor)
            if max(frame.size) > max_side:
                scale = max_side / max(frame.size)
                frame = frame.resize(
                    (max(1, round(frame.width * scale)), max(1, round(frame.height * scale))), Image.Resampling.BILINEAR
                )
            if frame.mode != target:
                frame = frame.convert(target)
            pixels = np.ascontiguousarray(np.asarray(frame, dtype=np.uint8))
    except FileNotFoundError:
        raise PreviewError(f"{path.name} is no longer in the folder") from None
    except UnidentifiedImageError:
        raise PreviewError(f"{path.name} is not an image this viewer can read") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise PreviewError(f"{path.name} could not be decoded: {exc}") from None
    return DecodedFrame(path, width, height, mode, file_size, pixels)
