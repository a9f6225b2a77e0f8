"""The view model's preview part: which frames to show for a selected slot, decoded off the GUI thread, cached.

Selecting a row asks for that slot's frame; a slot without a file (missing, failed) asks for its nearest
frames before and after. Decoding (Pillow, :func:`~goesvfi.integrity_check.render.preview.decode_preview`) runs
in a worker thread through the view model's task runner, with the frame's runs of empty rows (the pane marks
them on a damaged frame); the QImage is built on the GUI thread. Requests
coalesce: while one decode runs, only the newest request waits, so holding an arrow key never queues a backlog.
Decoded images stay in a small LRU cache (:class:`~.preview_data.FrameCache`, bounded by count and bytes).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QObject, pyqtSignal
from PyQt6.QtGui import QImage

from goesvfi.integrity_check.gui.preview_data import FrameCache, FramePreview, SlotPreview, as_role, preview_plan
from goesvfi.integrity_check.results import SlotResult, SlotStatus, Source
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

if TYPE_CHECKING:
    from goesvfi.integrity_check.gui.look_view import LookView
    from goesvfi.integrity_check.gui.task_runner import TaskRunner
    from goesvfi.integrity_check.render.preview import DecodedFrame

__all__ = ["FrameCache", "FramePreview", "Previewer", "SlotPreview", "preview_plan", "to_qimage"]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def empty_runs(decoded: DecodedFrame) -> tuple[tuple[int, int], ...]:
    """Runs of empty rows in the decoded (reduced) pixels that are as long as the frame check counts (a share of
    the height, or a few of the file's own rows), less a row for the reduction's blending at their edges: what
    the preview marks on a damaged frame. Qt-free; runs in the decoding thread."""
    from goesvfi.integrity_check.render.content import EMPTY_ROWS_SHARE, MIN_EMPTY_ROWS, empty_row_runs

    height = decoded.pixels.shape[0]
    counted = max(MIN_EMPTY_ROWS * height / max(1, decoded.height), EMPTY_ROWS_SHARE * height)
    return tuple(empty_row_runs(decoded.pixels, max(1, math.ceil(counted) - 1)))


def _decode(path: Path) -> tuple[DecodedFrame, tuple[tuple[int, int], ...]]:
    from goesvfi.integrity_check.render.preview import decode_preview

    decoded = decode_preview(path)
    return decoded, empty_runs(decoded)


def to_qimage(decoded: DecodedFrame) -> QImage:
    """A QImage that owns a copy of the pixels (GUI thread)."""
    pixels = decoded.pixels
    height, width = pixels.shape[:2]
    fmt = QImage.Format.Format_Grayscale8 if pixels.ndim == 2 else QImage.Format.Format_RGB888
    return QImage(pixels.tobytes(), width, height, int(pixels.strides[0]), fmt).copy()


class Previewer(QObject):
    """Owned by the view model; ``ready`` carries a :class:`SlotPreview` (or a single-frame one for a path)."""

    ready = pyqtSignal(object)  # SlotPreview

    def __init__(
        self,
        runner: TaskRunner,
        on_error: Callable[[Exception], None],
        parent: QObject | None = None,
        look: Callable[[], LookView | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._on_error = on_error
        self._look = look  # the shown scan's look check (None: not finished yet)
        self.cache = FrameCache()
        self._generation = 0
        self._pending: tuple[int, int, SlotResult, list[tuple[str, SlotResult]]] | None = None
        self._task: asyncio.Task[None] | None = None
        self.decodes = 0  # files decoded (tests and the benchmark read it)

    def _look_matches(self, path: Path) -> bool | None:
        """Whether ``path`` has the folder's look, as the last look check found (None: not checked yet)."""
        look = self._look() if self._look is not None else None
        return None if look is None else look.matches(path)

    @property
    def busy(self) -> bool:
        return self._task is not None or self._pending is not None

    def request(self, slots: Sequence[SlotResult], position: int) -> None:
        """Show ``slots[position]`` (time order); the newest request wins."""
        if not 0 <= position < len(slots):
            return
        self._generation += 1
        plan = preview_plan(slots, position)
        slot = slots[position]
        cached = [self.cache.get(str(s.path)) for _role, s in plan]
        if all(frame is not None for frame in cached):  # instant: no task
            self._pending = None
            frames = tuple(
                as_role(f, role, s, self._look_matches)
                for f, (role, s) in zip(cached, plan, strict=True)
                if f is not None
            )
            self.ready.emit(SlotPreview(position, slot, frames))
            return
        self._pending = (self._generation, position, slot, plan)
        if self._task is None:
            self._task = self._runner.spawn(self._drain, self._on_error)

    def request_path(self, path: Path | str) -> None:
        """Show one file (not a slot of the results): a present local frame at position -1."""
        path = Path(path)
        slot = SlotResult(
            _EPOCH, SatellitePattern.GENERIC, Sector.CONUS, status=SlotStatus.PRESENT, source=Source.LOCAL, path=path
        )
        self.request([slot], 0)

    async def _drain(self) -> None:
        try:
            while self._pending is not None:
                generation, position, slot, plan = self._pending
                self._pending = None
                frames: list[FramePreview] = []
                for role, other in plan:
                    frame = await self._frame(other)
                    frames.append(as_role(frame, role, other, self._look_matches))
                    if self._pending is not None:  # a newer request came in: drop this one
                        break
                else:
                    if generation == self._generation:
                        self.ready.emit(SlotPreview(position, slot, tuple(frames)))
        finally:
            self._task = None

    async def _frame(self, slot: SlotResult) -> FramePreview:
        from goesvfi.integrity_check.render.preview import PreviewError

        assert slot.path is not None
        key = str(slot.path)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        try:
            decoded, runs = await asyncio.to_thread(_decode, slot.path)
        except PreviewError as exc:
            return FramePreview("frame", slot, slot.path, None, error=str(exc))  # not cached: it may appear later
        self.decodes += 1
        image = to_qimage(decoded)
        frame = FramePreview(
            "frame",
            slot,
            slot.path,
            image,
            decoded.width,
            decoded.height,
            decoded.mode,
            decoded.file_size,
            empty_rows=runs,
        )
        self.cache.put(key, frame, image.sizeInBytes())
        return frame
