#!/usr/bin/env python3
"""Install this Integrity Check into a GOES-VFI checkout: ``install_into_goes_vfi.py GOES_VFI_CHECKOUT [--dry-run]``.

Both projects are the package ``goesvfi``, so a pip install of this one beside GOES-VFI is shadowed by GOES-VFI's
old ``goesvfi/integrity_check``. This script does the integration in the checkout instead, and says what it did:

1. ``goesvfi/integrity_check``: replaced by this repository's (GOES-VFI's old one goes; its old names that a thin
   alias serves stay importable: ``combined_tab``, ``enhanced_gui_tab``, ``view_model``, ``enhanced_view_model``).
2. ``goesvfi/gui_components/ui_setup_manager.py``: ``create_integrity_check_tab`` builds this tab (GOES-VFI's
   settings object, its logging, its input-folder and preview slots); the lazy tab at index 3 keeps its place,
   title and tooltip.
3. ``goesvfi/cli.py`` and ``goesvfi/__main__.py`` (GOES-VFI declares ``goesvfi = goesvfi.cli:main`` but has no
   such file): the window on a qasync loop, closing the tab cleanly on exit; ``launch_gui.sh`` runs it.
4. ``requirements.txt`` and ``pyproject.toml``: the requirements this package needs that GOES-VFI lacks.

Each edit of a GOES-VFI file is a small patch anchored on text GOES-VFI has today; a missing anchor stops the
script before it writes anything (exit 1), naming the file and the anchor. Each patched block sits between
``# goesvfi-integrity begin NAME`` and ``# goesvfi-integrity end NAME`` lines: a second run finds them and changes
nothing, a newer version of this script replaces what is between them. ``--dry-run`` prints the same report and
writes nothing. A folder that is not a GOES-VFI checkout is refused with one line (exit 2).
"""

from __future__ import annotations

import argparse
import filecmp
import re
import shutil
import sys
import tomllib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

OURS = Path(__file__).resolve().parents[1]
PACKAGE = OURS / "goesvfi" / "integrity_check"
MARK = "goesvfi-integrity"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".mypy_cache", ".pytest_cache")

UI_SETUP = "goesvfi/gui_components/ui_setup_manager.py"
CLI = "goesvfi/cli.py"
MAIN = "goesvfi/__main__.py"
LAUNCHER = "launch_gui.sh"
REQUIREMENTS = "requirements.txt"
PYPROJECT = "pyproject.toml"


class PatchError(Exception):
    """An anchor is missing or ambiguous, or a file to write is GOES-VFI's own: nothing was written."""


@dataclass(frozen=True)
class Change:
    path: str  # relative to the checkout
    what: str  # one line for the report
    content: str | None = None  # the file's new text (None: the package tree, copied by ``apply``)


# ---- the checkout ---------------------------------------------------------------------------------------


def check_checkout(root: Path) -> str | None:
    """None when ``root`` is a GOES-VFI checkout, else why not (one line)."""
    if not root.is_dir():
        return f"{root} is not a folder"
    pyproject = root / PYPROJECT
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        project = {}
    gui = root / "goesvfi" / "gui.py"
    looks_right = (
        project.get("name") == "goesvfi"
        and (root / UI_SETUP).is_file()
        and gui.is_file()
        and "class MainWindow" in gui.read_text(encoding="utf-8", errors="replace")
    )
    if not looks_right:
        return (
            f"{root} is not a GOES-VFI checkout (expected pyproject.toml naming the project 'goesvfi', "
            f"goesvfi/gui.py with MainWindow and {UI_SETUP})"
        )
    return None


# ---- anchored edits -------------------------------------------------------------------------------------


def replace_once(text: str, old: str, new: str, *, path: str, anchor: str) -> str:
    """``text`` with the one occurrence of ``old`` replaced; PatchError when it occurs zero or several times."""
    count = text.count(old)
    if count != 1:
        found = "not found" if count == 0 else f"found {count} times"
        raise PatchError(f"{path}: anchor {anchor!r} {found}; GOES-VFI changed here: patch it by hand (INTEGRATION.md)")
    return text.replace(old, new, 1)


def replace_between(text: str, first: str, last: str, new: str, *, path: str) -> str:
    """Replace from the line holding ``first`` through the line holding ``last`` (each exactly once, in order)."""
    for anchor in (first, last):
        if text.count(anchor) != 1:
            found = "not found" if anchor not in text else "found more than once"
            raise PatchError(f"{path}: anchor {anchor!r} {found}; patch it by hand (INTEGRATION.md)")
    start = text.index(first)
    start = text.rfind("\n", 0, start) + 1
    end = text.find(last, start)
    if end < 0:
        raise PatchError(f"{path}: anchor {last!r} comes before {first!r}; patch it by hand (INTEGRATION.md)")
    end += len(last)  # through the end of the line where ``last`` ends
    if not last.endswith("\n"):
        newline = text.find("\n", end)
        end = len(text) if newline < 0 else newline + 1
    return text[:start] + new + text[end:]


# ---- 2. the tab in GOES-VFI's window --------------------------------------------------------------------

UI_FIRST = "        from goesvfi.integrity_check.cache_db import CacheDB"
UI_LAST = "        main_window.integrity_check_tab = main_window.combined_tab.integrity_tab"
UI_IMPORT_COMMENT = "        # Import here to avoid circular imports\n"
UI_PATH_IMPORT = "from pathlib import Path\n"
UI_LAZY_ANCHOR = 'main_window.lazy_tab_loader.setup_lazy_tab(3, "Satellite Integrity"'
UI_EAGER = """\
        # Auto-fetch left on at the last exit resumes at start: build the tab now, not on first click.
        from PyQt6.QtCore import QTimer  # noqa: PLC0415

        from goesvfi.integrity_check.gui.host import auto_fetch_saved_on  # noqa: PLC0415

        if auto_fetch_saved_on(main_window.settings):
            QTimer.singleShot(0, lambda: main_window.lazy_tab_loader.retry_tab_loading(3))  # loads it if not loaded
"""
UI_BODY = """\
        # The Integrity Check tab (its own view model, cache and stores) with GOES-VFI's QSettings
        # (keys under integrity_check/), logging, and input-folder and preview slots.
        from goesvfi.integrity_check.gui.host import connect_host, create_tab  # noqa: PLC0415

        tab = create_tab(main_window, settings=main_window.settings)
        connect_host(
            tab,
            set_input_directory=main_window._set_in_dir_from_sorter,  # noqa: SLF001  (the sorter tabs' slot)
            refresh_frames=main_window.request_previews_update.emit,  # after frames were fetched into in_dir
            input_directory=lambda: getattr(main_window, "in_dir", None),
        )
        main_window.integrity_check_vm = tab.view_model
        main_window.integrity_check_tab = tab
        main_window.combined_tab = tab  # the lazy loader's factory returns this attribute
"""


def block(indent: str, name: str, body: str) -> str:
    """A patch's text between a begin and an end marker line: a newer version of this script replaces it."""
    return f"{indent}# {MARK} begin {name}\n{body}{indent}# {MARK} end {name}\n"


def replace_blocks(text: str, blocks: Sequence[tuple[str, str, str]], *, path: str) -> str | None:
    """Every ``(indent, name, body)`` block, already in ``text``, brought up to date; None when none is there.

    PatchError when only some are there, or when the file holds a patch without begin/end markers (an early
    version of this script): restore GOES-VFI's file and run again.
    """
    present = [f"# {MARK} begin {name}\n" in text for _, name, _ in blocks]
    if not any(present):
        if MARK in text:
            raise PatchError(f"{path}: patched by an older version of this script; restore GOES-VFI's file "
                             f"(git checkout -- {path}) and run again")  # fmt: skip
        return None
    if not all(present):
        raise PatchError(f"{path}: only part of the patch is there; restore GOES-VFI's file and run again")
    for indent, name, body in blocks:
        begin, end = f"{indent}# {MARK} begin {name}", f"{indent}# {MARK} end {name}"
        text = replace_between(text, begin, end, block(indent, name, body), path=path)
    return text


def insert_after_line(text: str, anchor: str, new: str, *, path: str) -> str:
    """``new`` inserted after the line holding ``anchor`` (exactly once)."""
    if text.count(anchor) != 1:
        found = "not found" if anchor not in text else "found more than once"
        raise PatchError(f"{path}: anchor {anchor!r} {found}; patch it by hand (INTEGRATION.md)")
    newline = text.find("\n", text.index(anchor))
    end = len(text) if newline < 0 else newline + 1
    return text[:end] + new + text[end:]


def patch_ui_setup(text: str) -> str:
    blocks = (("        ", "eager-tab", UI_EAGER), ("        ", "tab", UI_BODY))
    updated = replace_blocks(text, blocks, path=UI_SETUP)
    if updated is not None:
        return updated
    text = insert_after_line(text, UI_LAZY_ANCHOR, block(*blocks[0]), path=UI_SETUP)
    text = replace_between(text, UI_FIRST, UI_LAST, block(*blocks[1]), path=UI_SETUP)
    # The comment that introduced the old imports now sits above the new block: drop it.
    begin = f"        # {MARK} begin tab\n"
    text = text.replace(UI_IMPORT_COMMENT + begin, begin, 1)
    # The old block was the only user of Path: drop its import, or GOES-VFI's linter flags it.
    if len(re.findall(r"\bPath\b", text)) == 1:
        text = text.replace(UI_PATH_IMPORT, "", 1)
    return text


# ---- 3. an entry point on qasync ------------------------------------------------------------------------

CLI_TEXT = f'''\
"""GOES-VFI's entry point: ``goesvfi`` (pyproject's script) and ``python -m goesvfi`` [{MARK}].

Written by goesvfi-integrity's ``scripts/install_into_goes_vfi.py``: the window runs on a qasync event loop (the
Integrity Check tab's scans and downloads are asyncio tasks); when the last window has closed, the tab cancels
its work, stops Auto-fetch (which resumes at the next start) and closes its cache before the process exits.
QSettings names are the ones ``launch_gui.sh`` used, so the settings stay where they were.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import sys

from PyQt6.QtWidgets import QWidget

ORGANIZATION = "goes-vfi"
APPLICATION = "GOES_VFI_App"


def main(argv: Sequence[str] | None = None) -> int:
    """Run GOES-VFI's window until it is closed; ``argv`` without the program name (default: sys.argv[1:]).

    Returns:
        int: The exit status.
    """
    parser = argparse.ArgumentParser(prog="goesvfi", description="GOES-VFI: GOES satellite frame interpolation.")
    parser.add_argument("--debug", action="store_true", help="debug logging")
    args, qt_args = parser.parse_known_args(sys.argv[1:] if argv is None else list(argv))

    from goesvfi.integrity_check.gui.host import run_host_window  # noqa: PLC0415  (Qt only after the arguments)

    def make_window() -> QWidget:
        from goesvfi.gui import MainWindow  # noqa: PLC0415  (built inside the running loop)
        from goesvfi.utils import log  # noqa: PLC0415

        if args.debug:
            log.set_level(True)
        return MainWindow(debug_mode=args.debug)

    return run_host_window(
        make_window, organization=ORGANIZATION, application=APPLICATION, argv=[sys.argv[0], *qt_args]
    )


if __name__ == "__main__":
    raise SystemExit(main())
'''

MAIN_TEXT = f'''\
"""``python -m goesvfi``: GOES-VFI's window, see goesvfi/cli.py [{MARK}]."""

from goesvfi.cli import main

raise SystemExit(main())
'''

LAUNCHER_FIRST = 'python -c "'
LAUNCHER_LAST = 'app.exec()\n"'
LAUNCHER_BODY = """\
# The window runs on a qasync loop (goesvfi/cli.py); same settings names as before.
exec python -m goesvfi "$@"  # exec: Ctrl-C and SIGTERM reach the window, which closes cleanly
"""


def own_file(root: Path, rel: str, text: str) -> Change | None:
    """A file this script owns (marked): created, or rewritten when its text differs; GOES-VFI's own: refused."""
    path = root / rel
    if path.exists():
        current = path.read_text(encoding="utf-8")
        if current == text:
            return None
        if MARK not in current:
            raise PatchError(f"{rel}: GOES-VFI has its own now; merge the qasync start from INTEGRATION.md by hand")
        return Change(rel, "updated: the window on a qasync loop, tabs closed cleanly on exit", text)
    return Change(rel, "added: the window on a qasync loop, tabs closed cleanly on exit", text)


def patch_launcher(text: str) -> str:
    blocks = (("", "launch", LAUNCHER_BODY),)
    updated = replace_blocks(text, blocks, path=LAUNCHER)
    if updated is not None:
        return updated
    return replace_between(text, LAUNCHER_FIRST, LAUNCHER_LAST, block(*blocks[0]), path=LAUNCHER)


# ---- 4. requirements ------------------------------------------------------------------------------------


def our_requirements() -> list[str]:
    project = tomllib.loads((OURS / PYPROJECT).read_text(encoding="utf-8"))["project"]
    return [str(item) for item in project["dependencies"]]


def requirement_name(spec: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else ""


def missing_requirements(host_specs: Sequence[str]) -> list[str]:
    have = {requirement_name(spec) for spec in host_specs}
    return [spec for spec in our_requirements() if requirement_name(spec) not in have]


def requirement_lines(text: str) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("-")]


def patch_requirements(text: str) -> str:
    missing = missing_requirements(requirement_lines(text))
    if not missing:
        return text
    block = f"\n# {MARK}: the Integrity Check tab's requirements that GOES-VFI lacked\n" + "\n".join(missing) + "\n"
    return text.rstrip("\n") + "\n" + block


def patch_pyproject(text: str) -> str:
    try:
        host = tomllib.loads(text)["project"]["dependencies"]
    except (tomllib.TOMLDecodeError, KeyError) as exc:
        raise PatchError(f"{PYPROJECT}: no [project] dependencies list ({exc})") from exc
    missing = missing_requirements(host)
    if not missing:
        return text
    match = re.search(r"^dependencies = \[\n(.*?)^\]", text, flags=re.MULTILINE | re.DOTALL)
    if match is None:
        raise PatchError(f"{PYPROJECT}: anchor 'dependencies = [' ... ']' (one item per line) not found")
    lines = f"    # {MARK}: the Integrity Check tab's requirements\n" + "".join(f'    "{spec}",\n' for spec in missing)
    return text[: match.end(1)] + lines + text[match.end(1) :]


# ---- 1. the package -------------------------------------------------------------------------------------


def package_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        cached = any(p in ("__pycache__", ".mypy_cache", ".pytest_cache") for p in parts)
        if path.is_file() and not cached and path.suffix not in (".pyc", ".pyo"):
            yield path.relative_to(folder)


def same_tree(a: Path, b: Path) -> bool:
    if not b.is_dir():
        return False
    files_a, files_b = list(package_files(a)), list(package_files(b))
    if files_a != files_b:
        return False
    return all(filecmp.cmp(a / rel, b / rel, shallow=False) for rel in files_a)


# ---- plan and apply -------------------------------------------------------------------------------------

TextPatch = Callable[[str], str]
PATCHES: tuple[tuple[str, TextPatch, str], ...] = (
    (UI_SETUP, patch_ui_setup, "create_integrity_check_tab builds goesvfi-integrity's tab (settings, logging, slots)"),
    (LAUNCHER, patch_launcher, "starts 'python -m goesvfi' (qasync) instead of its own app.exec()"),
    (REQUIREMENTS, patch_requirements, "added the tab's missing requirements"),
    (PYPROJECT, patch_pyproject, "added the tab's missing requirements to [project] dependencies"),
)


def plan(root: Path) -> tuple[list[Change], list[str]]:
    """The changes the checkout needs (nothing written) and what is already done. PatchError: none applies."""
    changes: list[Change] = []
    done: list[str] = []
    target = root / "goesvfi" / "integrity_check"
    if same_tree(PACKAGE, target):
        done.append("goesvfi/integrity_check: already goesvfi-integrity's")
    else:
        changes.append(Change("goesvfi/integrity_check", "replaced by goesvfi-integrity's package"))
    for rel, text in ((CLI, CLI_TEXT), (MAIN, MAIN_TEXT)):
        change = own_file(root, rel, text)
        if change is None:
            done.append(f"{rel}: already written")
        else:
            changes.append(change)
    for rel, patch, what in PATCHES:
        path = root / rel
        if not path.is_file():
            if rel == LAUNCHER:
                done.append(f"{rel}: absent, nothing to patch")
                continue
            raise PatchError(f"{rel}: not found in the checkout")
        before = path.read_text(encoding="utf-8")
        after = patch(before)
        if after == before:
            done.append(f"{rel}: already patched")
        else:
            changes.append(Change(rel, what, after))
    return changes, done


def apply(root: Path, changes: Sequence[Change]) -> None:
    for change in changes:
        path = root / change.path
        if change.content is None:  # the package
            staged = path.with_name(path.name + ".goesvfi-integrity-new")
            if staged.exists():
                shutil.rmtree(staged)
            shutil.copytree(PACKAGE, staged, ignore=IGNORED)
            if path.exists():
                shutil.rmtree(path)
            staged.rename(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            mode = path.stat().st_mode if path.exists() else None
            path.write_text(change.content, encoding="utf-8")
            if mode is not None:
                path.chmod(mode)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="install_into_goes_vfi.py",
        description="Put the Integrity Check tab into a GOES-VFI checkout (see INTEGRATION.md).",
    )
    parser.add_argument("checkout", type=Path, help="the GOES-VFI checkout (with goesvfi/ and pyproject.toml)")
    parser.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    args = parser.parse_args(argv)
    root = args.checkout.expanduser().resolve()
    problem = check_checkout(root)
    if problem is not None:
        print(f"install_into_goes_vfi.py: {problem}", file=sys.stderr)
        return 2
    try:
        changes, done = plan(root)
    except PatchError as exc:
        print(f"install_into_goes_vfi.py: nothing changed: {exc}", file=sys.stderr)
        return 1
    verb = "would change" if args.dry_run else "changed"
    if not args.dry_run:
        apply(root, changes)
    for change in changes:
        print(f"{verb}: {change.path}: {change.what}")
    for line in done:
        print(f"unchanged: {line}")
    if not changes:
        print(f"{root}: already integrated; nothing to do")
    elif args.dry_run:
        print(f"{root}: dry run, {len(changes)} change(s) not written")
    else:
        print(f"{root}: {len(changes)} change(s); next: pip install -r requirements.txt, then python -m goesvfi")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
