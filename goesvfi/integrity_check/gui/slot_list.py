"""SlotList: a scan's slots kept as columns (numpy arrays and lists), a :class:`SlotResult` built when read.

No Qt here: built in worker threads, read by the table model and the views.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import overload

import numpy as np

from goesvfi.integrity_check.results import SlotResult, SlotStatus, Source
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

PATH_TYPE = type(Path())  # PosixPath / WindowsPath: skips Path's per-call class dispatch

STATUS_ORDER: tuple[SlotStatus, ...] = tuple(SlotStatus)  # index in ``SlotList.statuses``
SOURCE_ORDER: tuple[Source | None, ...] = (None, *Source)  # index in ``SlotList.sources``
STATUS_INDEX = {status: i for i, status in enumerate(STATUS_ORDER)}
SOURCE_INDEX = {source: i for i, source in enumerate(SOURCE_ORDER)}
_CACHED = 2048  # slots a SlotList keeps built (the rows on screen ask for theirs many times per repaint)


class SlotList(Sequence[SlotResult]):
    """An immutable sequence of slots stored as columns; a :class:`SlotResult` is built when one is read.

    The window keeps the results of a 100,000-slot scan for as long as they are shown. As 100,000
    ``SlotResult`` objects, each with a ``Path`` (and the path's list of parts), they were 300,000 objects that
    every full garbage collection walked, holding the GIL for 60-130 ms (in whichever thread triggered it: a
    stall of the window). As columns (numpy arrays, and lists of strings the collector does not visit) they are
    a handful of objects. Slots of another satellite, sector or band than the first (never, from one scan) are
    kept whole in ``odd``.
    """

    __slots__ = (
        "_cache",
        "band",
        "errors",
        "looks",
        "odd",
        "paths",
        "remotes",
        "satellite",
        "sector",
        "sources",
        "statuses",
        "times",
    )

    def __init__(
        self,
        satellite: SatellitePattern,
        sector: Sector,
        band: int,
        times: list[datetime],
        statuses: np.ndarray,
        sources: np.ndarray,
        paths: list[str | None],
        remotes: list[str | None],
        errors: list[str | None],
        looks: list[str | None],
        odd: dict[int, SlotResult] | None = None,
    ) -> None:
        self.satellite, self.sector, self.band = satellite, sector, band
        self.times = times  # aware UTC datetimes, time order
        self.statuses = statuses  # uint8 index into STATUS_ORDER
        self.sources = sources  # uint8 index into SOURCE_ORDER
        self.paths, self.remotes, self.errors, self.looks = paths, remotes, errors, looks
        self.odd: dict[int, SlotResult] = odd or {}
        self._cache: dict[int, SlotResult] = {}

    @classmethod
    def from_results(cls, results: Sequence[SlotResult]) -> SlotList:
        if isinstance(results, SlotList):
            return results
        first = results[0] if results else None
        satellite = first.satellite if first is not None else SatellitePattern.GENERIC
        sector = first.sector if first is not None else Sector.CONUS
        band = first.band if first is not None else 13
        n = len(results)
        out = cls(
            satellite,
            sector,
            band,
            [r.timestamp for r in results],
            np.zeros(n, np.uint8),
            np.zeros(n, np.uint8),
            [None] * n,
            [None] * n,
            [None] * n,
            [None] * n,
        )
        for i, result in enumerate(results):
            out._put(i, result)
        return out

    def _put(self, i: int, result: SlotResult) -> None:
        """Store ``result`` at ``i`` (construction and :meth:`replaced` only: the list is immutable after)."""
        self.times[i] = result.timestamp
        self.statuses[i] = STATUS_INDEX[result.status]
        self.sources[i] = SOURCE_INDEX[result.source]
        self.paths[i] = None if result.path is None else str(result.path)
        self.remotes[i], self.errors[i], self.looks[i] = result.remote, result.error, result.look
        if (result.satellite, result.sector, result.band) != (self.satellite, self.sector, self.band):
            self.odd[i] = result
        else:
            self.odd.pop(i, None)

    def replaced(self, changes: dict[int, SlotResult]) -> SlotList:
        """A new list with the slots at the given positions replaced (this one stays as it was)."""
        out = SlotList(
            self.satellite,
            self.sector,
            self.band,
            list(self.times),
            self.statuses.copy(),
            self.sources.copy(),
            list(self.paths),
            list(self.remotes),
            list(self.errors),
            list(self.looks),
            dict(self.odd),
        )
        for i, result in changes.items():
            out._put(i, result)
        return out

    def key(self, i: int) -> tuple[datetime, SatellitePattern, Sector, int]:
        """(timestamp, satellite, sector, band) of slot ``i``, without building it."""
        odd = self.odd.get(i)
        if odd is not None:
            return odd.timestamp, odd.satellite, odd.sector, odd.band
        return self.times[i], self.satellite, self.sector, self.band

    def __len__(self) -> int:
        return len(self.times)

    @overload
    def __getitem__(self, i: int) -> SlotResult: ...
    @overload
    def __getitem__(self, i: slice) -> list[SlotResult]: ...
    def __getitem__(self, i: int | slice) -> SlotResult | list[SlotResult]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self.times)
        if not 0 <= i < len(self.times):
            raise IndexError("slot index out of range")
        built = self._cache.get(i)
        if built is not None:
            return built
        built = self._build(i)
        if len(self._cache) >= _CACHED:
            self._cache.clear()
        self._cache[i] = built
        return built

    def __iter__(self) -> Iterator[SlotResult]:
        for i in range(len(self.times)):
            yield self._build(i)

    def _build(self, i: int) -> SlotResult:
        odd = self.odd.get(i)
        if odd is not None:
            return odd
        path = self.paths[i]
        return SlotResult(
            self.times[i],
            self.satellite,
            self.sector,
            self.band,
            STATUS_ORDER[self.statuses[i]],
            SOURCE_ORDER[self.sources[i]],
            None if path is None else PATH_TYPE(path),
            self.remotes[i],
            self.errors[i],
            self.looks[i],
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SlotList({len(self)} slots)"
