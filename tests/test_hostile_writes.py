"""Issue 20's attacks on what the tool writes and rewrites, each reproduced against the emulator or a local
hostile server, asserting that nothing the user owns changed (bytes and mode) and that nothing partial is
written: stray charts and planted headers never decide the look, ``--conform`` never rewrites what it cannot
prove is a frame, and every frame is whole before its rename.
"""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from goesvfi.integrity_check.cli.main import main
from goesvfi.integrity_check.emulator.abi_file import write_abi_l1b
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.render.netcdf import RenderError, render_png
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.hostile_server import HostileServer, static
from tests.scan_support import gradient, gradient_image

Factory = Callable[..., NoaaEmulator]
COMMON = ["--satellite", "goes18", "--start", "2023-05-01T00:00", "--end", "2023-05-01T01:00"]


def owned(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file directly in ``folder`` with its bytes and mode."""
    return {p.name: (p.read_bytes(), p.stat().st_mode) for p in folder.iterdir() if p.is_file()}


def planted_header(width: int, height: int) -> bytes:
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    chunk = b"\x00\x00\x00\x0dIHDR" + ihdr + zlib.crc32(b"IHDR" + ihdr).to_bytes(4, "big")
    return b"\x89PNG\r\n\x1a\n" + chunk + b"\x00\x00\x00\x00IEND\xaeB`\x82"


@pytest.mark.slow
@pytest.mark.usefixtures("cache_beside_folder")
def test_stray_charts_and_planted_headers_neither_decide_nor_get_rewritten(
    noaa_env_factory: Factory, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    noaa_env_factory(missing_fraction=0.0)
    for minute in (1, 6, 11):  # three real 2500x1500 frames
        gradient_image("RGB", (2500, 1500), minute).save(folder / f"goes18_conus_C13_20230501T00{minute:02d}00Z.png")
    for minute in (15, 20, 25, 30, 35):  # five grey 100x100 charts with dated names
        Image.fromarray(gradient(100, 100, None, minute)).save(folder / f"chart_20230501_00{minute:02d}00.png")
    (folder / "goes18_conus_C13_20230501T005100Z.png").write_bytes(planted_header(20000, 12000))
    (folder / "goes18_conus_C13_20230501T005600Z.png").write_bytes(planted_header(60000, 60000))
    before = owned(folder)
    code = main(["fetch", str(folder), *COMMON, "--now", "2023-05-01T02:00", "--conform", "--json"])
    out, err = capsys.readouterr()
    assert out.strip(), err
    result = json.loads(out.strip().splitlines()[-1])
    assert (
        result["look"] == {"width": 2500, "height": 1500, "mode": "RGB", "colour_table": "unknown"}
        or result["look"]["width"] == 2500
    ), out
    after = owned(folder)
    for name, content in before.items():  # every file the user had is there, unchanged, bytes and mode
        if "005100Z" in name or "005600Z" in name:
            continue  # the planted frames: rewritten only if they decode, which they cannot
        assert after[name] == content, name
    for name in ("goes18_conus_C13_20230501T005100Z.png", "goes18_conus_C13_20230501T005600Z.png"):
        assert after[name] == before[name]
    written = [p for p in folder.glob("goes18_conus_C13_*.png") if p.name not in before]
    assert written
    for path in written:
        with Image.open(path) as image:
            assert image.size == (2500, 1500)
    assert code in (0, 1), err


def cut_jpeg_with_end() -> bytes:
    out = io.BytesIO()
    gradient_image("RGB", (2500, 1500)).save(out, "JPEG", quality=90)
    data = out.getvalue()
    return data[: len(data) // 2] + b"\xff\xd9"  # half a JPEG, closed with an end marker


def test_a_cut_cdn_jpeg_closed_with_an_end_marker_is_never_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    name = "20231210001_GOES18-ABI-CONUS-13-2500x1500.jpg"
    index = f'<html><pre><a href="{name}">{name}</a>\n</pre></html>'
    routes = {
        "/GOES18/ABI/CONUS/13/": static(index.encode(), headers={"Content-Type": "text/html"}),
        f"/GOES18/ABI/CONUS/13/{name}": static(cut_jpeg_with_end()),
    }
    with HostileServer(routes, max_seconds=60) as server:
        code = main(
            ["fetch", str(folder), "--satellite", "goes18", "--start", "2023-05-01T00:00", "--end",
             "2023-05-01T00:05", "--now", "2023-05-01T01:00", "--cdn-url", server.url, "--s3-endpoint", server.url,
             "--cache-dir", str(tmp_path / "cache"), "--json"]
        )  # fmt: skip
    out, _err = capsys.readouterr()
    assert code == 1
    failed = json.loads(out)["failed"]
    assert (
        len(failed) == 1 and "would not be a whole frame" in failed[0]["error"] and "empty rows" in failed[0]["error"]
    )
    assert [p.name for p in folder.iterdir()] == [".goesvfi-integrity.lock"]  # no frame, no temp file left


@pytest.mark.parametrize("counts", [np.full((1, 1), 700), np.full((6, 10), 700)])
def test_a_netcdf_of_one_value_is_refused(tmp_path: Path, counts: np.ndarray) -> None:
    nc = tmp_path / "x.nc"
    start = datetime(2023, 5, 1, 0, 1, tzinfo=UTC)
    write_abi_l1b(nc, satellite=SatellitePattern.GOES_18, sector=Sector.CONUS, band=13, start=start,
                  shape=counts.shape, counts=counts.astype(np.uint16))  # fmt: skip
    with pytest.raises(RenderError, match=r"would not be a whole frame \(uniform"):
        render_png(nc, tmp_path / "x.png", colormap="star")
    assert not (tmp_path / "x.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.nc"]
