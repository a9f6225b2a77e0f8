"""The core never imports Qt: import all of it (the CLI with every subcommand too, and gui's session) in a fresh
interpreter."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import goesvfi.integrity_check as package

# The view model, the widgets and the window are the only modules allowed to import PyQt6 / qasync.
GUI_MODULES = {"enhanced_view_model", "gui_tab", "gui", "combined_tab", "enhanced_gui_tab", "view_model"}
# These must exist and be core (the list guards against a core module hidden by a GUI-looking name).
REQUIRED_CORE = [
    "time_index", "results", "settings", "remote.base", "cache_db", "cache.db", "reconciler", "scan.reconciler",
    "scan.index", "scan.fast_names", "scan.coverage", "fetch.manager", "folder.lock", "report", "cli.main",
    "cli.progress",
]  # fmt: skip


# gui's Qt-free parts: the session (the workflows) and the data the view model hands to the widgets.
QT_FREE_GUI = [
    "gui.session", "gui.archive_session", "gui.core_imports", "gui.folder_guess", "gui.look_view", "gui.messages",
    "gui.results_digest", "gui.shown", "gui.slot_list", "gui.workers",
]  # fmt: skip


def core_modules() -> list[str]:
    """Every module of the package outside the GUI ones, found on disk (nothing is imported here)."""
    names: list[str] = []

    def visit(folder: Path, prefix: str) -> None:
        for info in pkgutil.iter_modules([str(folder)]):
            name = prefix + info.name
            if name in GUI_MODULES or info.name == "__main__":
                continue
            names.append(name)
            if info.ispkg:
                visit(folder / info.name, name + ".")

    visit(Path(package.__file__).parent, "")
    return sorted(set(names) | set(REQUIRED_CORE))


PROBE = """
import importlib, json, sys
names = json.loads(sys.argv[1])
for name in names:
    importlib.import_module("goesvfi.integrity_check." + name)
from goesvfi.integrity_check.cli.main import build_parser
build_parser()  # imports every registered subcommand module
import goesvfi.integrity_check as pkg
for attr in ("Reconciler", "ReconcileManager", "CacheDB", "SatellitePattern", "Sector"):
    getattr(pkg, attr)
bad = sorted(m for m in sys.modules if m.split(".")[0] in ("PyQt6", "qasync", "PySide6"))
print(json.dumps(bad))
"""


@pytest.mark.slow
def test_core_imports_no_qt() -> None:
    names = core_modules() + QT_FREE_GUI
    assert {"reconciler", "cli.main", "cache_db", "report", "remote.base"} <= set(names)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(names)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
