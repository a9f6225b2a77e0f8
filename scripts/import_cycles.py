"""Import circles among a package's modules, from grimp's import graph (imports under TYPE_CHECKING included).

    .venv/bin/python scripts/import_cycles.py [PACKAGE]     # default: goesvfi.integrity_check.gui

Prints one line per circle (a strongly connected group of modules, each named below PACKAGE, with the imports
that close it) and the count. import-linter's layers contract over gui (pyproject.toml) keeps the count at 0;
this script says where a circle is when that contract breaks, and measures other packages.
"""

from __future__ import annotations

import argparse
import sys

import grimp


def import_edges(package: str) -> dict[str, set[str]]:
    """Each module of ``package`` (its sub-packages' modules as themselves) -> the modules of ``package`` it imports."""
    graph = grimp.build_graph(package.split(".")[0], cache_dir=None)
    inside = {m for m in graph.modules if m.startswith(package + ".")}
    return {m: {i for i in graph.find_modules_directly_imported_by(m) if i in inside} for m in inside}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module, or of one that imports itself (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in edges.get(node, ()):
                found.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(edges) + 100))
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", nargs="?", default="goesvfi.integrity_check.gui")
    args = parser.parse_args(argv)
    edges = import_edges(args.package)
    found = circles(edges)
    for group in found:
        members = set(group)
        links = [f"{a.removeprefix(args.package + '.')} -> {b.removeprefix(args.package + '.')}"
                 for a in group for b in sorted(edges[a] & members)]  # fmt: skip
        print("; ".join(links))
    print(f"{len(found)} import circle(s) among {len(edges)} modules of {args.package}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
