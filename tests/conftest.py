"""Shared pytest configuration and fixtures.

- every test gets its own ``GOESVFI_CACHE_DIR`` (autouse): nothing writes to the real user cache;
- ``GOESVFI_NETCDF_MIN_GRID`` is set (autouse): the suite's NetCDF files are reduced grids;
- ``folder``: an empty archive folder, ``tmp_path / "frames"``;
- ``cache_beside_folder``: ``GOESVFI_CACHE_DIR`` moved to ``folder.parent / "cache"``, beside the frames;
- ``make_frames(names, folder=None)``: small whole frames (``scan_support.write_frame``) under a folder
  (default ``tmp_path / "frames"``), with the
  folders' mtimes set back a minute so that the scan cache trusts them at once (see ``settle_tree``).

Helpers that tests import live in the ``*_support.py`` modules, fixtures for the emulator and the GUI in
``emulator_fixtures.py`` and ``gui_fixtures.py`` (registered below): a test module never imports another one.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.scan_support import MakeFrames, settle_tree, write_frame

pytest_plugins = ["tests.emulator_fixtures", "tests.gui_fixtures"]


@pytest.fixture(autouse=True)
def _reduced_netcdf_grids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every NetCDF the suite serves (the emulator's, hand-made ones) is a reduced grid, as a mirror of reduced
    files would serve: the tool is told so, as the emulator's own environment does. The rule itself (a Rad smaller
    than its grid is refused by default) is tested with settings built from an empty environment."""
    monkeypatch.setenv("GOESVFI_NETCDF_MIN_GRID", "0.001")


@pytest.fixture(autouse=True)
def _isolated_cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("goesvfi-cache")
    monkeypatch.setenv("GOESVFI_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty archive folder, ``tmp_path / "frames"``."""
    path = tmp_path / "frames"
    path.mkdir()
    return path


@pytest.fixture
def cache_beside_folder(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``GOESVFI_CACHE_DIR`` = ``folder.parent / "cache"`` for this test (instead of the autouse private one)."""
    path = folder.parent / "cache"
    monkeypatch.setenv("GOESVFI_CACHE_DIR", str(path))
    return path


@pytest.fixture
def make_frames(tmp_path: Path) -> MakeFrames:
    def make(names: Iterable[str], folder: Path | None = None, *, settle: bool = True) -> Path:
        root = folder if folder is not None else tmp_path / "frames"
        root.mkdir(parents=True, exist_ok=True)
        for name in names:
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            write_frame(path)
        if settle:
            settle_tree(root)
        return root

    return make
