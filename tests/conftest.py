"""Shared pytest configuration and fixtures.

- every test gets its own ``GOESVFI_CACHE_DIR`` (autouse): nothing writes to the real user cache;
- ``make_frames(names, folder=None)``: empty files under a folder (default ``tmp_path / "frames"``), with the
  folders' mtimes set back a minute so that the scan cache trusts them at once (see ``settle_tree``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

pytest_plugins = ["tests.emulator_fixtures", "tests.gui_fixtures"]

MakeFrames = Callable[..., Path]


@pytest.fixture(autouse=True)
def _isolated_cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("goesvfi-cache")
    monkeypatch.setenv("GOESVFI_CACHE_DIR", str(folder))
    return folder


def settle_tree(root: Path, age: float = 60.0) -> None:
    """Set the mtime of ``root`` and every folder below it ``age`` seconds back.

    The scan re-reads a folder changed less than a few seconds before it was read (mtime granularity), so a
    test that wants the cached index used right away makes its folders look older.
    """
    when = time.time() - age
    for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        os.utime(folder, (when, when))


@pytest.fixture
def make_frames(tmp_path: Path) -> MakeFrames:
    def make(names: Iterable[str], folder: Path | None = None, *, settle: bool = True) -> Path:
        root = folder if folder is not None else tmp_path / "frames"
        root.mkdir(parents=True, exist_ok=True)
        for name in names:
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        if settle:
            settle_tree(root)
        return root

    return make
