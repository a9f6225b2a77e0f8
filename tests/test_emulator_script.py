"""scripts/noaa_emulator.py as a newcomer runs it: the two export lines, the frames it serves, Ctrl-C."""

from __future__ import annotations

import argparse
import importlib.util
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "noaa_emulator.py"


@pytest.mark.slow
def test_prerender_renders_the_listed_frames_before_announcing_the_endpoints() -> None:
    command = [
        sys.executable, str(SCRIPT), "--start", "2023-05-01T00:00Z", "--end", "2023-05-01T01:00Z",
        "--now", "2023-05-01T02:00Z", "--missing-fraction", "0", "--prerender", "416x250",
    ]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        exports = dict(proc.stdout.readline().removeprefix("export ").strip().split("=", 1) for _ in range(2))
        cdn = exports["GOESVFI_CDN_URL"]
        url = f"{cdn}/GOES18/ABI/CONUS/13/20231210001_GOES18-ABI-CONUS-13-416x250.jpg"
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert resp.status == 200 and resp.read(3) == b"\xff\xd8\xff"
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "Rendered 12 CDN frames of 416x250" in err  # 00:01 ... 00:56, every 5 minutes
    assert "Emulator stopped." in err


@pytest.mark.slow
def test_east_serves_both_satellites_across_the_handover() -> None:
    command = [
        sys.executable, str(SCRIPT), "--satellite", "east", "--start", "2025-04-07T14:00Z",
        "--end", "2025-04-07T16:00Z", "--now", "2025-04-07T16:00Z", "--missing-fraction", "0",
    ]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        exports = dict(proc.stdout.readline().removeprefix("export ").strip().split("=", 1) for _ in range(2))
        cdn = exports["GOESVFI_CDN_URL"]
        for url in (  # day 097 = 2025-04-07: GOES-16's last hours, GOES-19's first
            f"{cdn}/GOES16/ABI/CONUS/13/20250971401_GOES16-ABI-CONUS-13-416x250.jpg",
            f"{cdn}/GOES19/ABI/CONUS/13/20250971501_GOES19-ABI-CONUS-13-416x250.jpg",
        ):
            with urllib.request.urlopen(url, timeout=10) as resp:
                assert resp.status == 200 and resp.read(3) == b"\xff\xd8\xff"
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "GOES-16: bucket noaa-goes16" in err and "GOES-19: bucket noaa-goes19" in err


def _parser() -> argparse.ArgumentParser:
    spec = importlib.util.spec_from_file_location("noaa_emulator_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    parser: argparse.ArgumentParser = module.build_parser()
    return parser


def test_every_option_has_help() -> None:
    undocumented = [a.option_strings[0] for a in _parser()._actions if a.option_strings and not a.help]
    assert undocumented == []


def test_satellite_sector_and_band_are_explained_and_checked(capsys: pytest.CaptureFixture[str]) -> None:
    parser = _parser()
    text = " ".join(parser.format_help().split())  # argparse wraps lines
    for words in ("goes16, goes17, goes18 or goes19", "conus, fd, m1 or m2", "ABI band 1-16"):
        assert words in text
    args = parser.parse_args(["--satellite", "GOES-19", "--sector", "fd", "--band", "2"])
    assert (args.satellite.value, args.sector.value, args.band) == ("goes19", "fd", 2)
    with pytest.raises(SystemExit):
        parser.parse_args(["--band", "17"])
    assert "'17' is not an ABI band" in capsys.readouterr().err
