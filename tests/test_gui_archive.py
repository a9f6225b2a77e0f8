"""The tab opens an archive file (issue 22): a product list with each product's completeness over the range, and the
chosen product's folder shown in the usual views. Real widgets offscreen (pytest-qt), real files, no network."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from PyQt6.QtWidgets import QListWidget, QPushButton

from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.results import SlotStatus
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.emulator_fixtures import EMULATOR_START
from tests.tab_support import NOW, make_tab

ARCHIVE = """
[[product]]
satellite = "goes18"
sector = "conus"
band = 13
folder = "west/conus/13"

[[product]]
satellite = "east"
sector = "fd"
band = 9
folder = "east/fd/09"
"""


def test_the_tab_lists_an_archive_s_products_and_shows_the_chosen_one(
    qtbot, qt_settings, qloop, tmp_path: Path
) -> None:
    root = tmp_path / "GOES-archive"
    folder = root / "west" / "conus" / "13"
    folder.mkdir(parents=True)
    day = NOW - timedelta(hours=24)
    first = day.replace(minute=1, second=0, microsecond=0) + timedelta(hours=1)  # a CONUS slot (minute % 5 == 1)
    for k in range(3):
        name = f"goes18_conus_C13_{first + timedelta(minutes=5 * k):%Y%m%dT%H%M%S}Z.png"
        Image.new("L", (25, 15)).save(folder / name)
    (root / "goesvfi-archive.toml").write_text(ARCHIVE, encoding="utf-8")

    tab = make_tab(qtbot, tmp_path)
    vm = tab.view_model
    tab.archive_views.ask_file = lambda _parent: str(root / "goesvfi-archive.toml")
    tab.findChild(QPushButton, "showArchive").click()  # the third view, beside the timeline and the calendar
    assert tab.ui.views.currentWidget() is tab.archive_views.page
    with qtbot.waitSignal(vm.archive_loaded, timeout=30000):
        tab.findChild(QPushButton, "openArchive").click()
    products = tab.findChild(QListWidget, "archiveProducts")
    lines = [products.item(i).text() for i in range(products.count())]
    assert lines == [
        "goes18 conus band 13: 3 of 288 (1%)",  # 24 hours of 5-minute CONUS slots
        "east fd band 9: no folder yet, 144 expected",  # 24 hours of 10-minute full disks
    ]
    with qtbot.waitSignal(vm.scan_completed, timeout=30000):
        products.setCurrentRow(0)
    qtbot.waitUntil(lambda: not vm.busy, timeout=5000)
    inputs = vm.inputs
    assert inputs.directory == str(folder)
    assert (inputs.satellite, inputs.sector, inputs.band) == (SatellitePattern.GOES_18, Sector.CONUS, 13)
    assert vm.digest is not None and vm.digest.counts[SlotStatus.PRESENT] == 3


def test_a_bad_archive_file_is_one_message(qtbot, qt_settings, qloop, tmp_path: Path) -> None:
    path = tmp_path / "goesvfi-archive.toml"
    path.write_text(ARCHIVE.replace("band = 9", "band = 0"), encoding="utf-8")
    tab = make_tab(qtbot, tmp_path)
    vm = tab.view_model
    tab.archive_views.ask_file = lambda _parent: str(path)
    tab.findChild(QPushButton, "openArchive").click()
    qtbot.waitUntil(lambda: "product 2: band" in vm.status, timeout=10000)
    assert tab.findChild(QListWidget, "archiveProducts").count() == 0


@pytest.mark.slow
def test_a_fetch_of_the_chosen_product_takes_its_look(
    qtbot, qt_settings, qloop, tmp_path: Path, noaa_env_factory: Callable[..., NoaaEmulator]
) -> None:
    """Band 13's default look is STAR's colours; the product's ``look = "grey"`` wins, as in ``fetch --archive``."""
    end = EMULATOR_START + timedelta(minutes=30)
    noaa_env_factory(missing_fraction=0.0, end=end)
    root = tmp_path / "GOES-archive"
    folder = root / "grey"
    folder.mkdir(parents=True)
    (root / "goesvfi-archive.toml").write_text(
        '[[product]]\nsatellite = "goes18"\nsector = "conus"\nband = 13\nfolder = "grey"\nlook = "grey"\n',
        encoding="utf-8",
    )
    tab = make_tab(qtbot, tmp_path, now=lambda: end)
    vm = tab.view_model
    vm.apply_inputs(start=EMULATOR_START, end=end)
    tab.archive_views.ask_file = lambda _parent: str(root / "goesvfi-archive.toml")
    with qtbot.waitSignal(vm.archive_loaded, timeout=30000):
        tab.findChild(QPushButton, "openArchive").click()
    assert vm.fetch_settings.look == "auto"  # the preferences' look until the product is shown
    with qtbot.waitSignal(vm.scan_completed, timeout=30000):
        tab.findChild(QListWidget, "archiveProducts").setCurrentRow(0)
    qtbot.waitUntil(lambda: not vm.busy, timeout=5000)
    assert vm.digest is not None and vm.digest.counts[SlotStatus.MISSING] == 6
    with qtbot.waitSignal(vm.fetch_completed, timeout=60000):
        tab.ui.fetch.click()
    qtbot.waitUntil(lambda: not vm.busy, timeout=5000)
    names = sorted(p.name for p in folder.iterdir() if p.suffix == ".png")
    assert len(names) == 6
    for name in names:
        with Image.open(folder / name) as im:
            im.load()
            assert (im.mode, im.text.get("goesvfi-colour-table")) == ("L", "gray_r"), name
    vm.apply_inputs(band=14)  # another product than the file's: the preferences' look again
    assert vm.fetch_settings.look == "auto"
