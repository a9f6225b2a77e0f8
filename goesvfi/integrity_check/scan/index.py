"""The scan's file index: a recursive walk that re-reads only changed directories, fast name parsing, and a
compact per-directory record (one blob) for the cache.

A directory is identified by its path and signature (``st_mtime_ns``, inode, device): adding, removing or
renaming a file in it changes its mtime, so an unchanged signature means unchanged names and the stored,
already parsed entries are used without listing the directory. Editing a file's content does not change
the directory, and does not matter here: only names say which scan times a folder holds. Directories
changed less than :data:`RACY_SECONDS` before they were read are read again next time (mtime granularity).
Dot files and dot folders (temp files of downloads in progress) are skipped, and so are files that are not
images or NetCDF (:data:`FRAME_SUFFIXES`). Blocking: run it in a thread.
"""

from __future__ import annotations

import os
import struct
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from goesvfi.integrity_check.cache.db import DirRecord
from goesvfi.integrity_check.scan.fast_names import NameParser, canonical_names, parse_canonical_batch

RACY_SECONDS = 3.0
# Frames are images or NetCDF files; anything else (notes, CSV reports, other tools' partial downloads such as
# ``*.png.part``) never covers a slot, whatever time its name holds.
FRAME_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".nc", ".tif", ".tiff", ".gif", ".bmp", ".webp"})
_MAGIC = b"GVI3"
# magic, frames, frames named canonically, explicit-name bytes, subdirs, subdir bytes, others, other bytes
_HEADER = struct.Struct("<4s4x7Q")  # 64 bytes: the arrays after it are 8-byte aligned


class ScanCancelled(Exception):
    """The walk was asked to stop."""


# --------------------------------------------------------------------------------------------------
# One directory
# --------------------------------------------------------------------------------------------------


def _join(names: list[str]) -> bytes:
    return "\0".join(names).encode("utf-8", "surrogateescape")


def _split(blob: bytes, count: int) -> list[str]:
    return blob.decode("utf-8", "surrogateescape").split("\0") if count else []


@dataclass(slots=True)
class DirIndex:
    """The frames of one directory: parallel arrays of time (ms since the epoch) and packed key.

    The first ``regular`` frames carry canonical names, which are derived from time and key when asked for;
    the others' names are kept. ``subdirs`` and the names that are not frames (``others``) are kept too,
    so that a re-read of a changed directory parses only new names.
    """

    path: str
    signature: str
    racy: bool
    times: np.ndarray
    keys: np.ndarray
    regular: int
    subdirs: list[str]
    _irregular_blob: bytes = b""
    _irregular: list[str] | None = None
    _others_blob: bytes = b""
    _others: list[str] | None = None
    _others_count: int = 0
    changed: bool = False

    @property
    def irregular(self) -> list[str]:
        """Names of the frames after the first ``regular`` ones."""
        if self._irregular is None:
            self._irregular = _split(self._irregular_blob, len(self.times) - self.regular)
        return self._irregular

    @property
    def others(self) -> list[str]:
        if self._others is None:
            self._others = _split(self._others_blob, self._others_count)
        return self._others

    def names(self) -> list[str]:
        """Every frame's name, in array order (canonical names rebuilt: ~0.5 us each)."""
        return canonical_names(self.times[: self.regular], self.keys[: self.regular]) + self.irregular

    def known(self) -> dict[str, tuple[int, int] | None]:
        """What each non-canonical file name here parsed to (None: not a frame)."""
        out: dict[str, tuple[int, int] | None] = dict.fromkeys(self.others)
        pairs = zip(self.times[self.regular :].tolist(), self.keys[self.regular :].tolist(), strict=True)
        out.update(zip(self.irregular, pairs, strict=True))
        return out

    def to_record(self) -> DirRecord:
        irregular, subdirs, others = _join(self.irregular), _join(self.subdirs), _join(self.others)
        header = _HEADER.pack(
            _MAGIC,
            len(self.times),
            self.regular,
            len(irregular),
            len(self.subdirs),
            len(subdirs),
            len(self.others),
            len(others),
        )
        arrays = (self.times.astype("<i8").tobytes(), self.keys.astype("<i4").tobytes())
        data = b"".join((header, *arrays, irregular, subdirs, others))
        return DirRecord(self.path, self.signature, self.racy, len(self.times), data)

    @classmethod
    def from_record(cls, record: DirRecord) -> DirIndex:
        """Decode a stored record; raises ValueError if it is not one this version wrote."""
        data = record.data
        if len(data) < _HEADER.size or data[:4] != _MAGIC:
            raise ValueError("not a directory record of this version")
        _magic, n, regular, irr_len, n_sub, sub_len, n_other, other_len = _HEADER.unpack_from(data)
        pos = _HEADER.size
        if pos + 12 * n + irr_len + sub_len + other_len != len(data) or regular > n:
            raise ValueError("damaged directory record")
        times = np.frombuffer(data, "<i8", n, pos)
        keys = np.frombuffer(data, "<i4", n, pos + 8 * n)
        pos += 12 * n
        irregular = data[pos : pos + irr_len]
        pos += irr_len
        subdirs = _split(data[pos : pos + sub_len], n_sub)
        pos += sub_len
        return cls(
            record.path,
            record.signature,
            record.racy,
            times,
            keys,
            regular,
            subdirs,
            irregular,
            None,
            data[pos:],
            None,
            n_other,
        )


def signature(st: os.stat_result) -> str:
    return f"{st.st_mtime_ns}:{st.st_ino}:{st.st_dev}"


def read_dir(
    path: str,
    sig: str,
    racy: bool,
    parser: NameParser,
    previous: DirIndex | None = None,
    cancel: threading.Event | None = None,
) -> DirIndex:
    """List ``path``; parse canonical names in bulk, the rest one by one unless ``previous`` knew them."""
    files: list[str] = []
    subdirs: list[str] = []
    with os.scandir(path) as it:
        for entry in it:
            name = entry.name
            if name[0] == ".":
                continue
            if entry.is_dir(follow_symlinks=False):
                subdirs.append(name)
            else:
                files.append(name)
    if cancel is not None and cancel.is_set():
        raise ScanCancelled
    ok, times, keys = parse_canonical_batch(files)
    known = previous.known() if previous is not None else {}
    irregular: list[str] = []
    extra_times: list[int] = []
    extra_keys: list[int] = []
    others: list[str] = []
    for i in np.flatnonzero(~ok).tolist():
        name = files[i]
        if name in known:
            parsed = known[name]
        elif os.path.splitext(name)[1].lower() in FRAME_SUFFIXES:
            parsed = parser.parse(name)
        else:
            parsed = None
        if parsed is None:
            others.append(name)
        else:
            irregular.append(name)
            extra_times.append(parsed[0])
            extra_keys.append(parsed[1])
    subdirs.sort()
    # Time order within the canonical and within the other frames: later scans find sorted runs.
    regular = np.flatnonzero(ok)
    regular = regular[np.argsort(times[regular])]  # canonical names: equal times are different archives
    extra = np.argsort(np.array(extra_times, dtype=np.int64), kind="stable")
    all_times = np.concatenate((times[regular], np.array(extra_times, dtype=np.int64)[extra]))
    all_keys = np.concatenate((keys[regular], np.array(extra_keys, dtype=np.int32)[extra]))
    irregular = [irregular[i] for i in extra.tolist()]
    return DirIndex(
        path, sig, racy, all_times, all_keys, len(regular), subdirs, b"", irregular, b"", others, len(others), True
    )


# --------------------------------------------------------------------------------------------------
# The walk
# --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class WalkResult:
    dirs: list[DirIndex]  # in walk order (a directory before its subdirectories, these sorted by name)
    removed: list[str]  # cached directories that are gone
    warnings: list[str]

    @property
    def changed(self) -> list[DirIndex]:
        return [d for d in self.dirs if d.changed]


def walk(
    root: str,
    cached: Mapping[str, DirRecord],
    *,
    force: bool = False,
    cancel: threading.Event | None = None,
    report: Callable[[int, int, str], None] | None = None,
    clock: Callable[[], float] = time.time,
) -> WalkResult:
    """Walk ``root`` recursively; reuse each cached directory whose signature is unchanged (unless ``force``)."""
    parser = NameParser()
    dirs: list[DirIndex] = []
    warnings: list[str] = []
    stack = [root]
    known_dirs = 1
    while stack:
        if cancel is not None and cancel.is_set():
            raise ScanCancelled
        path = stack.pop()
        try:
            st = os.stat(path)
            sig = signature(st)
            record = cached.get(path)
            previous = None
            if record is not None and not force:
                try:
                    previous = DirIndex.from_record(record)
                except ValueError:
                    previous = None
            if previous is not None and previous.signature == sig and not previous.racy:
                index = previous
            else:
                racy = clock() - st.st_mtime < RACY_SECONDS
                index = read_dir(path, sig, racy, parser, previous, cancel)
        except OSError as exc:
            if path == root:
                raise
            warnings.append(f"could not read {path}: {exc.strerror or exc}")
            continue
        dirs.append(index)
        stack.extend(os.path.join(path, sub) for sub in reversed(index.subdirs))
        known_dirs += len(index.subdirs)
        if report is not None:
            report(len(dirs), known_dirs, path)
    seen = {d.path for d in dirs}
    return WalkResult(dirs, [p for p in cached if p not in seen], warnings)
