"""folder.made: the folders a first fetch creates go again only when it wrote nothing into them."""

from __future__ import annotations

from pathlib import Path

from goesvfi.integrity_check.folder.lock import FETCH_LOCK
from goesvfi.integrity_check.folder.made import make_folder, unmake_if_empty


def test_folders_holding_only_the_lock_file_go_deepest_first(tmp_path: Path) -> None:
    target = tmp_path / "GOES" / "goes19" / "conus"
    assert make_folder(target) == [target, target.parent, target.parent.parent]
    (target / FETCH_LOCK).write_text("1234\n")
    assert unmake_if_empty(make_folder(target)) is False  # nothing created the second time: nothing to undo
    assert unmake_if_empty([target, target.parent, target.parent.parent]) is True
    assert not (tmp_path / "GOES").exists() and tmp_path.is_dir()


def test_a_folder_with_a_frame_or_a_sibling_stays(tmp_path: Path) -> None:
    target = tmp_path / "GOES" / "goes19" / "conus"
    created = make_folder(target)
    (target / "goes19_conus_C13_20261201T000100Z.png").write_bytes(b"png")
    assert unmake_if_empty(created) is False and target.is_dir()
    (target / "goes19_conus_C13_20261201T000100Z.png").unlink()
    (target.parent / "fd").mkdir()  # another sector appeared beside it meanwhile: the satellite folder stays
    assert unmake_if_empty(created) is False
    assert not target.exists() and target.parent.is_dir()
