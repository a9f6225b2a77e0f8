#!/usr/bin/env python3
"""``make demo``: the whole Integrity Check flow offline, against a local NOAA emulator.

Starts the emulator (STAR CDN + S3 on 127.0.0.1), prepares a folder of frames with gaps on both sides of the
CDN cutoff, and opens the window pointed at both, with the folder and range filled in. Then: Scan, Fetch
Missing (recent frames come from the CDN as JPG, older ones from S3 as NetCDF rendered to PNG), Export CSV.

The demo keeps its own settings and cache in a temporary folder (your real settings are not touched) and
removes everything when the window closes, unless ``--keep`` is given.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from demo_data import scenario, start_emulator, write_folder
from PyQt6.QtCore import QSettings

from goesvfi.integrity_check.gui import app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the demo folder (its path is printed)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="goesvfi-demo-"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "settings"))
    import os

    os.environ["GOESVFI_CACHE_DIR"] = str(work / "cache")
    case = scenario()
    print("Starting the local NOAA emulator (writing NetCDF files) ...", file=sys.stderr)
    emulator = start_emulator(case)
    try:
        folder = write_folder(case, work / "frames")
        print(f"CDN emulator: {emulator.cdn_url}   S3 emulator: {emulator.s3_endpoint}", file=sys.stderr)
        print(f"Demo folder: {folder} ({len(case.slots) - len(case.gaps)} frames, {len(case.gaps)} missing)",
              file=sys.stderr)  # fmt: skip
        print(f"CDN cutoff: {case.cutoff:%Y-%m-%d %H:%M} UTC (older frames come from S3)", file=sys.stderr)
        print("In the window: Scan, then Fetch Missing, then Export CSV.", file=sys.stderr)
        return app.main([
            "--directory", str(folder), "--satellite", "goes18", "--sector", "conus", "--band", "13",
            "--interval", "0", "--start", case.start.isoformat(), "--end", case.end.isoformat(),
        ])  # fmt: skip
    finally:
        emulator.stop()
        if args.keep:
            print(f"Kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
