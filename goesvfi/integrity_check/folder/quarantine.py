"""The quarantine folder: where the tool keeps every file it replaces, never deleting one.

``.goesvfi-quarantine/`` inside the frames' folder (a dot folder: scans skip it, GOES-VFI's frame list too).
A kept file has its own name with the UTC time it was set aside before the suffix:
``goes18_conus_C13_20230501T000600Z.kept-20261207T180102Z.png``. Restoring one is a rename back (README).

Two ways in, both safe against a kill at any moment:

- :func:`keep_copy` before a file is replaced under its own name: a hard link (a copy where links are not
  possible) into the quarantine folder, made durable, then the caller renames the new file over the old one.
  Killed in between, the old file is still in place and also kept;
- :func:`move_aside` for a file whose replacement has another name (a damaged CDN JPG replaced by its canonical
  PNG): one rename into the quarantine folder, after the replacement is in place.

Never follows a symlink: a symlinked quarantine folder is refused, a symlinked file is kept as the link itself.
Blocking: call from a thread.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import time
from pathlib import Path

from goesvfi.integrity_check.folder.atomic import fsync_dir

QUARANTINE = ".goesvfi-quarantine"


class QuarantineError(OSError):
    """The quarantine folder cannot be used (a symlink, a file in its place); nothing was replaced."""


def quarantine_dir(folder: Path) -> Path:
    """``folder/.goesvfi-quarantine``, created if needed (0777 minus the umask); never a symlink."""
    target = folder / QUARANTINE
    try:
        os.mkdir(target)
        fsync_dir(folder)
    except FileExistsError:
        pass
    st = os.lstat(target)
    if not stat.S_ISDIR(st.st_mode):
        raise QuarantineError(errno.ENOTDIR, f"{target} is not a folder (a symlink or a file): nothing was replaced")
    return target


def kept_name(name: str, when: float | None = None) -> str:
    """``name`` with the time it is set aside: ``a.png`` -> ``a.kept-20261207T180102Z.png``."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if when is None else when))
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        return f"{name}.kept-{stamp}"
    return f"{stem}.kept-{stamp}.{suffix}"


def _free_target(directory: Path, name: str) -> Path:
    target = directory / kept_name(name)
    n = 1
    while os.path.lexists(target):
        n += 1
        stem, dot, suffix = kept_name(name).rpartition(".")
        target = directory / (f"{stem}-{n}.{suffix}" if dot else f"{kept_name(name)}-{n}")
    return target


def keep_copy(path: Path, folder: Path | None = None) -> Path:
    """Keep ``path`` in the quarantine folder of ``folder`` (default: its own folder) while it stays in place:
    a hard link (a copy where the file system has none), durable before this returns. The kept path."""
    directory = quarantine_dir(folder if folder is not None else path.parent)
    target = _free_target(directory, path.name)
    try:
        os.link(path, target, follow_symlinks=False)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        shutil.copy2(path, target, follow_symlinks=False)
        with contextlib.suppress(OSError):
            fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fsync_dir(directory)
    return target


def move_aside(path: Path, folder: Path | None = None) -> Path:
    """Move ``path`` into the quarantine folder (one rename, same file system). The kept path."""
    directory = quarantine_dir(folder if folder is not None else path.parent)
    target = _free_target(directory, path.name)
    os.rename(path, target)
    fsync_dir(directory)
    fsync_dir(path.parent)
    return target


def forget_copy(kept: Path, original: Path) -> None:
    """Drop a kept hard link whose original is still in place unchanged (the replacement did not happen)."""
    with contextlib.suppress(OSError):
        if os.path.samefile(kept, original):
            kept.unlink()
