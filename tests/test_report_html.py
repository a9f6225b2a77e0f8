"""The HTML report: well-formed, self-contained (nothing loaded from elsewhere), the calendar as inline SVG, the
``report --html`` command, and a look in headless Chromium where it is installed."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from goesvfi.integrity_check.cli.main import main
from goesvfi.integrity_check.report_html import html_report, write_html
from goesvfi.integrity_check.results import SlotResult, SlotStatus, Source
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.names_support import png_name
from tests.scan_support import write_frame

SAT, SECTOR = SatellitePattern.GOES_18, Sector.CONUS
FIRST = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 40
ALL_MISSING_DAYS = {10, 11, 12}  # whole days missing: their cells are the darkest red
RESOURCE_TAGS = {"script", "link", "img", "iframe", "object", "embed", "image", "use", "audio", "video", "source"}


def year_slots() -> list[SlotResult]:
    """40 days of 5-min CONUS: days 10-12 missing, the first 20 slots of every 7th day missing, day 3 fetched."""
    slots = []
    for day in range(DAYS):
        for k in range(288):
            when = FIRST + timedelta(days=day, minutes=1 + 5 * k)
            if day in ALL_MISSING_DAYS or (day % 7 == 0 and k < 20):
                slots.append(SlotResult(when, SAT, SECTOR, status=SlotStatus.MISSING))
            elif day == 3 and k < 2:
                slots.append(SlotResult(when, SAT, SECTOR, status=SlotStatus.FETCHED, source=Source.CDN,
                                        path=Path(f"/data/{png_name(SAT, SECTOR, 13, when)}"),
                                        remote="https://cdn.star.nesdis.noaa.gov/GOES18/x.jpg"))  # fmt: skip
            else:
                path = Path(f"/data/{png_name(SAT, SECTOR, 13, when)}")
                slots.append(SlotResult(when, SAT, SECTOR, status=SlotStatus.PRESENT, source=Source.LOCAL, path=path))
    return slots


def check_self_contained(text: str) -> ET.Element:
    assert text.startswith("<!DOCTYPE html>")
    root = ET.fromstring(text.split("\n", 1)[1])  # well-formed: parses as XML
    assert root.tag == "html"
    for element in root.iter():
        assert element.tag not in RESOURCE_TAGS, element.tag
        for name, value in element.attrib.items():
            assert "://" not in value and not value.startswith("//"), (element.tag, name, value)
            assert name not in ("src", "href", "srcset") and not name.startswith("on"), (element.tag, name)
    for style in root.iter("style"):
        assert "url(" not in (style.text or "") and "@import" not in (style.text or "")
    return root


@pytest.mark.slow
def test_the_page_is_well_formed_and_self_contained() -> None:
    slots = year_slots()
    text = html_report(slots, title="GOES-18 CONUS <test> & co", generated=datetime(2026, 2, 10, tzinfo=UTC))
    root = check_self_contained(text)
    assert root.findtext("head/title") == "GOES-18 CONUS <test> & co"
    body = "".join(root.itertext())
    missing = 3 * 288 + sum(20 for d in range(DAYS) if d % 7 == 0 and d not in ALL_MISSING_DAYS)
    assert f"{DAYS * 288:,}" in body and f"{missing:,}" in body
    svg = root.find(".//svg")
    assert svg is not None
    cells = [r for r in svg.iter("rect") if r.find("title") is not None]
    assert len(cells) == DAYS  # one cell per day over 40 days
    by_day = {c.findtext("title").split(" UTC")[0][4:]: c.get("fill") for c in cells}
    for day in range(DAYS):
        key = f"{FIRST + timedelta(days=day):%Y-%m-%d}"
        if day in ALL_MISSING_DAYS:
            assert by_day[key] == "#7a1712", key  # all missing
        elif day % 7 == 0:
            assert by_day[key] == "#f2b8a0", key  # 20 of 288 = 6.9 %: up to 10 %
        elif day == 3:
            assert by_day[key] == "#2f7bc4", key  # complete, some fetched
        else:
            assert by_day[key] == "#4c9a52", key
    # The table lists every frame (under 20,000 rows); the remote URL is text, never a link.
    assert len(root.findall(".//table[@class='frames']/tbody/tr")) == DAYS * 288


def test_report_html_command_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for k in range(288 * 3):
        if not 300 <= k < 340:
            write_frame(folder / png_name(SAT, SECTOR, 13, start + timedelta(minutes=1 + 5 * k)))
    out = tmp_path / "report.html"
    code = main(["report", str(folder), "--satellite", "goes18", "--start", "2026-11-01", "--end", "2026-11-04",
                 "--html", str(out), "--cache-dir", str(tmp_path / "cache")])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "timestamp,satellite" not in printed  # no CSV on stdout when only --html is given
    assert f"HTML written to {out}" in printed and "missing 40" in printed
    root = check_self_contained(out.read_text(encoding="utf-8"))
    assert "40" in "".join(root.itertext())
    assert not list(tmp_path.glob(".report.html*"))  # written atomically, no temp file left


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")
def test_headless_chromium_renders_the_calendar(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    write_html(page, year_slots(), title="GOES-18 CONUS", generated=datetime(2026, 2, 10, tzinfo=UTC))
    shot = tmp_path / "shot.png"
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--window-size=1000,800", f"--screenshot={shot}", page.as_uri()],
            capture_output=True, timeout=90, check=False,
        )  # fmt: skip
    assert shot.is_file(), "Chromium wrote no screenshot"
    image = Image.open(shot).convert("RGB")
    colours = {colour for _count, colour in image.getcolors(maxcolors=1 << 20) or []}
    assert (0x7A, 0x17, 0x12) in colours  # the all-missing days of the calendar were drawn
    assert (0x4C, 0x9A, 0x52) in colours  # and the complete ones
