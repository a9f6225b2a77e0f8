"""The archive file (issue 22): goesvfi-archive.toml parsed into products; a bad file gets one line naming the key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.archive import ArchiveFileError, load_archive
from goesvfi.integrity_check.time_index import Sector

EXAMPLE = """
[[product]]
satellite = "east"
sector = "conus"
band = 13
folder = "east/conus/13"

[[product]]
satellite = "goes18"
sector = "fd"
band = 9
folder = "west-fd-09"
look = "grey"
window = "6h"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "goesvfi-archive.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_gives_two_products_with_folders_relative_to_the_file(tmp_path: Path) -> None:
    archive = load_archive(_write(tmp_path, EXAMPLE))
    first, second = archive.products
    assert (first.satellite, first.sector, first.band, first.look, first.window) == ("east", Sector.CONUS, 13, None,
                                                                                     None)  # fmt: skip
    assert first.folder == (tmp_path / "east" / "conus" / "13").resolve()
    assert (second.satellite, second.sector, second.band, second.look) == ("goes18", Sector.FULL_DISK, 9, "grey")
    assert second.window == timedelta(hours=6) and second.folder == (tmp_path / "west-fd-09").resolve()
    assert first.name == "east conus band 13"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (EXAMPLE.replace("band = 9", "band = 20"), "product 2: band: band 20 is not an ABI band (1-16)"),
        (EXAMPLE.replace("band = 9", 'band = "9"'), "product 2: band: must be a whole number 1-16"),
        (EXAMPLE.replace('look = "grey"', 'colour = "grey"'), "product 2: colour: unknown key"),
        (EXAMPLE.replace('folder = "east/conus/13"\n', ""), "product 1: folder: missing"),
        (EXAMPLE.replace('"east"', '"north"'), "product 1: satellite: unknown satellite 'north'"),
        (EXAMPLE.replace('"conus"', '"pacific"'), "product 1: sector: unknown sector 'pacific'"),
        (EXAMPLE.replace('look = "grey"', 'look = "star"'), "product 2: look: the look star is another band's"),
        (EXAMPLE.replace('window = "6h"', 'window = "soon"'), "product 2: window:"),
        (EXAMPLE.replace('"west-fd-09"', '"east/conus/13"'), "products 1 and 2: folder: both use"),
        (EXAMPLE.replace("[[product]]", "[product]", 1), "not valid TOML"),
        ("title = 'x'\n", "unknown key 'title'"),
        ("", "no [[product]] table"),
    ],
)
def test_a_bad_file_gets_one_line_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ArchiveFileError) as caught:
        load_archive(path)
    line = str(caught.value)
    assert "\n" not in line and line.startswith(str(path)) and message in line, line


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ArchiveFileError, match="no such archive file"):
        load_archive(tmp_path / "nowhere.toml")
