"""Which cache file is ours: the cache opens only a regular file it created, never another file.

Our database carries :data:`APPLICATION_ID` in its header (``PRAGMA application_id``, bytes 68-71). Before SQLite
sees a path (SQLite follows symlinks, switches files to WAL and writes them), :func:`claim_cache_file` checks,
without following links, that the cache folder is a real folder, that the file and its ``-wal``/``-shm``/
``-journal`` sidecars are regular files of this user (not symlinks, devices or FIFOs), and that an existing
file is our database (our application id, or a cache of an earlier version: a ``schema_version`` table and
only our tables). Anything else is refused with :class:`RefusedCacheError`, one line naming the path, and left
exactly as it is (no chmod, no WAL, no rename): the caller uses an in-memory cache instead.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from pathlib import Path

APPLICATION_ID = 0x47564649  # "GVFI"
SQLITE_MAGIC = b"SQLite format 3\x00"
SIDECARS = ("-wal", "-shm", "-journal")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class RefusedCacheError(Exception):
    """The cache path is not a file the tool may open (a symlink, a device, another program's file ...)."""


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _refuse(path: Path, why: str, what: str = "the cache") -> RefusedCacheError:
    return RefusedCacheError(f"refusing {what} {path}: {why}; it is left as it is")


def _owned(info: os.stat_result) -> bool:
    geteuid = getattr(os, "geteuid", None)
    return geteuid is None or info.st_uid == geteuid()


def _check_regular(path: Path) -> os.stat_result | None:
    """lstat ``path``: None when absent; RefusedCacheError unless a regular file of this user."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        raise _refuse(path, f"it is {_kind(info.st_mode)}")
    if not _owned(info):
        raise _refuse(path, "it belongs to another user")
    return info


def prepare_folder(folder: Path) -> None:
    """Create the cache folder (0700) if absent; refuse one that is a symlink or not a folder of this user."""
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, 0o700)
        info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode):
        raise _refuse(folder, f"it is {_kind(info.st_mode)}", "the cache folder")
    if not _owned(info):
        raise _refuse(folder, "it belongs to another user", "the cache folder")


def _is_our_legacy_cache(path: Path, our_tables: frozenset[str]) -> bool:
    """A cache of an earlier version (no application id yet): read without writing anything (immutable)."""
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return False
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    return "schema_version" in tables and tables <= our_tables | {"schema_version", "sqlite_sequence"}


def claim_cache_file(path: Path, our_tables: frozenset[str]) -> bool:
    """Make sure ``path`` is ours to open; create it (0600) when absent. True when the file is new (empty).

    ``our_tables``: the tables our schema has made in any version (an earlier version's cache has no more).

    Raises :class:`RefusedCacheError` (the file is not touched) or OSError (the folder cannot be made).
    """
    prepare_folder(path.parent)
    for suffix in SIDECARS:
        _check_regular(path.with_name(path.name + suffix))
    if _check_regular(path) is None:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
        except FileExistsError:  # created meanwhile: check it like any existing file
            return claim_cache_file(path, our_tables)
        os.close(fd)
        return True
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # swapped since the lstat
            raise _refuse(path, f"it is {_kind(info.st_mode)}")
        header = os.read(fd, 100)
    finally:
        os.close(fd)
    if not header:
        return True  # an empty file of this user under our name: nothing to lose
    if len(header) >= 72 and int.from_bytes(header[68:72], "big") == APPLICATION_ID:
        _tighten(path)
        return False
    if header.startswith(SQLITE_MAGIC) and _is_our_legacy_cache(path, our_tables):
        _tighten(path)
        return False
    what = "another program's SQLite database" if header.startswith(SQLITE_MAGIC) else "not a GOES-VFI cache"
    raise _refuse(path, f"it is {what}")


def _tighten(path: Path) -> None:
    """Our cache readable by others: make it 0600 (through a descriptor that does not follow links)."""
    if not hasattr(os, "fchmod"):  # Windows before 3.13: no owner/other modes to tighten
        return
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
        try:
            info = os.fstat(fd)
            if stat.S_ISREG(info.st_mode) and info.st_mode & 0o077:
                os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
