"""Write-then-rename for frames: temp names in the target folder, fsync, atomic rename, cleanup.

The one helper of the package for writing a file under its final name (frames, CSV reports, conformed
frames): :func:`write_atomic`, or :func:`temp_path` + :func:`commit` when the temp file is filled by others
(a download). Files get ordinary permissions (``0666`` minus the umask), like any file a program creates.
Every temporary file is named ``.<final name>.part-<random><suffix>`` in the folder of the final file, so
the rename never crosses file systems, the scan (which ignores dot files) never counts it, and a later run
can find leftovers of a crash for the names it is about to write.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

_PART = ".part-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PNG_IEND = b"IEND\xaeB`\x82"


def temp_path(final: Path, suffix: str = "") -> Path:
    """A fresh temp path beside ``final``: ``.<name>.part-<random><suffix>``."""
    return final.with_name(f".{final.name}{_PART}{secrets.token_hex(6)}{suffix}")


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(directory: Path) -> None:
    """Make a rename durable; a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def commit(tmp: Path, final: Path) -> None:
    """fsync ``tmp``, rename it to ``final`` (atomic, same folder), fsync the folder."""
    if tmp.parent != final.parent:
        raise ValueError("a temp file must live in the folder of its final name")
    fsync_file(tmp)
    os.replace(tmp, final)
    fsync_dir(final.parent)


def write_atomic(
    final: Path, write: Callable[[BinaryIO], None], *, check: Callable[[Path], None] | None = None
) -> None:
    """Write ``final`` through ``write(fh)`` into a fresh temp file beside it (``0666`` minus the umask), fsync,
    run ``check(temp)`` (e.g. :func:`check_png`), rename over ``final``, fsync the folder. On any error or
    cancel the temp file is removed and ``final`` is untouched (an existing file stays whole)."""
    tmp = temp_path(final, final.suffix)
    try:
        with open(tmp, "xb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if check is not None:
            check(tmp)
        os.replace(tmp, final)
    except BaseException:
        remove_quietly(tmp)
        raise
    fsync_dir(final.parent)


def remove_quietly(*paths: Path | None) -> None:
    for path in paths:
        if path is not None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def check_png(path: Path) -> None:
    """Raise ValueError unless ``path`` starts with the PNG signature and ends with the IEND chunk."""
    with path.open("rb") as fh:
        head = fh.read(8)
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 8))
        tail = fh.read(8)
    if head != PNG_MAGIC or tail != _PNG_IEND:
        raise ValueError(f"{path.name} is not a complete PNG")
