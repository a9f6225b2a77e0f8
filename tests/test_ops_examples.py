"""Issue 24: the systemd units in resources/ and the cron line in README work as shipped.

- ``systemd-analyze verify`` on every unit (where systemd-analyze is installed), with ``%h`` pointing at a home
  whose ``~/.local/bin/goesvfi-integrity`` is this checkout's; a unit broken on purpose fails the same check.
- Every ``ExecStart`` command line is accepted by the program's own parser.
- The README's ``*/10`` cron line is run once by ``/bin/sh`` as cron would, against the emulator (GOES-19, the
  last hour, real time), and fills the folder.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.cli.main import build_parser
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.time_index import SatellitePattern
from tests.watch_support import frames

ROOT = Path(__file__).resolve().parent.parent
UNITS = sorted([*ROOT.glob("resources/*.service"), *ROOT.glob("resources/*.timer")])
PROGRAM = Path(sys.executable).parent / "goesvfi-integrity"


def fake_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    (home / ".local" / "bin" / "goesvfi-integrity").symlink_to(PROGRAM)
    return home


def verify(units: list[Path], home: Path) -> subprocess.CompletedProcess[str]:
    analyze = shutil.which("systemd-analyze")
    assert analyze is not None
    env = {**os.environ, "HOME": str(home)}
    return subprocess.run(
        [analyze, "verify", *map(str, units)], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def exec_lines(unit: Path) -> list[str]:
    """Every active ``ExecStart=`` of ``unit``, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", unit.read_text())
    return [line.split("=", 1)[1].strip() for line in text.splitlines() if line.startswith("ExecStart=")]


def test_the_shipped_units_are_a_service_and_a_timer_pair_and_a_long_running_service() -> None:
    names = {u.name for u in UNITS}
    assert {"goesvfi-integrity-watch.service", "goesvfi-integrity-watch-once.service"} <= names
    assert "goesvfi-integrity-watch-once.timer" in names


@pytest.mark.parametrize("unit", [u for u in UNITS if u.suffix == ".service"], ids=lambda u: u.name)
def test_every_exec_start_is_a_command_line_the_program_accepts(unit: Path) -> None:
    (line,) = exec_lines(unit)
    argv = shlex.split(line.replace("%h", "/home/someone"))
    assert argv[0] == "/home/someone/.local/bin/goesvfi-integrity"
    ns = build_parser().parse_args(argv[1:])
    assert ns.command == "watch" and ns.satellite == "goes19"
    assert ns.metrics or ns.metrics_port  # every example exposes metrics


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@pytest.mark.skipif(not PROGRAM.exists(), reason="the goesvfi-integrity script is not installed beside python")
def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    home = fake_home(tmp_path)
    units = tmp_path / "units"
    units.mkdir()
    copies = [Path(shutil.copy(u, units / u.name)) for u in UNITS]
    done = verify(copies, home)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == ""
    # the same check fails on a unit that is wrong
    broken = units / "goesvfi-integrity-watch-once.service"
    broken.write_text(broken.read_text().replace("Type=oneshot", "Type=whenever"))
    (units / "goesvfi-integrity-watch.service").unlink()
    (home / ".local" / "bin" / "goesvfi-integrity").unlink()
    failed = verify([broken, units / "goesvfi-integrity-watch-once.timer"], home)
    assert failed.returncode != 0 and "not executable" in failed.stderr


def readme_cron_line() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("### Under cron", 1)[1].split("\n### ", 1)[0]
    (line,) = [ln for ln in section.splitlines() if ln.startswith("*/10 ")]
    return line


@pytest.mark.slow
@pytest.mark.skipif(not PROGRAM.exists(), reason="the goesvfi-integrity script is not installed beside python")
def test_the_readme_cron_line_runs_once(noaa_emulator_factory: Callable[..., NoaaEmulator], tmp_path: Path) -> None:
    line = readme_cron_line()
    fields = line.split(None, 5)
    assert fields[:5] == ["*/10", "*", "*", "*", "*"]
    command = fields[5]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    # the last hour of GOES-19 (all inside the line's window [now - 24h, now - 20m)); NOAA has nothing else
    emu = noaa_emulator_factory(
        satellite=SatellitePattern.GOES_19, start=now - timedelta(minutes=85), end=now - timedelta(minutes=25),
        now=now, missing_fraction=0.0, nc_shape=(30, 50),
    )  # fmt: skip
    home = fake_home(tmp_path)
    folder = home / "goes" / "goes19"
    folder.mkdir(parents=True)
    env = {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "SHELL": "/bin/sh",
        **emu.env(),
        "GOESVFI_CACHE_DIR": str(tmp_path / "cache"),
    }
    done = subprocess.run(["/bin/sh", "-c", command], env=env, capture_output=True, text=True, timeout=300, check=False)
    log = (home / "goes" / "watch.log").read_text()
    assert done.returncode == 0, log
    cycle_lines = [ln for ln in log.splitlines() if re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ expected ", ln)]
    assert len(cycle_lines) == 1  # one cycle, then it exited
    assert frames(folder) == set(emu.expected)  # every frame NOAA (the emulator) has in the window
    assert (folder / ".goesvfi-integrity-watch-goes19-conus-13.json").exists()  # the record status reads
