"""FolderDetect: guess satellite, sector and band from the chosen folder's file names, in the background (owned
by the view model; *Detect* and a folder change start it, a scan cancels it).

Qt-free: it knows its owner's parts only through what it is given (the inputs' folder and ``take_guess``, a way to
spawn a background task, whether a task runs, a log line, a callback for changed inputs).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, Protocol

from goesvfi.integrity_check.gui import messages
from goesvfi.integrity_check.gui.folder_guess import ArchiveGuess
from goesvfi.integrity_check.gui.session import IntegritySession

Spawn = Callable[[Callable[[], Coroutine[Any, Any, None]]], "asyncio.Task[None] | None"]


class GuessInputs(Protocol):
    """The inputs detection reads the folder from and gives its guess to (:class:`~.inputs.ArchiveInputs`)."""

    @property
    def directory(self) -> str: ...

    def take_guess(self, guess: ArchiveGuess) -> list[str]: ...


class FolderDetect:
    def __init__(
        self,
        session: IntegritySession,
        inputs: GuessInputs,
        spawn: Spawn,
        busy: Callable[[], bool],
        notify: Callable[[str, str], None],
        changed: Callable[[], None],
    ) -> None:
        self._session, self._inputs, self._spawn, self._busy = session, inputs, spawn, busy
        self._notify, self._changed = notify, changed
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Detect the chosen folder's satellite, sector and band (nothing without a folder or while a task runs)."""
        if not self._inputs.directory or self._busy():
            return
        self.cancel()
        folder = Path(self._inputs.directory)
        self._task = self._spawn(lambda: self._run(folder))

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self, directory: Path) -> None:
        guess = await self._session.detect(directory)
        if guess.files == 0 or self._inputs.directory != str(directory) or self._busy():
            return
        found = self._inputs.take_guess(guess)
        if found:
            self._notify("info", messages.detected(found, guess.files))
            self._changed()
