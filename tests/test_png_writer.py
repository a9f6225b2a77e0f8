"""The fast PNG writer: Pillow decodes its output to the same pixels, chunk by chunk it is a valid PNG, both
deflate backends (ISA-L and the stdlib zlib fallback, also with isal made unimportable)."""

from __future__ import annotations

import importlib.util
import io
import struct
import sys
import zlib
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image

from goesvfi.integrity_check.render import png_writer
from goesvfi.integrity_check.render.netcdf import RenderError, write_png_atomic
from goesvfi.integrity_check.render.png_writer import write_png

BACKENDS = ["isal", "zlib"]
SHAPES = [(1, 1), (3, 7), (2, 1301), (977, 2)]  # single pixel, odd, wide, tall (several deflate bands)


def _content(kind: str, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    if kind == "random":
        return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    # smooth: a diagonal ramp per channel (what satellite frames mostly are), wrapping around 255
    grid = np.indices(shape[:2]).sum(axis=0)
    if len(shape) == 3:
        grid = grid[:, :, None] * (1 + np.arange(shape[2]))
    return (grid % 256).astype(np.uint8)


def _encode(pixels: np.ndarray, backend: str | None = None, module: ModuleType = png_writer) -> bytes:
    buf = io.BytesIO()
    module.write_png(buf, pixels, backend=backend)
    return buf.getvalue()


def _decode(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as img:
        img.verify()  # chunk CRCs, structure
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Split a PNG by hand (independent of the writer), checking each chunk's CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    out, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        out.append((kind, body))
        pos += 12 + length
    assert pos == len(data)
    return out


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", ["random", "smooth"])
@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("shape", SHAPES, ids=["1x1", "3x7", "wide", "tall"])
def test_pillow_decodes_the_same_pixels(shape: tuple[int, int], channels: int, kind: str, backend: str) -> None:
    full = shape if channels == 1 else (*shape, channels)
    pixels = _content(kind, full)
    img = _decode(_encode(pixels, backend))
    assert img.format == "PNG" and img.mode == {1: "L", 3: "RGB", 4: "RGBA"}[channels]
    assert img.size == (shape[1], shape[0])
    assert np.array_equal(np.asarray(img), pixels)


@pytest.mark.parametrize("backend", BACKENDS)
def test_chunks_by_hand_ihdr_up_filter_and_idat_split(backend: str) -> None:
    pixels = _content("random", (700, 800, 3), seed=3)  # incompressible: ~1.7 MB of IDAT, two deflate bands
    chunks = _chunks(_encode(pixels, backend))
    kinds = [k for k, _ in chunks]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and chunks[-1][1] == b""
    assert set(kinds[1:-1]) == {b"IDAT"}
    width, height, depth, colour, compression, filter_method, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (width, height, depth, colour, compression, filter_method, interlace) == (800, 700, 8, 2, 0, 0, 0)
    sizes = [len(body) for kind, body in chunks if kind == b"IDAT"]
    assert len(sizes) >= 6 and all(s == 256 * 1024 for s in sizes[:-1]) and 0 < sizes[-1] <= 256 * 1024
    raw = np.frombuffer(zlib.decompress(b"".join(b for k, b in chunks if k == b"IDAT")), dtype=np.uint8)
    rows = raw.reshape(700, 1 + 800 * 3)
    assert (rows[:, 0] == 2).all()  # filter type Up on every row
    # undo Up by hand: each row is the sum (mod 256) of itself and all filtered rows above it
    unfiltered = np.cumsum(rows[:, 1:].astype(np.uint64), axis=0) % 256
    assert np.array_equal(unfiltered.astype(np.uint8).reshape(700, 800, 3), pixels)


def test_a_1x1_grey_png_is_what_the_spec_says() -> None:
    chunks = _chunks(_encode(np.array([[200]], dtype=np.uint8), "zlib"))
    assert [k for k, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    assert chunks[0][1] == struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    assert zlib.decompress(chunks[1][1]) == bytes([2, 200])  # filter byte Up, then the pixel


def test_other_array_layouts_are_accepted() -> None:
    pixels = _content("random", (40, 30, 3), seed=5)
    as_view = np.asfortranarray(pixels)[::-1][::-1]  # not C-contiguous
    assert np.array_equal(np.asarray(_decode(_encode(as_view))), pixels)
    grey = _content("smooth", (9, 11))
    assert np.array_equal(np.asarray(_decode(_encode(grey[:, :, None]))), grey)  # (h, w, 1) -> L


@pytest.mark.parametrize(
    ("pixels", "match"),
    [
        (np.zeros((4, 4), dtype=np.uint16), "uint8"),
        (np.zeros((4, 4), dtype=np.float32), "uint8"),
        (np.zeros((4, 4, 2), dtype=np.uint8), "height, width"),
        (np.zeros((4,), dtype=np.uint8), "height, width"),
        (np.zeros((0, 5), dtype=np.uint8), "1 to 2"),
    ],
    ids=["uint16", "float", "two-channels", "1d", "empty"],
)
def test_what_png8_cannot_hold_is_refused_before_writing(pixels: np.ndarray, match: str) -> None:
    buf = io.BytesIO()
    with pytest.raises(ValueError, match=match):
        write_png(buf, pixels)
    with pytest.raises(ValueError, match="unknown deflate backend"):
        write_png(buf, np.zeros((2, 2), dtype=np.uint8), backend="brotli")  # type: ignore[arg-type]
    assert buf.getvalue() == b""


def _load_without_isal(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """A separate copy of the writer module, imported while ``isal`` cannot be imported (as on a platform
    without an isal build); the real module stays as it is."""
    monkeypatch.setitem(sys.modules, "isal", None)  # None in sys.modules makes the import raise ImportError
    monkeypatch.setitem(sys.modules, "isal.isal_zlib", None)
    spec = importlib.util.spec_from_file_location("png_writer_without_isal", png_writer.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_isal_the_stdlib_zlib_writes_the_png(monkeypatch: pytest.MonkeyPatch) -> None:
    module = _load_without_isal(monkeypatch)
    assert module.DEFAULT_BACKEND == "zlib"
    for shape in [(1, 1), (3, 7, 3), (601, 5, 4)]:
        pixels = _content("random", shape, seed=len(shape))
        data = _encode(pixels, module=module)
        assert np.array_equal(np.asarray(_decode(data)), pixels)
        assert data == _encode(pixels, "zlib")  # the same bytes the real module's zlib backend writes
    with pytest.raises(ValueError, match="isal deflate backend is not installed"):
        module.write_png(io.BytesIO(), np.zeros((2, 2), dtype=np.uint8), backend="isal")


def test_isal_is_the_default_here() -> None:
    assert png_writer.DEFAULT_BACKEND == "isal"  # pyproject.toml depends on it


def test_write_png_atomic_leaves_only_the_final_file(tmp_path: Path) -> None:
    pixels = _content("smooth", (31, 17, 3))
    write_png_atomic(pixels, tmp_path / "frame.png")
    assert [p.name for p in tmp_path.iterdir()] == ["frame.png"]
    assert np.array_equal(np.asarray(_decode((tmp_path / "frame.png").read_bytes())), pixels)
    with pytest.raises(ValueError, match="uint8"):
        write_png_atomic(pixels.astype(np.float64), tmp_path / "bad.png")
    assert [p.name for p in tmp_path.iterdir()] == ["frame.png"]  # no temp file, no partial PNG
    with pytest.raises(RenderError, match="could not write"):
        write_png_atomic(pixels, tmp_path / "missing" / "x.png")


def test_a_writer_that_keeps_the_chunks_it_was_given_gets_a_valid_png() -> None:
    # A file object may hold on to the buffers it is given (a debugger or profiler holding a frame does too):
    # the writer must never resize a buffer while a view of it is alive (BufferError, a lost frame).
    class Keeping(io.BytesIO):
        def __init__(self) -> None:
            super().__init__()
            self.kept: list[object] = []

        def write(self, data: object) -> int:  # type: ignore[override]
            self.kept.append(data)
            return super().write(data)  # type: ignore[arg-type]

    pixels = _content("random", (700, 900, 3))  # 1.9 MB of incompressible rows: several IDAT chunks
    out = Keeping()
    write_png(out, pixels)
    idats = [body for kind, body in _chunks(out.getvalue()) if kind == b"IDAT"]
    assert len(idats) > 2
    assert np.array_equal(np.asarray(_decode(out.getvalue())), pixels)
