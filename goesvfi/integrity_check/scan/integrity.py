"""The integrity of the frames a scan found: which present frames are whole, which are damaged, and their looks.

Every scan checks each present frame of its range structurally (:func:`.frame_check.check_frame`: one open,
head and tail); ``verify`` decodes them fully (:func:`.frame_check.verify_frame`); ``audit`` verifies that many
frames, the never-verified first, then the longest-verified ago (a rolling scrub). Verdicts are cached twice:

- per directory, at the directory's signature (``dir_checks``): one byte per frame of the directory's index
  (0 unchecked, 1 whole, 2 verified whole, 3 damaged) with the looks and reasons. While a directory's signature
  is unchanged, a warm scan takes its verdicts from this blob and opens no frame;
- per file, with the identity it had when checked (size, ``st_mtime_ns``, inode) in ``frame_checks``: when a
  directory changed, a file whose identity is unchanged keeps its verdict, so only new or rewritten files are
  read again.

A file rewritten in place in a directory whose signature did not change (no file added, removed or renamed) is
seen by ``--rescan``, ``--verify`` and the audit, not by a warm scan. Blocking work runs in worker threads.
"""

from __future__ import annotations

import asyncio
import json
import os
import struct
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from goesvfi.integrity_check.cache.db import CacheDB, CacheError, FrameRecord, FrameRow
from goesvfi.integrity_check.look.value import Look
from goesvfi.integrity_check.scan.frame_check import FrameCheck, Identity, check_file, verify_frame
from goesvfi.integrity_check.scan.index import DirIndex

UNCHECKED, WHOLE, VERIFIED, DAMAGED = 0, 1, 2, 3
_NO_LOOK = 255
_BLOB = struct.Struct("<4sI")
_MAGIC = b"GVC1"
CHUNK = 64
"""Files one worker task checks (fewer thread hand-offs than one task per file)."""


@dataclass(slots=True)
class DirVerdicts:
    """The verdicts of one directory's frames, aligned with its index order at ``signature``."""

    signature: str
    levels: np.ndarray  # uint8 per frame
    look_ids: np.ndarray  # uint8 per frame: index into ``looks``, 255 = none
    looks: list[str] = field(default_factory=list)
    reasons: dict[int, str] = field(default_factory=dict)

    @classmethod
    def empty(cls, signature: str, count: int) -> DirVerdicts:
        return cls(signature, np.zeros(count, np.uint8), np.full(count, _NO_LOOK, np.uint8))

    def to_bytes(self) -> bytes:
        header = json.dumps({"looks": self.looks, "reasons": {str(k): v for k, v in self.reasons.items()}}).encode()
        return _BLOB.pack(_MAGIC, len(header)) + header + self.levels.tobytes() + self.look_ids.tobytes()

    @classmethod
    def from_bytes(cls, signature: str, data: bytes, count: int) -> DirVerdicts | None:
        """None when the blob is not this format or not of ``count`` frames."""
        if len(data) < _BLOB.size:
            return None
        magic, length = _BLOB.unpack_from(data)
        body = data[_BLOB.size + length :]
        if magic != _MAGIC or len(body) != 2 * count:
            return None
        try:
            header = json.loads(data[_BLOB.size : _BLOB.size + length])
            reasons = {int(k): str(v) for k, v in header["reasons"].items()}
            looks = [str(x) for x in header["looks"]]
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        levels = np.frombuffer(body[:count], np.uint8).copy()
        look_ids = np.frombuffer(body[count:], np.uint8).copy()
        return cls(signature, levels, look_ids, looks, reasons)

    def look_of(self, index: int) -> str | None:
        i = int(self.look_ids[index])
        return None if i == _NO_LOOK or i >= len(self.looks) else self.looks[i]

    def record_many(self, verdicts: Sequence[tuple[int, int, str | None, str | None]]) -> None:
        """:meth:`record` for many frames at once: (index, level, reason, look) each."""
        if len(verdicts) < 64:
            for verdict in verdicts:
                self.record(*verdict)
            return
        index = np.fromiter((v[0] for v in verdicts), dtype=np.int64, count=len(verdicts))
        self.levels[index] = np.fromiter((v[1] for v in verdicts), dtype=np.uint8, count=len(verdicts))
        ids: dict[str | None, int] = {None: _NO_LOOK}
        for look in {v[3] for v in verdicts if v[3] is not None}:
            if look not in self.looks and len(self.looks) < _NO_LOOK:
                self.looks.append(look)
            ids[look] = self.looks.index(look) if look in self.looks else _NO_LOOK
        self.look_ids[index] = np.fromiter((ids[v[3]] for v in verdicts), dtype=np.uint8, count=len(verdicts))
        reasons = self.reasons
        for i, _level, reason, _look in verdicts:
            if reason is not None:
                reasons[i] = reason
            elif reasons:
                reasons.pop(i, None)

    def record(self, index: int, level: int, reason: str | None, look: str | None) -> None:
        self.levels[index] = level
        if reason is None:
            self.reasons.pop(index, None)
        else:
            self.reasons[index] = reason
        if look is None:
            self.look_ids[index] = _NO_LOOK
            return
        if look not in self.looks:
            if len(self.looks) >= _NO_LOOK:  # 255 looks in one folder: keep the verdict, drop the look
                self.look_ids[index] = _NO_LOOK
                return
            self.looks.append(look)
        self.look_ids[index] = self.looks.index(look)


@dataclass(slots=True)
class Verdicts:
    """What the integrity check says of a scan's present slots (indices into its expected slots):
    ``damaged`` slot -> (path, reason); ``looks`` look key -> the slots of whole frames with that look, in time
    order (frames without an image look, NetCDF, are in none). Compact: a warm scan of 100,000 frames builds
    a few arrays, not 100,000 objects."""

    damaged: dict[int, tuple[str, str]] = field(default_factory=dict)
    looks: dict[str, np.ndarray] = field(default_factory=dict)

    def look_of(self, slot: int) -> str | None:
        for key, slots in self.looks.items():
            i = int(np.searchsorted(slots, slot))
            if i < len(slots) and slots[i] == slot:
                return key
        return None


@dataclass(slots=True)
class _Group:
    directory: DirIndex
    slots: np.ndarray  # indices into the scan's expected slots
    local: np.ndarray  # the covering frames' indices in the directory's index
    verdicts: DirVerdicts | None = None
    rows: dict[str, FrameRow] | None = None
    dirty: bool = False  # verdicts to store
    pending: list[tuple[int, int, str | None, str | None]] = field(default_factory=list)  # checked, to record
    _names: list[str] | None = None

    def names(self) -> list[str]:
        if self._names is None:
            self._names = self.directory.names()
        return self._names


def _identity(path: str) -> Identity | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def _run_check(path: str, full: bool) -> tuple[FrameCheck, Identity | None]:
    if not full:
        return check_file(path)
    identity = _identity(path)
    return verify_frame(path), identity


def _check_many(jobs: Sequence[tuple[str, bool]], workers: int) -> list[tuple[FrameCheck, Identity | None]]:
    """Check ``(path, full)`` jobs on ``workers`` threads (the reads and decodes release the GIL)."""
    size = max(1, min(CHUNK, -(-len(jobs) // (4 * max(1, workers)))))  # every worker gets work, even for a few
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]

    def run(chunk: Sequence[tuple[str, bool]]) -> list[tuple[FrameCheck, Identity | None]]:
        return [_run_check(path, full) for path, full in chunk]

    if workers <= 1 or len(chunks) <= 1:
        return [r for chunk in chunks for r in run(chunk)]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="goesvfi-check") as pool:
        return [r for part in pool.map(run, chunks) for r in part]


def _groups(dirs: Sequence[DirIndex], slot_idx: np.ndarray, file_idx: np.ndarray) -> list[_Group]:
    """The present slots grouped by the directory of their covering frame (vectorised)."""
    if not len(file_idx):
        return []
    sizes = np.array([len(d.times) for d in dirs], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    which = np.searchsorted(offsets, file_idx, side="right") - 1
    order = np.argsort(which, kind="stable")
    which, slots, files = which[order], slot_idx[order], file_idx[order]
    keys, starts = np.unique(which, return_index=True)
    bounds = [*starts.tolist(), len(which)]
    groups = []
    for k, lo, hi in zip(keys.tolist(), bounds[:-1], bounds[1:], strict=True):
        groups.append(_Group(dirs[k], slots[lo:hi], files[lo:hi] - offsets[k]))
    return groups


@dataclass(slots=True)
class IntegrityRun:
    """One scan's integrity pass: :meth:`load` (async), :meth:`check` (blocking), :meth:`save` (async)."""

    dirs: Sequence[DirIndex]
    slot_idx: np.ndarray
    file_idx: np.ndarray
    verify: bool = False
    audit: int = 0
    force: bool = False  # ignore the per-directory blobs (``--rescan``): stat every present frame
    workers: int = field(default_factory=lambda: min(8, os.cpu_count() or 1))
    progress: Callable[[int, int], None] | None = None
    groups: list[_Group] = field(default_factory=list)
    checked: int = 0  # frames read in this pass
    _frame_rows: list[FrameRecord] = field(default_factory=list)

    async def load(self, cache: CacheDB | None) -> None:
        """Group the present frames by directory and load what the cache recorded of them."""
        self.groups = await asyncio.to_thread(_groups, self.dirs, self.slot_idx, self.file_idx)
        if cache is None:
            return
        try:
            blobs = await cache.load_dir_checks([g.directory.path for g in self.groups])
            for group in self.groups:
                d = group.directory
                stored = blobs.get(d.path)
                if stored is not None and stored[0] == d.signature and not self.force:
                    group.verdicts = DirVerdicts.from_bytes(d.signature, stored[1], len(d.times))
                if group.verdicts is None or self.audit:
                    group.rows = await cache.load_frame_checks(d.path)
        except CacheError:
            return

    def check(self) -> Verdicts:
        """Check what needs it (blocking) and gather the verdicts of every present slot."""
        now = time.time()
        audit = self._audit_choice() if self.audit else set()
        jobs: list[tuple[_Group, int, str, str, bool]] = []
        for group in self.groups:
            d = group.directory
            if group.verdicts is None:
                group.verdicts = DirVerdicts.empty(d.signature, len(d.times))
                group.dirty = True
                self._adopt_rows(group)
            levels = group.verdicts.levels[group.local]
            need = levels == UNCHECKED
            if self.verify:
                need |= levels == WHOLE
            picked = {local for path, local in audit if path == d.path}
            todo = np.union1d(group.local[need], np.array(sorted(picked), dtype=np.int64)).tolist()
            if todo:
                names, base = group.names(), d.path + os.sep
                jobs += [
                    (group, local, base + names[local], names[local], self.verify or local in picked) for local in todo
                ]
        total = len(jobs)
        keys: dict[Look, str] = {}  # each distinct look's key, formatted once
        rows = self._frame_rows
        step = CHUNK * 8
        for start in range(0, total, step):
            batch = jobs[start : start + step]
            full_batch = any(j[4] for j in batch)  # decodes release the GIL: threads help; head reads do not
            results = _check_many([(j[2], j[4]) for j in batch], self.workers if full_batch else 1)
            for (group, local, _path, name, full), (verdict, identity) in zip(batch, results, strict=True):
                reason, found = verdict.reason, verdict.look
                level = DAMAGED if reason is not None else VERIFIED if full else WHOLE
                look = None if found is None else keys.get(found) or keys.setdefault(found, found.key)
                group.pending.append((local, level, reason, look))
                if identity is not None:
                    verified = now if full else None
                    if not full and group.rows is not None and name in group.rows:
                        verified = group.rows[name].verified_at
                    rows.append((group.directory.path, name, *identity, level, reason, look, now, verified))
            if self.progress is not None:
                self.progress(start + len(batch), total)
        for group in self.groups:
            if group.pending:
                assert group.verdicts is not None
                group.verdicts.record_many(group.pending)
                group.pending.clear()
                group.dirty = True
        self.checked = total
        return self._gather()

    def _gather(self) -> Verdicts:
        out = Verdicts()
        parts: dict[str, list[np.ndarray]] = {}
        for group in self.groups:
            stored = group.verdicts
            assert stored is not None
            levels = stored.levels[group.local]
            ids = stored.look_ids[group.local]
            whole = levels != DAMAGED
            for look_id in np.unique(ids[whole & (ids != _NO_LOOK)]).tolist():
                if look_id < len(stored.looks):
                    parts.setdefault(stored.looks[look_id], []).append(group.slots[whole & (ids == look_id)])
            for i in np.flatnonzero(~whole).tolist():
                local = int(group.local[i])
                path = group.directory.path + os.sep + group.names()[local]
                out.damaged[int(group.slots[i])] = (path, stored.reasons.get(local, "damaged"))
        out.looks = {key: np.sort(np.concatenate(arrays)) for key, arrays in parts.items()}
        return out

    def _adopt_rows(self, group: _Group) -> None:
        """A changed directory: keep the verdicts of files whose identity is unchanged since they were checked."""
        rows = group.rows
        if not rows:
            return
        assert group.verdicts is not None
        names, base = group.names(), group.directory.path + os.sep
        for local in group.local.tolist():
            row = rows.get(names[local])
            if row is not None and _identity(base + names[local]) == (row.size, row.mtime_ns, row.inode):
                group.verdicts.record(local, row.level, row.reason, row.look)

    def _audit_choice(self) -> set[tuple[str, int]]:
        """The ``audit`` present frames verified longest ago (never-verified ones first, oldest slot first)."""
        ranked: list[tuple[float, int, str, int]] = []
        for group in self.groups:
            d = group.directory
            stored = group.verdicts
            names = group.names() if group.rows else []
            for slot, local in zip(group.slots.tolist(), group.local.tolist(), strict=True):
                level = int(stored.levels[local]) if stored is not None else UNCHECKED
                if level == DAMAGED:
                    continue
                when = -1.0
                if group.rows and level == VERIFIED:
                    row = group.rows.get(names[local])
                    when = row.verified_at if row is not None and row.verified_at is not None else -1.0
                ranked.append((when, slot, d.path, local))
        ranked.sort()
        return {(path, local) for _when, _slot, path, local in ranked[: self.audit]}

    async def save(self, cache: CacheDB | None) -> None:
        if cache is None:
            return
        changed = [g for g in self.groups if g.dirty and g.verdicts is not None]
        if not changed and not self._frame_rows:
            return
        blobs = await asyncio.to_thread(
            lambda: [(g.directory.path, g.directory.signature, g.verdicts.to_bytes()) for g in changed if g.verdicts]
        )
        try:
            await cache.save_checks(blobs, self._frame_rows)
        except CacheError:
            return
