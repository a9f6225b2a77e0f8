"""Every name the package's docstrings and comments point at exists, so names cannot go stale.

Three kinds of reference are checked: Sphinx roles (:mod:`~.x`, :class:`.X`, :func:`x.y` ...); double-backticked
dotted paths whose first part is the name of one of the package's modules (scan.look.LookCheck); double-backticked
file paths (fetch/view.py). A module renamed or removed fails this test with the place that still names it.

Names are resolved by importing the real modules (importing does no I/O, DESIGN.md), then: from the module where the
name is written (its own and imported names), relative to its package (a leading dot per level), from goesvfi and
goesvfi.integrity_check, from the standard library and the dependencies (roles only), and as Sphinx does for a
leading dot, as the tail of any module, class or attribute name of the package. A backticked variable.attribute
(scan.missing, settings.size) passes when some class of the package has that attribute.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import io
import pkgutil
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

import goesvfi

ROOT = Path(goesvfi.__file__).parent
REPO = ROOT.parent
PACKAGE = "goesvfi.integrity_check"
pytestmark = pytest.mark.slow  # imports every module of the package (Qt, matplotlib, netCDF4 ...): about 10 s

ROLE = re.compile(r":(?P<role>mod|class|func|meth|data|attr|exc|obj):`!?~?(?P<target>[.\w]+)`")
BACKTICKED = re.compile(r"``(?P<target>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)``")
FILE_PATH = re.compile(r"``(?P<target>[\w./]+/[\w.]+\.py)``")
SELF_ATTRIBUTE = re.compile(r"self\.(\w+)\s*[:=]")


@dataclass(frozen=True)
class Reference:
    module: str
    line: int
    target: str
    kind: str  # role, dotted or file
    module_only: bool = False  # a :mod: role: the target is a module

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.kind} {self.target}"


def module_names() -> list[str]:
    """Every module of the package (``__main__`` modules too: their text is read, they are never imported, as
    importing one runs the program)."""
    names = ["goesvfi"]
    for info in pkgutil.walk_packages([str(ROOT)], prefix="goesvfi."):
        names.append(info.name)
    return sorted(names)


def module_file(name: str) -> Path:
    path = REPO / Path(*name.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def is_main(name: str) -> bool:
    return name.rsplit(".", 1)[-1] == "__main__"


def texts(source: str) -> Iterator[tuple[int, str]]:
    """(first line, text) of every docstring or bare string statement, and of every comment."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            yield node.lineno, node.value.value
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string


def references() -> list[Reference]:
    out = []
    for name in module_names():
        source = module_file(name).read_text(encoding="utf-8")
        for first, text in texts(source):

            def line(m: re.Match[str], first: int = first, text: str = text) -> int:
                return first + text.count("\n", 0, m.start())

            out += [Reference(name, line(m), m["target"], "role", m["role"] == "mod") for m in ROLE.finditer(text)]
            out += [Reference(name, line(m), m["target"], "dotted") for m in BACKTICKED.finditer(text)]
            out += [Reference(name, line(m), m["target"], "file") for m in FILE_PATH.finditer(text)]
    return out


def follow(obj: object, parts: list[str], module_only: bool = False) -> bool:
    """Whether ``obj.parts[0].parts[1]...`` exists (and is a module, with ``module_only``): attributes, submodules,
    dataclass fields, annotations and the ``self.x`` attributes a class's methods set."""
    for i, part in enumerate(parts):
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        if isinstance(obj, ModuleType):
            try:
                obj = importlib.import_module(f"{obj.__name__}.{part}")
                continue
            except ImportError:
                return False
        if inspect.isclass(obj) and i == len(parts) - 1 and not module_only:
            return part in class_attributes(obj)
        return False
    return isinstance(obj, ModuleType) or not module_only


@cache
def class_attributes(cls: type) -> frozenset[str]:
    names: set[str] = set()
    for klass in inspect.getmro(cls):
        names |= set(getattr(klass, "__annotations__", {}))
        names |= set(getattr(klass, "__dataclass_fields__", {}))
        try:
            names |= set(SELF_ATTRIBUTE.findall(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
    return frozenset(names)


@cache
def known_names() -> frozenset[str]:
    """Every module of the package, each module's own attributes and each of its classes' attributes, dotted."""
    names: set[str] = set()
    for name in module_names():
        if is_main(name):
            continue
        module = importlib.import_module(name)
        names.add(name)
        for attr, value in vars(module).items():
            names.add(f"{name}.{attr}")
            if inspect.isclass(value) and value.__module__ == name:
                names |= {f"{name}.{attr}.{member}" for member in {*vars(value), *class_attributes(value)}}
    return frozenset(names)


@cache
def instance_attributes() -> frozenset[str]:
    """Every attribute name a class of the package has (for ``variable.attribute``)."""
    return frozenset(name.rsplit(".", 1)[1] for name in known_names() if name.count(".") >= 1)


@cache
def first_parts() -> frozenset[str]:
    """The last part of every module and package name: what a backticked dotted path of ours starts with."""
    return frozenset(name.rsplit(".", 1)[-1] for name in module_names())


def resolves(ref: Reference) -> bool:
    target = ref.target
    if ref.kind == "file":
        return any((base / target).is_file() for base in (REPO, ROOT, ROOT / "integrity_check"))
    dots = len(target) - len(target.lstrip("."))
    parts = target.lstrip(".").split(".")
    package = ref.module if module_file(ref.module).name == "__init__.py" else ref.module.rpartition(".")[0]
    module = importlib.import_module(package if is_main(ref.module) else ref.module)
    if dots:
        base = package.rsplit(".", dots - 1)[0] if dots > 1 else package
        if base and follow(importlib.import_module(base), parts, ref.module_only):
            return True
    else:
        bases = [module, importlib.import_module(package), importlib.import_module(PACKAGE), goesvfi, builtins]
        if any(follow(base, parts, ref.module_only) for base in bases):
            return True
        if ref.kind == "role" and follow_external(parts, ref.module_only):
            return True
    dotted = ".".join(parts)
    names = module_names() if ref.module_only else known_names()
    if any(name == dotted or name.endswith("." + dotted) for name in names):
        return True
    return ref.kind == "dotted" and len(parts) == 2 and parts[1] in instance_attributes()


def follow_external(parts: list[str], module_only: bool) -> bool:
    """A role naming the standard library or a dependency (``:class:`asyncio.Event```)."""
    try:
        top = importlib.import_module(parts[0])
    except ImportError:
        return False
    return follow(top, parts[1:], module_only)


def checked(ref: Reference) -> bool:
    """Roles and file paths always; a backticked dotted name when it starts with one of our module names."""
    if ref.kind != "dotted":
        return True
    return ref.target.split(".")[0] in first_parts() | {"goesvfi"}


def test_the_scan_sees_the_references() -> None:
    """The scanner finds roles, dotted paths and file paths (so an empty scan cannot pass silently)."""
    kinds = {ref.kind for ref in references() if checked(ref)}
    assert kinds == {"role", "dotted", "file"}


def test_a_removed_module_is_reported() -> None:
    """Names that existed before the look moved to one home (issue 21) do not resolve."""
    for target, kind in (
        (".folder_lock.FolderLockedError", "role"),
        (".folder_lock", "mod"),
        (".cli_fetch.add_fetch_options", "role"),
        ("..render.look", "role"),
        ("scan.look.LookCheck", "dotted"),
        ("fetch/look.py", "file"),
    ):
        ref = Reference("goesvfi.integrity_check.fetch.manager", 1, target, kind.replace("mod", "role"), kind == "mod")
        assert not resolves(ref), target
    for target, kind in (
        (".conform", "mod"),
        ("..folder.quarantine", "role"),
        ("look.decide.LookCheck", "dotted"),
        ("scan.missing", "dotted"),
        ("fetch/view.py", "file"),
    ):
        ref = Reference("goesvfi.integrity_check.fetch.manager", 1, target, kind.replace("mod", "role"), kind == "mod")
        assert resolves(ref), target


def test_no_stale_names() -> None:
    stale = [str(ref) for ref in references() if checked(ref) and not resolves(ref)]
    if stale:
        pytest.fail("docstrings and comments name what does not exist:\n" + "\n".join(stale))
