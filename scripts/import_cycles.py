#!/usr/bin/env python3
"""Count the import circles between modules of the product: every elementary cycle of its import graph.

    .venv/bin/python scripts/import_cycles.py [--package goesvfi] [--list]

The graph is grimp's (the one import-linter checks): every ``import``, including those inside functions and
under ``if TYPE_CHECKING:``. Prints the cycles outside ``gui/`` and inside it (``--list``: each cycle, as
``a -> b -> ... -> a``). The contracts in pyproject.toml keep the count outside ``gui/`` at 0.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import grimp

ROOT = "goesvfi.integrity_check."


def import_graph(package: str) -> dict[str, set[str]]:
    """module -> the modules of ``package`` it imports directly."""
    graph = grimp.build_graph(package, include_external_packages=False)
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


def cycles(edges: dict[str, set[str]]) -> Iterator[list[str]]:
    """Every elementary cycle once, starting at its smallest module (a depth-first search from each module over
    the larger ones; enough for a graph of a few hundred modules with few circles)."""
    for start in sorted(edges):
        path = [start]
        on_path = {start}
        stack = [iter(sorted(n for n in edges[start] if n >= start))]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                stack.pop()
                on_path.discard(path.pop())
            elif step == start:
                yield list(path)
            elif step not in on_path:
                path.append(step)
                on_path.add(step)
                stack.append(iter(sorted(n for n in edges.get(step, ()) if n >= start)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default="goesvfi")
    parser.add_argument("--list", action="store_true", help="print each cycle")
    ns = parser.parse_args()
    found = list(cycles(import_graph(ns.package)))
    in_gui = [c for c in found if any(m.startswith(ROOT + "gui.") or m == ROOT + "gui" for m in c)]
    print(f"{'import cycles':<24}{'count':>6}")
    print(f"{'outside gui/':<24}{len(found) - len(in_gui):>6}")
    print(f"{'inside gui/':<24}{len(in_gui):>6}")
    if ns.list:
        for cycle in found:
            print(" -> ".join(m.removeprefix(ROOT) for m in [*cycle, cycle[0]]))


if __name__ == "__main__":
    main()
