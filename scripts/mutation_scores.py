"""Print the mutation score per module from mutmut's results (``make mutate``; see docs/mutation.md).

Reads ``mutants/**/*.py.meta`` (mutmut 3: the exit code of the focused tests per mutant): killed = the tests
failed (or timed out), survived = they passed, no tests = no selected test reaches the mutant.
``--retest`` forgets the verdict of every survivor (mutmut keeps verdicts and would not try them again against
new tests): ``make mutate`` does that first, so each run re-checks the survivors with the current tests.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

KILLED = {1, 3, 36, -24, 24, 152, 255, 37}  # failed, pytest internal error, timeouts, caught by the type check
SURVIVED = {0}
NO_TESTS = {5, 33}


def retest(root: Path, modules: list[str]) -> int:
    """Set the verdict of every surviving (or untested) mutant of ``modules`` (``fetch.plan`` ...; all when empty)
    back to 'not checked'; how many."""
    count = 0
    for meta in sorted(root.rglob("*.py.meta")):
        module = str(meta.relative_to(root / "goesvfi" / "integrity_check")).removesuffix(".py.meta")
        if modules and module.replace("/", ".") not in modules:
            continue
        data = json.loads(meta.read_text())
        codes = data["exit_code_by_key"]
        for key, code in codes.items():
            if code in SURVIVED or code in NO_TESTS:
                codes[key] = None
                count += 1
        meta.write_text(json.dumps(data, indent=4))
    return count


def main() -> int:
    root = Path("mutants")
    if "--retest" in sys.argv:
        modules = [a for a in sys.argv[1:] if not a.startswith("--")]
        print(f"{retest(root, modules)} surviving mutants to test again")
        return 0
    rows = []
    survivors = []
    for meta in sorted(root.rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if not codes:
            continue
        counts: Counter[str] = Counter()
        for key, code in codes.items():
            if code is None:
                counts["not run"] += 1
            elif code in KILLED:
                counts["killed"] += 1
            elif code in SURVIVED:
                counts["survived"] += 1
                survivors.append(key)
            elif code in NO_TESTS:
                counts["no tests"] += 1
                survivors.append(key + " (no tests)")
            else:
                counts["other"] += 1
        run = counts["killed"] + counts["survived"] + counts["no tests"]
        score = 100.0 * counts["killed"] / run if run else 0.0
        module = str(meta.relative_to(root)).removesuffix(".py.meta").replace("/", ".")
        rows.append((module, len(codes), counts, score))
    print(f"| {'module':45} | mutants | killed | survived | no tests | not run | score |")
    print(f"|{'-' * 47}|---------|--------|----------|----------|---------|-------|")
    for module, total, c, score in rows:
        print(
            f"| {module:45} | {total:7} | {c['killed']:6} | {c['survived']:8} | {c['no tests']:8} "
            f"| {c['not run']:7} | {score:4.1f}% |"
        )
    if "--survivors" in sys.argv:
        print()
        print("\n".join(survivors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
