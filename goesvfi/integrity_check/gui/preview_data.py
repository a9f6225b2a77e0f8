"""What the preview pane shows, as plain data (no tasks, no files): a slot's frames with their decoded image,
which frames to show for a slot, and the LRU cache of decoded frames. The view model's
:class:`~goesvfi.integrity_check.gui.previewer.Previewer` fills them; the pane only reads them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PyQt6.QtGui import QImage

from goesvfi.integrity_check.results import SlotResult, SlotStatus, Source

CACHE_ITEMS = 48
CACHE_BYTES = 96 * 1024 * 1024
_HAS_FILE = (SlotStatus.PRESENT, SlotStatus.FETCHED)


@dataclass(frozen=True, slots=True)
class FramePreview:
    """One frame as the preview pane shows it."""

    role: str  # "frame" (the selected slot), "before" or "after" (neighbours of a slot without a file)
    slot: SlotResult
    path: Path
    image: QImage | None  # scaled to fit PREVIEW_SIDE; None when it could not be decoded (see error)
    width: int = 0  # the file's own size and mode
    height: int = 0
    mode: str = ""
    file_size: int = 0
    error: str | None = None
    look_matches: bool | None = None  # does it match the folder's look (size, mode, colours)? None: unknown
    empty_rows: tuple[tuple[int, int], ...] = ()  # runs of empty rows (first, end) in ``image``'s rows

    @property
    def source(self) -> Source | None:
        return self.slot.source


@dataclass(frozen=True, slots=True)
class SlotPreview:
    """What the pane shows for one selected slot (``position`` in time order)."""

    position: int
    slot: SlotResult
    frames: tuple[FramePreview, ...]

    @property
    def has_file(self) -> bool:
        return any(f.role == "frame" for f in self.frames)


def preview_plan(slots: Sequence[SlotResult], position: int) -> list[tuple[str, SlotResult]]:
    """The frames to show for ``slots[position]``: itself when it has a file, else the nearest slots with a file
    before and after it (one or none at the ends of the range)."""
    if not 0 <= position < len(slots):
        return []
    slot = slots[position]
    if slot.path is not None and slot.status in (*_HAS_FILE, SlotStatus.DAMAGED):  # a damaged one: as it is
        return [("frame", slot)]
    plan: list[tuple[str, SlotResult]] = []
    for role, indices in (("before", range(position - 1, -1, -1)), ("after", range(position + 1, len(slots)))):
        for i in indices:
            other = slots[i]
            if other.path is not None and other.status in _HAS_FILE:
                plan.append((role, other))
                break
    return plan


class FrameCache:
    """Least-recently-used images by path, at most ``max_items`` and ``max_bytes`` (the newest always stays)."""

    def __init__(self, max_items: int = CACHE_ITEMS, max_bytes: int = CACHE_BYTES) -> None:
        self.max_items, self.max_bytes = max_items, max_bytes
        self._items: OrderedDict[str, tuple[FramePreview, int]] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    @property
    def nbytes(self) -> int:
        return self._bytes

    def keys(self) -> list[str]:
        """Oldest first."""
        return list(self._items)

    def get(self, key: str) -> FramePreview | None:
        entry = self._items.get(key)
        if entry is None:
            return None
        self._items.move_to_end(key)
        return entry[0]

    def put(self, key: str, frame: FramePreview, nbytes: int) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self._bytes -= old[1]
        self._items[key] = (frame, nbytes)
        self._bytes += nbytes
        while len(self._items) > 1 and (len(self._items) > self.max_items or self._bytes > self.max_bytes):
            _, (_, size) = self._items.popitem(last=False)
            self._bytes -= size

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0


def as_role(
    frame: FramePreview, role: str, slot: SlotResult, look_matches: Callable[[Path], bool | None] | None = None
) -> FramePreview:
    """The cached frame with this request's role, the slot's latest result (its source may have changed) and
    whether it matches the folder's look as known now (``look_matches(path)``; None: unknown)."""
    matches = look_matches(frame.path) if look_matches is not None else frame.look_matches
    return FramePreview(
        role,
        slot,
        frame.path,
        frame.image,
        frame.width,
        frame.height,
        frame.mode,
        frame.file_size,
        frame.error,
        matches,
        frame.empty_rows,
    )
