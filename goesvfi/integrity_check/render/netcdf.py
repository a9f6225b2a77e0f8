"""ABI L1b NetCDF -> brightness temperature (or reflectance) -> PNG. No Qt; every function blocks (use a thread).

Decoding reads the raw ``Rad`` counts with netCDF4 (no automatic masking or scaling) and applies the file's own
``_Unsigned``, ``_FillValue``, ``valid_range``, ``scale_factor`` and ``add_offset``. Because counts are at most
16 bits, the value of every possible count is computed once (a lookup table) and the image is one table lookup:
the same formulas as pixel-by-pixel maths, a fraction of the cost.

A pixel is invalid (NaN in the arrays, black in the PNG) when its count is the fill value or outside
``valid_range``, when its radiance is <= 0 (emissive bands: no brightness temperature), or when ``DQF`` flags
it ``no_value_pixel_qf`` (3). Conditionally usable and out-of-range pixels are kept.

Emissive bands (7-16): ``BT = (fk2 / ln(fk1 / L + 1) - bc1) / bc2`` with the ``planck_*`` scalar variables.
Reflective bands (1-6): reflectance factor ``kappa0 * L``, rendered as greyscale (0 black, 1 white).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import netCDF4
import numpy as np

from goesvfi.integrity_check.folder.atomic import check_png, write_atomic
from goesvfi.integrity_check.look.header import TABLE_KEYWORD
from goesvfi.integrity_check.render.colormaps import value_colours
from goesvfi.integrity_check.render.content import content_problem
from goesvfi.integrity_check.render.png_writer import write_png
from goesvfi.integrity_check.render.resample import resample, to_mode
from goesvfi.integrity_check.time_index import Sector, band_facts
from goesvfi.integrity_check.time_index.bands import BANDS, FINEST_BAND
from goesvfi.integrity_check.time_index.limits import abi_shape

NETCDF_LOCK = threading.Lock()
"""HDF5 (under netCDF4) is not thread-safe: every open/read/write of a NetCDF file in this process holds it."""

PLANCK_NAMES = ("planck_fk1", "planck_fk2", "planck_bc1", "planck_bc2")


class RenderError(Exception):
    """A NetCDF or JPEG file that cannot be decoded or rendered; ``str(error)`` is a message for the user."""


@dataclass(frozen=True, slots=True)
class _Decoded:
    band: int | None
    reflective: bool
    raw: np.ndarray  # (y, x) unsigned bit patterns of the stored counts (uint8 / uint16)
    table: np.ndarray  # float32 value (K or reflectance) of every bit pattern; NaN = invalid
    no_value: np.ndarray | None  # (y, x) bool from DQF, or None when the file has no DQF

    def values(self) -> np.ndarray:
        out = self.table[self.raw]
        if self.no_value is not None:
            out[self.no_value] = np.nan
        return out


def _attr(var: netCDF4.Variable, name: str, default: object = None) -> object:
    return var.getncattr(name) if name in var.ncattrs() else default


def _bit_patterns(var: netCDF4.Variable, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(data as unsigned bit patterns, the count each of the 2^bits patterns stands for)."""
    if data.dtype.kind not in "iu" or data.dtype.itemsize > 2:
        raise RenderError(f"variable {var.name} has type {data.dtype}: expected 8- or 16-bit integer counts")
    bits = data.dtype.itemsize * 8
    unsigned_type = np.dtype(f"uint{bits}")
    patterns = np.arange(2**bits, dtype=np.int64).astype(unsigned_type)
    unsigned = data.dtype.kind == "u" or str(_attr(var, "_Unsigned", "false")).lower() == "true"
    counts = patterns.astype(np.int64) if unsigned else patterns.view(f"int{bits}").astype(np.int64)
    return data.view(unsigned_type), counts


def _as_count(value: object, counts: np.ndarray) -> np.ndarray:
    """An attribute value (fill, valid range) as counts: negative values of unsigned data wrap around."""
    arr = np.asarray(value, dtype=np.float64).ravel()
    if counts.min() >= 0:
        arr = np.where(arr < 0, arr + len(counts), arr)
    return arr


def _read_scalar(ds: netCDF4.Dataset, name: str) -> float:
    return float(np.asarray(ds.variables[name][...], dtype=np.float64).ravel()[0])


def _band(ds: netCDF4.Dataset) -> int | None:
    if "band_id" not in ds.variables:
        return None
    return int(np.asarray(ds.variables["band_id"][...]).ravel()[0])


def _no_value_flags(ds: netCDF4.Dataset, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray] | None:
    """(DQF as bit patterns, which of the patterns mean "no value"): read under the lock; the per-pixel lookup
    (:func:`_no_value_mask`) runs after it is released, beside another thread's read."""
    if "DQF" not in ds.variables:
        return None
    var = ds.variables["DQF"]
    var.set_auto_maskandscale(False)
    raw = np.asarray(var[:])
    if raw.shape != shape:
        return None
    patterns, counts = _bit_patterns(var, raw)
    meanings = str(_attr(var, "flag_meanings", "")).split()
    values = np.asarray(_attr(var, "flag_values", []), dtype=np.int64).ravel()
    code = 3
    if "no_value_pixel_qf" in meanings and len(values) == len(meanings):
        code = int(values[meanings.index("no_value_pixel_qf")])
    return patterns, counts == code


def _no_value_mask(flags: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray | None:
    if flags is None:
        return None
    patterns, no_value = flags
    return np.take(no_value, patterns)  # a 256/65536-entry table looked up: not a per-pixel compare


def _calibration(ds: netCDF4.Dataset, band: int | None, name: str) -> tuple[bool, tuple[float, ...]]:
    """(reflective?, constants): the Planck variables of an emissive band or ``kappa0`` of a reflective one."""
    have_planck = all(n in ds.variables for n in PLANCK_NAMES)
    if band is not None and band in BANDS:
        reflective = band_facts(band).reflective
    else:
        reflective = not have_planck and "kappa0" in ds.variables
    if reflective:
        if "kappa0" not in ds.variables:
            raise RenderError(f"{name}: band {band} is reflective but the file has no kappa0 variable")
        return True, (_read_scalar(ds, "kappa0"),)
    if not have_planck:
        missing = ", ".join(n for n in PLANCK_NAMES if n not in ds.variables)
        where = " (found as global attributes, but real ABI files store them as variables)"
        attrs_only = all(n in ds.ncattrs() for n in PLANCK_NAMES)
        raise RenderError(
            f"{name} has no Planck constant variables ({missing}){where if attrs_only else ''}: "
            "cannot compute brightness temperature"
        )
    return False, tuple(_read_scalar(ds, n) for n in PLANCK_NAMES)


@contextmanager
def _opened(path: Path, name: str) -> Iterator[netCDF4.Dataset]:
    """The dataset, opened and closed under :data:`NETCDF_LOCK`; read errors become :class:`RenderError`."""
    with NETCDF_LOCK:
        try:
            ds = netCDF4.Dataset(path, "r")
        except FileNotFoundError:
            raise RenderError(f"{name}: no such file") from None
        except (OSError, RuntimeError, ValueError) as exc:
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc  # not the local path
            raise RenderError(f"{name} is not a readable NetCDF file (truncated or not NetCDF: {detail})") from None
        try:
            yield ds
        except (RuntimeError, OSError, ValueError, IndexError, KeyError, TypeError) as exc:
            raise RenderError(f"{name} could not be read; it may be truncated or corrupt ({exc})") from None
        finally:
            ds.close()


def _radiance_variable(
    ds: netCDF4.Dataset, name: str, max_shape: tuple[int, int] | None = None, min_shape: tuple[int, int] | None = None
) -> tuple[netCDF4.Variable, int | None, bool, tuple[float, ...]]:
    """(``Rad``, band, reflective?, calibration constants); RenderError when the file is no ABI L1b radiance file,
    or when ``Rad`` declares more rows or columns than ``max_shape`` (the sector's; default: the full disk's for
    its band) -- checked before any pixel is read, so a small file declaring a huge ``Rad`` never allocates it --
    or fewer than ``min_shape`` (a cut or forged file whose few pixels would be enlarged into a whole frame)."""
    if "Rad" not in ds.variables:
        raise RenderError(f"{name} has no Rad variable: it is not an ABI L1b radiance file")
    rad = ds.variables["Rad"]
    if rad.ndim != 2:
        raise RenderError(f"{name}: Rad has {rad.ndim} dimensions, expected 2 (y, x)")
    dtype = np.dtype(rad.dtype)
    if dtype.kind not in "iu" or dtype.itemsize > 2:
        raise RenderError(f"{name}: Rad has type {dtype}: expected 8- or 16-bit integer counts")
    band = _band(ds)
    shape = (int(rad.shape[0]), int(rad.shape[1]))
    largest = abi_shape(Sector.FULL_DISK, band if band in BANDS else FINEST_BAND)
    limit, what = (tuple(max_shape), "its sector and band have at most") if max_shape else (largest, "a full disk has")
    if shape[0] > limit[0] or shape[1] > limit[1]:
        raise RenderError(
            f"{name}: Rad declares {shape[0]} x {shape[1]} pixels, but {what} {limit[0]} x {limit[1]}; "
            "refused before decoding"
        )
    if min_shape is not None and (shape[0] < min_shape[0] or shape[1] < min_shape[1]):
        raise RenderError(
            f"{name}: Rad is {shape[0]} x {shape[1]} pixels, smaller than the {min_shape[0]} x {min_shape[1]} its "
            "sector and band have; refused (a cut or forged file)"
        )
    reflective, constants = _calibration(ds, band, name)
    return rad, band, reflective, constants


def _decode(
    path: Path,
    label: str | None = None,
    max_shape: tuple[int, int] | None = None,
    min_shape: tuple[int, int] | None = None,
) -> _Decoded:
    path = Path(path)
    name = label or path.name
    with _opened(path, name) as ds:
        rad, band, reflective, constants = _radiance_variable(ds, name, max_shape, min_shape)
        rad.set_auto_maskandscale(False)
        data = np.asarray(rad[:])
        attrs = {k: _attr(rad, k) for k in ("_FillValue", "valid_range", "scale_factor", "add_offset")}
        raw, counts = _bit_patterns(rad, data)
        flags = _no_value_flags(ds, data.shape)
    no_value = _no_value_mask(flags)  # outside the lock: CPU only
    valid = np.ones(len(counts), dtype=bool)
    if attrs["_FillValue"] is not None:
        valid &= ~np.isin(counts, _as_count(attrs["_FillValue"], counts))
    if attrs["valid_range"] is not None:
        lo, hi = _as_count(attrs["valid_range"], counts)[:2]
        valid &= (counts >= lo) & (counts <= hi)
    scale = 1.0 if attrs["scale_factor"] is None else float(np.asarray(attrs["scale_factor"]).ravel()[0])
    offset = 0.0 if attrs["add_offset"] is None else float(np.asarray(attrs["add_offset"]).ravel()[0])
    radiance = counts * scale + offset
    with np.errstate(divide="ignore", invalid="ignore"):
        if reflective:
            table = radiance * constants[0]
        else:
            fk1, fk2, bc1, bc2 = constants
            valid &= radiance > 0
            table = (fk2 / np.log(fk1 / np.where(valid, radiance, 1.0) + 1.0) - bc1) / bc2
    table = np.where(valid, table, np.nan).astype(np.float32)
    return _Decoded(band, reflective, raw, table, no_value)


def brightness_temperature(path: Path) -> np.ndarray:
    """Brightness temperature (float32 kelvin, NaN where invalid) of an emissive-band (7-16) ABI L1b file."""
    decoded = _decode(path)
    if decoded.reflective:
        raise RenderError(f"{Path(path).name}: band {decoded.band} is reflective and has no brightness temperature")
    return decoded.values()


def reflectance(path: Path) -> np.ndarray:
    """Reflectance factor (float32, ``kappa0 * radiance``, NaN where invalid) of a band 1-6 ABI L1b file."""
    decoded = _decode(path)
    if not decoded.reflective:
        raise RenderError(f"{Path(path).name}: band {decoded.band} is emissive; use brightness_temperature()")
    return decoded.values()


def render_png(
    nc_path: Path,
    png_path: Path,
    *,
    colormap: str = "gray_r",
    vmin: float = 180.0,
    vmax: float = 330.0,
    label: str | None = None,
    size: tuple[int, int] | None = None,
    mode: str | None = None,
    max_shape: tuple[int, int] | None = None,
    file_size: Callable[[int, int], None] | None = None,
    min_shape: tuple[int, int] | None = None,
) -> tuple[int, int]:
    """Render an ABI L1b file to a PNG; return its (width, height). ``file_size`` is told the file's own
    (width, height) before any resampling (a fetch notes frames it enlarges).

    Emissive bands: brightness temperature through ``colormap`` (a matplotlib name, ``enhanced_ir`` over
    ``vmin``..``vmax`` kelvin, or ``star``: STAR's enhancement, fixed in kelvin); the default ``gray_r`` draws
    180 K white (255) and 330 K black (0), clipped. Reflective bands: reflectance 0..1 as greyscale
    (``colormap``/``vmin``/``vmax`` do not apply). Invalid pixels are black. ``size`` (width, height): resample
    to it (:mod:`.resample`), default native. ``mode`` (``L``/``RGB``): convert to it, default ``L`` for grey
    maps and ``RGB`` for others. The PNG names its colour table in a ``tEXt`` chunk (:mod:`.look`). Written to
    a temporary name beside ``png_path``, fsynced and renamed. Messages name the input as ``label`` (e.g. the
    remote file a temp file holds), by default ``nc_path.name``.
    """
    decoded = _decode(nc_path, label, max_shape, min_shape)
    name, lo, hi = ("gray", 0.0, 1.0) if decoded.reflective else (colormap, vmin, vmax)
    try:
        per_count = value_colours(name, decoded.table, lo, hi)
    except ValueError as exc:
        raise RenderError(str(exc)) from None
    grey = bool((per_count[:, 0] == per_count[:, 1]).all() and (per_count[:, 0] == per_count[:, 2]).all())
    lut = np.ascontiguousarray(per_count[:, 0]) if grey else per_count
    pixels = np.take(lut, decoded.raw, axis=0)  # = lut[raw]; for an RGB table 3-4x faster than indexing
    if file_size is not None:
        file_size(pixels.shape[1], pixels.shape[0])
    if decoded.no_value is not None:
        pixels[decoded.no_value] = 0
    if size is not None:
        pixels = resample(pixels, size)
    if mode is not None:
        pixels = to_mode(pixels, mode)
    write_png_atomic(pixels, Path(png_path), table=name)  # uint8 (y, x) -> L, (y, x, 3) -> RGB
    return pixels.shape[1], pixels.shape[0]


def write_png_atomic(pixels: np.ndarray, png_path: Path, *, table: str | None = None) -> None:
    """Encode ``pixels`` (uint8 (h, w), (h, w, 3) or (h, w, 4)) as PNG (:mod:`.png_writer`; ``table``: the
    colour table's name, in a ``tEXt`` chunk) through the package's write-then-rename helper
    (:func:`goesvfi.integrity_check.folder.atomic.write_atomic`: temp name beside it, permissions 0666 minus
    umask, fsync, check, rename); no partial file remains. Pixels that are no whole frame (uniform, a run of
    empty rows: :func:`.content.content_problem`) are refused with :class:`RenderError`."""
    problem = content_problem(pixels)
    if problem is not None:
        raise RenderError(f"{png_path.name} would not be a whole frame ({problem}); not written")
    text = None if table is None else {TABLE_KEYWORD: table}
    try:
        write_atomic(png_path, lambda fh: write_png(fh, pixels, text=text), check=check_png)
    except OSError as exc:
        raise RenderError(f"could not write {png_path.name} in {png_path.parent}: {exc.strerror or exc}") from exc
