"""Both stores' HTTP: the session they open (:func:`client_session`) and how they receive a file (:func:`receive`).

A body of a few MB is held in memory and written to its file by one call in a thread (no disk write on the
event loop, no thread hop per chunk); past :data:`SPILL_BYTES` the rest streams into the file. The bytes are
counted against a cap as they arrive (decompressed: a gzip bomb stops there too), with byte progress, and the
first bytes are kept for the caller's format check, which may stop a download at its first chunk (an error page
is not read to its end). A process-wide bandwidth cap and a minimum rate over a window (:mod:`.rate`) apply to
every body received here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import aiohttp

from goesvfi.integrity_check.remote.base import ByteProgress, RemoteError
from goesvfi.integrity_check.remote.rate import Bandwidth, MinRate, RateFloor, shared_bandwidth
from goesvfi.integrity_check.runtime import run_blocking
from goesvfi.integrity_check.settings import FetchSettings

USER_AGENT = "goesvfi-integrity/0.1 (GOES-VFI Integrity Check)"
SPILL_BYTES = 8 * 1024 * 1024
"""A body is held in memory up to this size and written to its file by one call in a thread; the rest of a
larger one streams to the file."""


def client_session(
    timeout: float, *, connector: aiohttp.BaseConnector | None = None, headers: dict[str, str] | None = None
) -> aiohttp.ClientSession:
    """An aiohttp session as both stores open one: ``timeout`` seconds to connect and per read (no total: the
    request deadline bounds a request), our User-Agent (plus ``headers``), and the environment's proxy settings
    (``HTTP(S)_PROXY``, ``NO_PROXY``, as the S3 client, botocore, reads them). Made on the event loop."""
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout),
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        trust_env=True,
    )


def rate_limits(settings: FetchSettings) -> dict[str, Any]:
    """:func:`receive`'s ``bandwidth`` (the process's shared cap, set to ``settings.max_rate``) and ``min_rate``."""
    minimum = MinRate(settings.min_rate, settings.min_rate_window) if settings.min_rate > 0 else None
    return {"bandwidth": shared_bandwidth(settings.max_rate), "min_rate": minimum}


@dataclass(frozen=True, slots=True)
class Received:
    """What arrived: its size, the length the server announced (None when it did not, or sent it compressed),
    its first bytes (up to the ``head_bytes`` asked for) and its last two."""

    size: int
    announced: int | None
    head: bytes
    tail: bytes


TooLarge = Callable[[int, bool], RemoteError]
"""``(size, announced)`` -> the store's error for a body past its cap (announced: the server said so up front)."""


async def receive(
    resp: aiohttp.ClientResponse,
    dest: Path,
    *,
    cap: int,
    chunk_size: int,
    too_large: TooLarge,
    progress: ByteProgress | None = None,
    head_bytes: int = 4,
    check_head: Callable[[bytes], None] | None = None,
    bandwidth: Bandwidth | None = None,
    min_rate: MinRate | None = None,
) -> Received:
    """Write the body of ``resp`` (a 2xx response) to ``dest``. ``check_head`` is called once with the first
    ``head_bytes`` bytes as soon as they arrived (or with all of a shorter body at its end) and raises to stop.
    ``bandwidth``: the cap every chunk is paid for; ``min_rate``: raises :class:`~.rate.SlowTransferError` when
    a window brings less (waits for the cap not counted)."""
    announced = resp.content_length if not resp.headers.get("Content-Encoding") else None
    if resp.content_length is not None and resp.content_length > cap:
        raise too_large(resp.content_length, True)
    if progress:
        progress(0, announced)
    done = 0
    head, tail = b"", b""
    chunks: list[bytes] = []  # the body, until it passes SPILL_BYTES
    fh: BinaryIO | None = None  # once it did: the rest streams to the file
    floor = RateFloor(min_rate, clock=asyncio.get_running_loop().time) if min_rate is not None else None
    watchdog = asyncio.timeout(floor.deadline if floor is not None else None)
    try:
        async with watchdog:
            async for chunk in resp.content.iter_chunked(chunk_size):
                if done + len(chunk) > cap:
                    raise too_large(done + len(chunk), False)
                if len(head) < head_bytes:
                    head += chunk[: head_bytes - len(head)]
                    if check_head is not None and len(head) == head_bytes:
                        check_head(head)
                if fh is not None:
                    fh.write(chunk)  # into the page cache: microseconds per chunk
                else:
                    chunks.append(chunk)
                    if done + len(chunk) >= SPILL_BYTES:
                        fh = await run_blocking(_open_and_write, dest, chunks)
                        chunks = []
                done += len(chunk)
                tail = chunk[-2:] if len(chunk) >= 2 else (tail + chunk)[-2:]
                if progress:
                    progress(done, announced)
                await _pace(len(chunk), bandwidth, floor, watchdog)
    except TimeoutError:
        if floor is not None and watchdog.expired():
            raise floor.error(resp.url.host or "the server") from None
        raise
    finally:
        if fh is not None:
            await run_blocking(fh.close)
    if check_head is not None and len(head) < head_bytes:  # a whole body shorter than the head
        check_head(head)
    if fh is None and (announced is None or done == announced):  # a short body is the caller's error to raise
        await run_blocking(_write_file, dest, chunks)
    return Received(done, announced, head, tail)


async def pay(n: int, bandwidth: Bandwidth | None) -> None:
    """Wait until ``n`` bytes just received are paid for under the cap (no cap: at once): for bodies read
    outside :func:`receive` (the CDN's index pages)."""
    wait = bandwidth.take(n) if bandwidth is not None else 0.0
    if wait > 0:
        await asyncio.sleep(wait)


async def _pace(n: int, bandwidth: Bandwidth | None, floor: RateFloor | None, watchdog: asyncio.Timeout) -> None:
    """Book ``n`` bytes with the minimum-rate watch, then wait for the cap (a wait that does not count against
    the minimum rate)."""
    wait = bandwidth.take(n) if bandwidth is not None else 0.0
    if floor is not None:
        floor.arrived(n)
        floor.paused(wait)
        watchdog.reschedule(floor.deadline)
    if wait > 0:
        await asyncio.sleep(wait)


def _open_and_write(path: Path, chunks: list[bytes]) -> BinaryIO:
    fh = open(path, "wb")  # noqa: SIM115  # the caller streams the rest of the body into it, then closes it
    try:
        fh.writelines(chunks)
    except BaseException:
        fh.close()
        raise
    return fh


def _write_file(path: Path, chunks: list[bytes]) -> None:
    with open(path, "wb") as fh:
        fh.writelines(chunks)
