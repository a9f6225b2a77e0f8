"""README.md and docs/*.md say what is true: every Python example runs as pasted, every command-line option they
name exists, every relative link and anchor points somewhere, README stays short, and no page points at a
file a clone does not have.

- Each ```python block runs in a fresh interpreter, in an empty temporary folder. Blocks that download (they use a
  ``ReconcileManager``) and start no emulator of their own get the local NOAA emulator through the documented
  variables (``GOESVFI_CDN_URL``, ``GOESVFI_S3_ENDPOINT``, ``GOESVFI_NETCDF_MIN_GRID``), serving GOES-19 CONUS
  band 13 for the two hours before the real time, as NOAA would; the others get endpoints nobody serves.
- ``goesvfi-integrity SUBCOMMAND ... --option`` in any code block or code span: the option is in that
  subcommand's ``--help`` (the judge is argparse's own help text, not a list kept here).
- Links: ``[text](path#anchor)`` outside code blocks; the file exists, and an anchor is a heading of the target
  page, made into an id as GitHub does (lower case, punctuation dropped, spaces to hyphens).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
USER_DOCS = [README, *DOCS]  # the pages whose examples must run
ALL_PAGES = [README, ROOT / "INTEGRATION.md", *DOCS]
OTHER_OWNERS = {"mutation.md"}  # written by the mutation run's helper; only its links are checked here

FENCE = re.compile(r"^```(\w*)\n(.*?)^```\s*$", re.S | re.M)
SUBCOMMANDS = ("scan", "report", "fetch", "watch", "status", "gui")


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def python_blocks() -> list[tuple[str, int, str]]:
    """(page, line, code) of every ```python block of README.md and docs/*.md."""
    found = []
    for page in USER_DOCS:
        text = page.read_text()
        for match in FENCE.finditer(text):
            if match.group(1) == "python":
                line = text.count("\n", 0, match.start()) + 1
                found.append((_rel(page), line, match.group(2)))
    return found


BLOCKS = python_blocks()


def test_the_pages_have_python_examples() -> None:
    pages = {page for page, _, _ in BLOCKS}
    assert "README.md" in pages and "docs/python.md" in pages


@pytest.mark.slow
@pytest.mark.parametrize(("page", "line", "code"), BLOCKS, ids=[f"{p}:{n}" for p, n, _ in BLOCKS])
def test_each_python_example_runs_as_pasted(
    page: str, line: int, code: str, tmp_path: Path, noaa_emulator_factory: Callable[..., NoaaEmulator]
) -> None:
    env = dict(os.environ, HOME=str(tmp_path / "home"), GOESVFI_ARCHIVE_DIR=str(tmp_path / "GOES"))
    for name in ("GOESVFI_CDN_URL", "GOESVFI_S3_ENDPOINT"):
        env.pop(name, None)  # never NOAA itself: a block that needs it gets the emulator below
    downloads = "ReconcileManager" in code
    if downloads and "NoaaEmulator(" not in code:
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        start = now.replace(minute=now.minute - now.minute % 5) - timedelta(hours=2)
        emulator = noaa_emulator_factory(
            satellite=SatellitePattern.GOES_19,
            sector=Sector.CONUS,
            band=13,
            start=start,
            end=now,
            now=now,
            missing_fraction=0.0,
            nc_shape=(30, 50),
        )
        env.update(emulator.env())
    else:  # a block that does not say it downloads must not: point the stores at a port nobody serves
        env.update(GOESVFI_CDN_URL="http://127.0.0.1:9", GOESVFI_S3_ENDPOINT="http://127.0.0.1:9")
    script = tmp_path / "example.py"
    script.write_text(code)
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run([sys.executable, str(script)], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{page}:{line} failed:\n{done.stdout}\n{done.stderr}"
    if downloads:
        frames = sorted(work.rglob("goes1[89]_conus_C13_*.png"))
        assert frames, f"{page}:{line} fetched nothing from the emulator:\n{done.stdout}\n{done.stderr}"


# ---- command-line options -------------------------------------------------------------------------------

INVOCATION = re.compile(r"goesvfi-integrity\s+((?:%s)(?:\|(?:%s))*)\b(.*)" % (("|".join(SUBCOMMANDS),) * 2))


def _code_lines(text: str) -> Iterator[str]:
    """Lines of every non-Python code block (continuations joined) and every inline code span."""
    for match in FENCE.finditer(text):
        if match.group(1) in ("", "sh", "bash", "shell", "console", "ini"):
            yield from match.group(2).replace("\\\n", " ").splitlines()
    prose = FENCE.sub("", text)
    yield from re.findall(r"`([^`\n]+)`", prose)


def named_options() -> dict[tuple[str, str], set[str]]:
    """(subcommand, option) -> pages that name it after ``goesvfi-integrity SUBCOMMAND``."""
    named: dict[tuple[str, str], set[str]] = {}
    for page in ALL_PAGES:
        for line in _code_lines(page.read_text()):
            for match in INVOCATION.finditer(line):
                rest = match.group(2).split("goesvfi-integrity", 1)[0]  # up to a second command on the line
                rest = rest.split("#", 1)[0] if " #" in rest else rest  # a shell comment is prose
                for option in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", rest):
                    for sub in match.group(1).split("|"):
                        named.setdefault((sub, option), set()).add(_rel(page))
    return named


def help_text(sub: str, capsys: pytest.CaptureFixture[str]) -> str:
    if sub == "gui":
        from goesvfi.integrity_check.gui.app import parse_args

        with pytest.raises(SystemExit):
            parse_args(["--help"])
    else:
        from goesvfi.integrity_check.cli.main import main

        assert main([sub, "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.slow
def test_every_option_the_pages_name_is_in_its_subcommands_help(capsys: pytest.CaptureFixture[str]) -> None:
    named = named_options()
    assert ("watch", "--keep") in named and ("fetch", "--conform") in named  # the parser found the examples
    helps = {sub: help_text(sub, capsys) for sub in sorted({sub for sub, _ in named})}
    unknown = [
        f"{sub} {option} ({', '.join(sorted(pages))})"
        for (sub, option), pages in sorted(named.items())
        if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", helps[sub])
    ]
    assert not unknown, "options the pages name that the command does not have:\n" + "\n".join(unknown)


def test_the_option_check_catches_an_option_that_does_not_exist(capsys: pytest.CaptureFixture[str]) -> None:
    fetch_help = help_text("fetch", capsys)
    assert "--conform" in fetch_help and "--keep" not in fetch_help  # --keep is watch's, not fetch's


# ---- links, length, what a clone has ---------------------------------------------------------------------


def github_anchor(heading: str) -> str:
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    prose = FENCE.sub("", page.read_text())
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6} (.+)$", prose, flags=re.M):
        slug = github_anchor(heading)
        n, candidate = 0, slug
        while candidate in found:
            n += 1
            candidate = f"{slug}-{n}"
        found.add(candidate)
    return found


def links(page: Path) -> list[str]:
    prose = FENCE.sub("", page.read_text())
    prose = re.sub(r"`[^`\n]*`", "", prose)
    return re.findall(r"\]\(([^)\s]+)\)", prose)


def test_github_anchors_are_made_as_github_makes_them() -> None:
    assert github_anchor("Metrics: Prometheus (`--metrics FILE`, `--metrics-port PORT`)") == (
        "metrics-prometheus---metrics-file---metrics-port-port"
    )
    assert github_anchor("Band facts (`time_index/bands.py`)") == "band-facts-time_indexbandspy"


@pytest.mark.parametrize("page", ALL_PAGES, ids=_rel)
def test_every_relative_link_points_at_a_file_and_anchor_that_exist(page: Path) -> None:
    broken = []
    for target in links(page):
        if re.match(r"[a-z][a-z+.-]*:", target):  # https:, mailto: ...
            continue
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading with that anchor in {_rel(dest)}")
    assert not broken, f"{_rel(page)}:\n" + "\n".join(broken)


def test_readme_is_short_enough_to_read_to_the_end() -> None:
    assert len(README.read_text().splitlines()) < 500


def test_no_page_points_at_the_team_brief_a_clone_does_not_have() -> None:
    for page in ALL_PAGES:
        text = page.read_text()
        assert not any("DOMAIN.md" in target for target in links(page)), _rel(page)
        if page.name not in OTHER_OWNERS:
            assert "DOMAIN.md" not in text, _rel(page)
    assert not (ROOT / "DOMAIN.md").exists()


def test_every_docs_page_is_listed_in_the_readme() -> None:
    listed = {target for target in links(README) if target.startswith("docs/") and target.endswith(".md")}
    assert {_rel(page) for page in DOCS} <= listed


def test_every_screenshot_in_docs_is_linked_from_a_page() -> None:
    linked = {(page.parent / target).resolve() for page in ALL_PAGES for target in links(page)}
    unlinked = [_rel(png) for png in sorted((ROOT / "docs").glob("*.png")) if png.resolve() not in linked]
    assert not unlinked, unlinked
