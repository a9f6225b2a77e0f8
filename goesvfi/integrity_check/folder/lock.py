"""Advisory lock files in a frame folder, so two processes never fetch the same slot twice.

Two locks live in the folder, both taken with ``fcntl.flock`` (Linux, macOS; ``msvcrt.locking`` on Windows),
non-blocking and polled until a deadline:

- :data:`FETCH_LOCK` (``.goesvfi-integrity.lock``) is held while frames are downloaded into the folder. The
  :class:`~.reconcile_manager.ReconcileManager` takes it itself (through :class:`FetchLocks`) for every fetch
  with something to download, so every caller is covered: ``fetch``, each ``watch`` cycle, the window, library
  code. A second fetch waits for the first (``FetchSettings.lock_wait``) and then finds the slots the first
  one wrote present, so no slot is fetched twice.
- :data:`WATCH_LOCK` (``.goesvfi-integrity-watch.lock``) is held by a watcher for its whole life: a second
  watcher on the same folder waits up to its ``lock_wait`` and then stops with a message naming the first one.

The holder writes ``PID purpose start-time`` into the file so that a waiting process can say who holds it.
The lock is released when the file is closed, so a crashed holder never leaves the folder locked; the file
itself stays (deleting it would race with a process about to lock it). Neither name parses as a frame name,
so scans and pruning ignore them.

``flock`` locks belong to an open file, not to a process: two :class:`FolderLock` objects on the same file
exclude each other even in one process. Never take :data:`FETCH_LOCK` around a manager call (the manager would
wait for its own caller).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import stat
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from goesvfi.integrity_check.time_index import iso_z

FETCH_LOCK = ".goesvfi-integrity.lock"
WATCH_LOCK = ".goesvfi-integrity-watch.lock"
POLL_SECONDS = 0.2

if sys.platform == "win32":
    import msvcrt

    def _try_lock(fh: IO[str]) -> bool:
        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fh: IO[str]) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fh: IO[str]) -> bool:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                return False
            raise
        return True

    def _unlock(fh: IO[str]) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class FolderLockError(OSError):
    """The lock file cannot be created or locked (read-only folder, unsupported file system).

    An :class:`OSError` (like :class:`BlockingIOError` for a busy lock), so callers that report file-system
    errors as one line report this one too; ``str(error)`` is the message for the user.
    """


@dataclass(frozen=True, slots=True)
class LockHolder:
    """What the holder wrote into the lock file (fields None when it could not be read)."""

    pid: int | None
    purpose: str | None
    since: str | None

    def describe(self) -> str:
        if self.pid is None:
            return "another process"
        what = f"a '{self.purpose}' run" if self.purpose else "a process"
        since = f" since {self.since}" if self.since else ""
        return f"{what} (PID {self.pid}){since}"


class FolderLockedError(FolderLockError):
    """Another process holds the lock; ``holder`` says who."""

    def __init__(self, path: Path, holder: LockHolder, waited: float) -> None:
        self.path = path
        self.holder = holder
        self.waited = waited
        waited_text = f" after waiting {waited:g} s" if waited > 0 else ""
        super().__init__(f"{path.parent} is locked by {holder.describe()}{waited_text} (lock file {path.name})")


def read_holder(path: Path) -> LockHolder:
    """Read the holder's ``PID purpose since`` line; tolerate a missing or half-written file."""
    try:  # never through a symlink, never blocking on a FIFO, never more than a line
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        try:
            raw = os.read(fd, 256) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
        finally:
            os.close(fd)
    except OSError:
        return LockHolder(None, None, None)
    text = raw.decode("utf-8", errors="replace").split()
    pid = int(text[0]) if text and text[0].isdigit() else None
    purpose = text[1] if len(text) > 1 else None
    since = text[2] if len(text) > 2 else None
    return LockHolder(pid, purpose, since)


class FolderLock:
    """One lock file in ``directory``. Use ``with`` / ``async with`` or :meth:`acquire` / :meth:`release`.

    ``wait`` is how long :meth:`acquire` keeps trying (seconds; 0 = one try) before it raises
    :class:`FolderLockedError`. Constructing a lock does no I/O.
    """

    def __init__(
        self,
        directory: Path | str,
        *,
        name: str = FETCH_LOCK,
        purpose: str = "fetch",
        wait: float = 0.0,
        poll: float = POLL_SECONDS,
    ) -> None:
        if wait < 0:
            raise ValueError("lock wait cannot be negative")
        if not purpose or any(c.isspace() for c in purpose):
            raise ValueError("the lock purpose is one word")
        self.path = Path(directory) / name
        self.purpose = purpose
        self.wait = wait
        self.poll = poll
        self._fh: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._fh is not None

    def _open(self) -> IO[str]:
        """Open (create) the lock file without following a symlink, and only if it is a regular file: a symlink
        planted at the lock's name must not let the lock truncate and overwrite its target."""
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP or self.path.is_symlink():
                raise FolderLockError(
                    f"refusing the lock file {self.path}: it is a symbolic link (remove it; the lock file must be "
                    "a regular file)"
                ) from exc
            reason = exc.strerror or str(exc)
            raise FolderLockError(f"cannot create the lock file {self.path}: {reason}") from exc
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise FolderLockError(
                    f"refusing the lock file {self.path}: it is not a regular file (remove it; the lock file must be "
                    "a regular file)"
                )
            if hasattr(os, "O_NONBLOCK"):
                os.set_blocking(fd, True)
            return open(fd, "a+", encoding="utf-8", closefd=True)
        except BaseException:
            os.close(fd)
            raise

    def _try_acquire(self) -> bool:
        if self._fh is not None:
            raise RuntimeError(f"{self.path} is already held by this object")
        fh = self._open()
        try:
            locked = _try_lock(fh)
        except OSError as exc:
            fh.close()
            raise FolderLockError(f"cannot lock {self.path}: {exc.strerror or exc}") from exc
        if not locked:
            fh.close()
            return False
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()} {self.purpose} {iso_z(datetime.now(UTC))}\n")
        fh.flush()
        self._fh = fh
        return True

    def acquire(self) -> None:
        """Take the lock, polling up to ``wait`` seconds (blocks the calling thread)."""
        started = time.monotonic()
        while not self._try_acquire():
            waited = time.monotonic() - started
            if waited >= self.wait:
                raise FolderLockedError(self.path, read_holder(self.path), self.wait)
            time.sleep(min(self.poll, self.wait - waited))

    async def acquire_async(
        self,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_wait: Callable[[LockHolder], None] | None = None,
    ) -> None:
        """Take the lock without blocking the event loop; ``on_wait`` is told once when it has to wait."""
        started = time.monotonic()
        told = False
        while not self._try_acquire():
            waited = time.monotonic() - started
            if waited >= self.wait:
                raise FolderLockedError(self.path, read_holder(self.path), self.wait)
            if on_wait is not None and not told:
                on_wait(read_holder(self.path))
                told = True
            await sleep(min(self.poll, self.wait - waited))

    def release(self) -> None:
        fh, self._fh = self._fh, None
        if fh is None:
            return
        try:
            fh.seek(0)
            fh.truncate()
            _unlock(fh)
        finally:
            fh.close()

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    async def __aenter__(self) -> FolderLock:
        await self.acquire_async()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.release()


@contextlib.contextmanager
def folder_lock(directory: Path | str, *, purpose: str = "fetch", wait: float = 0.0) -> Iterator[FolderLock]:
    """Hold the folder's fetch lock for a block: ``with folder_lock(folder, wait=60): ...``."""
    with FolderLock(directory, purpose=purpose, wait=wait) as lock:
        yield lock


@contextlib.asynccontextmanager
async def folder_lock_async(
    directory: Path | str, *, purpose: str = "fetch", wait: float = 0.0
) -> AsyncIterator[FolderLock]:
    """The same as :func:`folder_lock` for coroutines: ``async with folder_lock_async(folder): ...``."""
    async with FolderLock(directory, purpose=purpose, wait=wait) as lock:
        yield lock


def _folder_key(directory: Path) -> str:
    """The same string for every spelling of a folder's path (a ``getcwd``, no disk access)."""
    return os.path.normcase(os.path.abspath(directory))


@dataclass
class _Shared:
    lock: FolderLock
    users: int = 0
    gate: asyncio.Lock = field(default_factory=asyncio.Lock)


class FetchLocks:
    """The fetch locks of one owner (a manager): one :data:`FETCH_LOCK` per folder, shared by its fetches.

    The owner's concurrent fetches into one folder share one held lock (the owner keeps them from downloading
    the same slot twice), while other owners and processes wait up to ``wait`` seconds. The lock is released
    when the last of those fetches ends. Constructing it does no I/O.
    """

    def __init__(self, wait: float) -> None:
        if wait < 0:
            raise ValueError("lock wait cannot be negative")
        self.wait = wait
        self._shared: dict[str, _Shared] = {}

    @contextlib.asynccontextmanager
    async def hold(
        self, directory: Path, on_wait: Callable[[LockHolder], None] | None = None
    ) -> AsyncIterator[FolderLock]:
        """Hold the folder's fetch lock for a block; ``on_wait`` is told once if another holder makes it wait.

        Raises :class:`FolderLockedError` (naming the holder) when the wait runs out.
        """
        key = _folder_key(directory)
        shared = self._shared.get(key)
        if shared is None:
            shared = self._shared[key] = _Shared(FolderLock(directory, purpose="fetch", wait=self.wait))
        shared.users += 1
        try:
            async with shared.gate:  # one of the owner's fetches acquires; the others then share it
                if not shared.lock.held:
                    await shared.lock.acquire_async(on_wait=on_wait)
            yield shared.lock
        finally:
            shared.users -= 1
            if not shared.users:
                del self._shared[key]
                shared.lock.release()
