"""The remote-store protocol and the project's error types.

Stores translate aiohttp / botocore / OS errors into these types, with a message a user understands.
Constructing a store does no I/O; sessions open lazily and close in :meth:`RemoteStore.close`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from goesvfi.integrity_check.results import Source
from goesvfi.integrity_check.safe_text import safe_text
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

ByteProgress = Callable[[int, int | None], None]
"""Called as ``(bytes_done, bytes_total_or_None)`` while a download runs."""


class RemoteError(Exception):
    """Base class: ``str(error)`` is a message for the user.

    The store that raised it fills in where it happened, for logs, the CSV and callers that act on it: ``host``
    (the server, user info never included), ``remote`` (the URL or object key asked for) and ``cause`` (the
    library's exception it translates, also ``__cause__``; None for a refusal of ours, like a size limit).
    """

    retryable = False

    def __init__(
        self, message: str, *, host: str | None = None, remote: str | None = None, cause: BaseException | None = None
    ) -> None:
        super().__init__(safe_text(message))  # a server's words (an S3 <Message>, a key) never reach a terminal raw
        self.host = host
        self.remote = remote
        self.cause = cause

    def at(self, host: str, remote: str, cause: BaseException | None = None) -> RemoteError:
        """This error with where it happened filled in (what is already set stays); returns itself."""
        self.host = self.host or host
        self.remote = self.remote or remote
        self.cause = self.cause or cause
        return self


class RemoteNotFoundError(RemoteError):
    """The remote has no such file (HTTP 404, missing key, no object in the slot)."""


class RemoteUnavailableError(RemoteError):
    """Timeouts, resets, 5xx, 429: worth retrying. ``retry_after`` is the server's hint in seconds."""

    retryable = True

    def __init__(self, message: str, retry_after: float | None = None, **where: Any) -> None:
        super().__init__(message, **where)
        self.retry_after = retry_after


class RemoteCorruptError(RemoteError):
    """What arrived is not a valid file (truncated, not a JPEG, not NetCDF with ``Rad``)."""


class RemoteLimitError(RemoteError):
    """What a server sent passed one of our bounds (body size, decompressed size, listing pages, the request
    deadline): not retried; ``str(error)`` names the limit."""


class UnsafeNameError(RemoteError):
    """A listed remote name that would escape the target folder (``../x``, absolute paths)."""


def is_plain_name(name: str) -> bool:
    """A base name that cannot leave a folder: no separators, no ``..``, no drive, no control characters."""
    return (
        bool(name)
        and name not in (".", "..")
        and ".." not in name
        and not any(c in name for c in "/\\:")
        and all(c.isprintable() for c in name)
    )


def check_plain_name(name: str) -> str:
    """``name``, or :class:`UnsafeNameError` when it is not a plain file name (remote names never decide paths)."""
    if not is_plain_name(name):
        raise UnsafeNameError(f"refused the listed name {name!r}: it is not a plain file name")
    return name


@dataclass(frozen=True, slots=True)
class RemoteItem:
    """One downloadable file, found for an expected slot."""

    slot: datetime  # the expected scan time it covers
    start: datetime  # its real scan start (S3: e.g. 00:01:17.3; CDN: the minute)
    name: str  # file name (no folders)
    location: str  # full URL (CDN) or S3 key
    source: Source
    size: int | None = None


@runtime_checkable
class RemoteStore(Protocol):
    source: Source

    async def find(
        self, satellite: SatellitePattern, sector: Sector, band: int, slots: Sequence[datetime]
    ) -> dict[datetime, RemoteItem]:
        """Which of ``slots`` the remote has, from its listings (never by probing guessed names)."""
        ...

    async def download(self, item: RemoteItem, dest: Path, progress: ByteProgress | None = None) -> None:
        """Write ``item`` to ``dest`` (a temporary path chosen by the caller) and validate it.

        Raises :class:`RemoteError` subclasses; on error ``dest`` may hold partial bytes (the caller removes it).
        """
        ...

    async def close(self) -> None: ...
