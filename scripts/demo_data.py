"""The demo scenario shared by ``scripts/demo.py`` and ``scripts/screenshot.py``.

Twelve hours of GOES-18 CONUS band-13 frames centred on the CDN cutoff (7 days before now): the local NOAA
emulator serves the older half from S3 (NetCDF) and the newer half from the CDN (JPG), and a folder holds
every frame except five gaps: two in the S3 half, one across the cutoff, one in the CDN half, and a lone
missing frame.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from goesvfi.integrity_check.emulator.cdn_frames import render_jpeg
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.time_index import SatellitePattern, Sector, canonical_name, expected_slots

SATELLITE, SECTOR, BAND = SatellitePattern.GOES_18, Sector.CONUS, 13
CDN_DAYS = 7.0


@dataclass(frozen=True)
class Scenario:
    now: datetime
    start: datetime
    end: datetime
    slots: list[datetime]
    gaps: list[datetime]

    @property
    def cutoff(self) -> datetime:
        return self.now - timedelta(days=CDN_DAYS)


def scenario(now: datetime | None = None, hours: float = 12.0) -> Scenario:
    now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    cutoff = now - timedelta(days=CDN_DAYS)
    start = (cutoff - timedelta(hours=hours / 2)).replace(minute=0)
    end = start + timedelta(hours=hours)
    slots = expected_slots(SECTOR, start, end)
    c = next(i for i, slot in enumerate(slots) if slot >= cutoff)
    picks = [*range(c - 50, c - 40), *range(c - 20, c - 17), *range(c - 2, c + 3), *range(c + 30, c + 38), c + 55]
    gaps = [slots[i] for i in picks if 0 <= i < len(slots)]
    return Scenario(now, start, end, slots, gaps)


def start_emulator(case: Scenario, nc_shape: tuple[int, int] = (300, 500)) -> NoaaEmulator:
    """The emulator for the scenario, started; ``os.environ`` then points the tool at it."""
    emulator = NoaaEmulator(
        SATELLITE, SECTOR, BAND, start=case.start, end=case.end, now=case.now, nc_shape=nc_shape,
        missing_fraction=0.01, seed=7, cdn_retention_days=CDN_DAYS,
    )  # fmt: skip
    emulator.start()
    os.environ.update(emulator.env())
    return emulator


def write_folder(case: Scenario, folder: Path) -> Path:
    """The archive the demo starts from: a PNG in the CDN's look (625x375 RGB in STAR's colours, the colour table
    named in the PNG as the tool writes it) for every slot but the gaps, each the emulator's own picture of that
    slot (its scene and banner), so the folder and what is fetched into it are one moving scene, and every frame
    is whole (not one colour, no empty rows) for *Verify frames*. So the folder's look is one the CDN serves and
    the fetch is hybrid: CDN frames at 625x375, S3 renders brought to it."""
    folder.mkdir(parents=True, exist_ok=True)
    gaps = set(case.gaps)
    info = PngInfo()
    info.add_text("goesvfi-colour-table", "star")
    for slot in case.slots:
        if slot in gaps:
            continue
        jpeg = render_jpeg(SATELLITE, SECTOR, BAND, slot, (625, 375))
        with Image.open(io.BytesIO(jpeg)) as image:
            image.convert("RGB").save(folder / canonical_name(SATELLITE, SECTOR, BAND, slot), pnginfo=info)
    return folder
