"""scripts/install_into_goes_vfi.py on a tiny fake GOES-VFI checkout written here (shaped like the files it patches).

The fake files carry the anchors the script edits (GOES-VFI's ``create_integrity_check_tab`` with its old imports,
``launch_gui.sh``'s inline ``app.exec()``, the requirements lists) and nothing else of GOES-VFI.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "install_into_goes_vfi.py"

FAKE_FILES = {
    "pyproject.toml": """\
        [project]
        name = "goesvfi"
        dependencies = [
            "PyQt6",
            "numpy",
            "aiohttp>=3.11.0",
        ]

        [project.scripts]
        goesvfi = "goesvfi.cli:main"
        """,
    "requirements.txt": """\
        # Runtime dependencies
        PyQt6
        numpy
        aiohttp>=3.11.0
        """,
    "launch_gui.sh": """\
        #!/bin/bash
        source .venv/bin/activate
        python -c "
        from PyQt6.QtWidgets import QApplication
        from goesvfi.gui import MainWindow
        app = QApplication([])
        window = MainWindow()
        window.show()
        app.exec()
        "
        """,
    "goesvfi/__init__.py": "",
    "goesvfi/gui.py": """\
        class MainWindow:
            pass
        """,
    "goesvfi/gui_components/__init__.py": "",
    "goesvfi/gui_components/ui_setup_manager.py": """\
        from pathlib import Path
        from typing import Any


        class UISetupManager:
            def create_all_tabs(self, main_window: Any) -> None:
                def create_integrity_tab() -> Any:
                    self.create_integrity_check_tab(main_window)
                    return main_window.combined_tab

                main_window.lazy_tab_loader.register_tab(3, create_integrity_tab)
                main_window.lazy_tab_loader.setup_lazy_tab(3, "Satellite Integrity", get_icon("🛰️"))

            def create_integrity_check_tab(self, main_window: Any) -> None:
                # Import here to avoid circular imports
                from goesvfi.integrity_check.cache_db import CacheDB
                from goesvfi.integrity_check.combined_tab import CombinedIntegrityAndImageryTab

                db_path = Path.home() / ".goes_vfi" / "integrity_check" / "cache.db"
                main_window.combined_tab = CombinedIntegrityAndImageryTab(CacheDB(db_path=db_path))
                main_window.integrity_check_tab = main_window.combined_tab.integrity_tab

            def after(self) -> None:
                pass
        """,
    "goesvfi/integrity_check/__init__.py": "",
    "goesvfi/integrity_check/old_tab.py": "OLD = True\n",
}


def make_checkout(root: Path) -> Path:
    for rel, text in FAKE_FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    (root / "launch_gui.sh").chmod(0o755)
    return root


def snapshot(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest() + oct(path.stat().st_mode)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))  # fmt: skip


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    return make_checkout(tmp_path / "GOES_VFI")


def test_applies_every_change_and_says_so(checkout: Path) -> None:
    result = run(checkout)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    changed = (
        "goesvfi/integrity_check",
        "goesvfi/cli.py",
        "goesvfi/__main__.py",
        "goesvfi/gui_components/ui_setup_manager.py",
        "launch_gui.sh",
        "requirements.txt",
        "pyproject.toml",
    )
    for rel in changed:
        assert f"changed: {rel}:" in out, (rel, out)

    package = checkout / "goesvfi" / "integrity_check"
    assert not (package / "old_tab.py").exists()  # GOES-VFI's old package is gone ...
    assert (package / "gui" / "host.py").read_bytes() == (
        ROOT / "goesvfi/integrity_check/gui/host.py"
    ).read_bytes()  # ... ours
    assert (package / "combined_tab.py").is_file()  # the old names a thin alias serves
    assert not list(package.rglob("__pycache__"))

    ui = (checkout / "goesvfi/gui_components/ui_setup_manager.py").read_text()
    assert "# goesvfi-integrity begin tab\n" in ui and "# goesvfi-integrity end tab\n" in ui
    assert "create_tab(main_window, settings=main_window.settings)" in ui
    assert "CombinedIntegrityAndImageryTab" not in ui and "CacheDB" not in ui
    assert "main_window.combined_tab = tab" in ui  # the lazy loader's factory still finds the tab
    assert "from pathlib import Path" not in ui  # its only user went with the old block
    assert "def after(self)" in ui and "def create_all_tabs" in ui  # the rest of the file untouched
    eager = ui.index("if auto_fetch_saved_on(main_window.settings):")  # Auto-fetch left on: the tab built at start
    assert ui.index('setup_lazy_tab(3, "Satellite Integrity"') < eager < ui.index("def create_integrity_check_tab")
    compile(ui, "ui_setup_manager.py", "exec")

    cli = (checkout / "goesvfi/cli.py").read_text()
    compile(cli, "cli.py", "exec")
    assert "def main(" in cli and "run_host_window" in cli and '"goes-vfi"' in cli and '"GOES_VFI_App"' in cli
    assert "from goesvfi.cli import main" in (checkout / "goesvfi/__main__.py").read_text()

    launcher = (checkout / "launch_gui.sh").read_text()
    assert 'python -m goesvfi "$@"' in launcher and "app.exec()" not in launcher
    assert launcher.startswith("#!/bin/bash\nsource .venv/bin/activate\n")
    assert os.access(checkout / "launch_gui.sh", os.X_OK)  # still executable

    requirements = (checkout / "requirements.txt").read_text()
    pyproject = (checkout / "pyproject.toml").read_text()
    for name in ("qasync", "aiosqlite", "platformdirs", "isal"):
        assert f"\n{name}>=" in requirements
        assert f'"{name}>=' in pyproject
    assert requirements.count("aiohttp") == 1 and pyproject.count("aiohttp") == 1  # present ones not repeated
    assert "qasync>=0.27" in tomllib.loads(pyproject)["project"]["dependencies"]  # still valid TOML


def test_second_run_changes_nothing(checkout: Path) -> None:
    assert run(checkout).returncode == 0
    before = snapshot(checkout)
    result = run(checkout)
    assert result.returncode == 0, result.stderr
    assert "already integrated; nothing to do" in result.stdout
    assert "changed:" not in result.stdout.replace("unchanged:", "")
    assert snapshot(checkout) == before


def test_a_newer_script_replaces_its_earlier_patch(checkout: Path) -> None:
    assert run(checkout).returncode == 0
    ui = checkout / "goesvfi/gui_components/ui_setup_manager.py"
    launcher = checkout / "launch_gui.sh"
    current = {path: path.read_text() for path in (ui, launcher)}
    # What an earlier version of the script might have written between its markers.
    ui.write_text(current[ui].replace("main_window.combined_tab = tab", "main_window.combined_tab = tab  # old"))
    launcher.write_text(current[launcher].replace("exec python -m goesvfi", "python -m goesvfi"))
    result = run(checkout)
    assert result.returncode == 0, result.stderr
    assert "changed: goesvfi/gui_components/ui_setup_manager.py:" in result.stdout
    assert "changed: launch_gui.sh:" in result.stdout
    assert {path: path.read_text() for path in (ui, launcher)} == current  # the same as a fresh install


def test_dry_run_changes_nothing(checkout: Path) -> None:
    before = snapshot(checkout)
    result = run(checkout, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "would change: goesvfi/gui_components/ui_setup_manager.py:" in result.stdout
    assert "dry run, 7 change(s) not written" in result.stdout
    assert snapshot(checkout) == before


def test_refuses_a_folder_that_is_not_a_goes_vfi_checkout(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "something-else"\n')
    before = snapshot(tmp_path)
    for folder in (tmp_path, tmp_path / "missing", ROOT):
        result = run(folder)
        assert result.returncode == 2
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert "is not a GOES-VFI checkout" in lines[0] or "is not a folder" in lines[0]
    assert snapshot(tmp_path) == before


def test_a_missing_anchor_stops_before_anything_is_written(checkout: Path) -> None:
    ui = checkout / "goesvfi/gui_components/ui_setup_manager.py"
    ui.write_text(ui.read_text().replace("main_window.combined_tab.integrity_tab", "main_window.something_else"))
    before = snapshot(checkout)
    result = run(checkout)
    assert result.returncode == 1
    assert "nothing changed" in result.stderr and "ui_setup_manager.py" in result.stderr
    assert "main_window.integrity_check_tab = main_window.combined_tab.integrity_tab" in result.stderr
    assert snapshot(checkout) == before


def test_a_cli_of_goes_vfis_own_is_not_overwritten(checkout: Path) -> None:
    (checkout / "goesvfi/cli.py").write_text("def main() -> int:\n    return 0\n")
    before = snapshot(checkout)
    result = run(checkout)
    assert result.returncode == 1
    assert "goesvfi/cli.py: GOES-VFI has its own now" in result.stderr
    assert snapshot(checkout) == before
