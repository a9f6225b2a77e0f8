"""A one-line progress bar for terminals (stderr), fed with the core's :class:`Progress` reports, and the progress
sink of a fetch (:func:`fetch_progress`)."""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from goesvfi.integrity_check.results import Progress, ProgressSink, Stage
from goesvfi.integrity_check.safe_text import safe_text


class ProgressBar:
    """Call it with :class:`Progress` reports; it redraws at most ``1 / min_interval`` times a second.

    ``close()`` clears the line so that what is printed next starts clean. Thread-safe.
    """

    def __init__(
        self, stream: TextIO, *, min_interval: float = 0.1, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._stream = stream
        self._min_interval = min_interval
        self._clock = clock
        self._last = -float("inf")
        self._width = 0
        self._lock = threading.Lock()

    def __call__(self, progress: Progress) -> None:
        now = self._clock()
        final = progress.total > 0 and progress.done >= progress.total
        with self._lock:
            if not final and now - self._last < self._min_interval:
                return
            self._last = now
            self._draw(self.render(progress, shutil.get_terminal_size((80, 24)).columns))

    @staticmethod
    def render(progress: Progress, columns: int) -> str:
        """``scan  [#########-----------]  45%  9/20  message`` cut to ``columns - 1`` characters."""
        bar_width = 24
        filled = round(progress.fraction * bar_width)
        counts = f"{progress.done}/{progress.total}" if progress.total > 0 else f"{progress.done}"
        if progress.file_total:
            counts += f"  {progress.file_done * 100 // progress.file_total}% of file"
        text = (
            f"{progress.stage.value:<6} [{'#' * filled}{'-' * (bar_width - filled)}] "
            f"{progress.fraction:4.0%}  {counts}  {safe_text(progress.message)}"
        )
        return text[: max(10, columns - 1)]

    def _draw(self, text: str) -> None:
        pad = " " * max(0, self._width - len(text))
        self._stream.write("\r" + text + pad)
        self._stream.flush()
        self._width = len(text)

    def close(self) -> None:
        with self._lock:
            if self._width:
                self._stream.write("\r" + " " * self._width + "\r")
                self._stream.flush()
                self._width = 0


def progress_bar(stream: TextIO | None = None) -> ProgressBar | None:
    """A bar on ``stream`` (default stderr) when it is a terminal, else None."""
    stream = sys.stderr if stream is None else stream
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return ProgressBar(stream) if tty else None


def fetch_progress(bar: ProgressBar | None) -> ProgressSink:
    """The progress bar when stderr is a terminal; without one, planning steps (such as waiting for another
    fetch into the folder) still get a line on stderr."""

    def report(progress: Progress) -> None:
        if bar is not None:
            bar(progress)
        elif progress.stage is Stage.PLAN and progress.message:
            print(safe_text(progress.message), file=sys.stderr, flush=True)

    return report
