"""Issue 20 items 7 and 8: text from outside never reaches a terminal, the CSV or the HTML raw.

The attacks: a folder and a file named with ESC and CR (``"\\rFAKE: all frames OK"`` overwrote a line), an S3
error ``<Message>`` with escape sequences from a hostile server, a PNG text chunk naming the colour table with
escapes, and a folder name that is not UTF-8 with ``report --html`` (exited 1 with UnicodeEncodeError).
"""

from __future__ import annotations

import io
import logging
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import PngImagePlugin

from goesvfi.integrity_check.cli.main import main
from goesvfi.integrity_check.cli.progress import ProgressBar
from goesvfi.integrity_check.results import Progress, Stage
from goesvfi.integrity_check.safe_text import SafeLogFormatter
from tests.hostile_server import HostileServer, static
from tests.scan_support import gradient_image

EVIL = "\x1b]0;pwned\x07\x1b[2J\rFAKE: all frames OK"
SHOWN = "\\x1b]0;pwned\\x07\\x1b[2J\\rFAKE: all frames OK"
COMMON = ["--satellite", "goes18", "--start", "2023-05-01T00:00", "--end", "2023-05-01T00:15"]


def raw_controls(data: bytes) -> list[int]:
    """Control bytes other than the line feed (C0, DEL; C1 as raw bytes or as UTF-8 U+0080-U+009F)."""
    found = [b for b in data if (b < 0x20 and b != 0x0A) or b == 0x7F]
    found += [data[i + 1] for i in range(len(data) - 1) if data[i] == 0xC2 and 0x80 <= data[i + 1] <= 0x9F]
    return found


def png(size: tuple[int, int], table: str | None = None) -> bytes:
    info = PngImagePlugin.PngInfo()
    if table is not None:
        info.add_text("goesvfi-colour-table", table)
    out = io.BytesIO()
    gradient_image("RGB", size).save(out, "PNG", pnginfo=info)  # a whole frame (not one colour)
    return out.getvalue()


def test_names_with_escapes_and_bytes_not_utf8_in_report_csv_and_html(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / f"frames{EVIL}"
    evil_sub = folder / f"sub{EVIL}"
    bad_sub = Path(os.fsdecode(os.fsencode(folder) + b"/bad\xff\x9b"))  # not UTF-8; 0x9b is CSI in Latin-1
    for sub, minute in ((evil_sub, "01"), (bad_sub, "06")):
        sub.mkdir(parents=True)
        (sub / f"goes18_conus_C13_20230501T00{minute}00Z.png").write_bytes(png((8, 5)))
    csv_path, html_path = tmp_path / "report.csv", tmp_path / "report.html"
    code = main(["report", str(folder), *COMMON, "--no-cache", "--csv", str(csv_path), "--html", str(html_path)])
    out, err = capsys.readouterr()
    assert code == 0, out + err

    shown = out + err + caplog.text
    assert "\x1b" not in shown and "\r" not in shown and "\x07" not in shown
    assert f"frames{SHOWN}" in shown  # the title names the folder, escaped

    data = csv_path.read_bytes()
    assert raw_controls(data) == []
    assert f"sub{SHOWN}/goes18_conus_C13_20230501T000100Z.png".encode() in data
    assert b"bad\xff\\x9b/goes18_conus_C13_20230501T000600Z.png" in data  # 0xff kept (the file's bytes), 0x9b not

    page = html_path.read_bytes()
    assert raw_controls(page) == []
    text = page.decode("utf-8")  # valid UTF-8
    root = ET.fromstring(text.split("\n", 1)[1])  # and well-formed XML
    cells = [cell.text or "" for cell in root.iter("td")]
    assert f"frames{SHOWN}" in (root.find("body/h1").text or "")  # type: ignore[union-attr]
    assert "goes18_conus_C13_20230501T000100Z.png" in cells


@pytest.mark.slow
def test_an_s3_error_message_with_escapes_is_shown_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """The listing names the 00:01 object; its download answers 400 with a Message full of escapes."""
    key = "ABI-L1b-RadC/2023/121/00/OR_ABI-L1b-RadC-M6C13_G18_s20231210001173_e20231210003546_c20231210004030.nc"
    listing = (
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        "<Name>noaa-goes18</Name><Prefix>ABI-L1b-RadC/2023/121/00/</Prefix><KeyCount>1</KeyCount>"
        f"<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>{key}</Key>"
        "<LastModified>2023-05-01T00:05:00.000Z</LastModified><Size>4000</Size></Contents></ListBucketResult>"
    ).encode()
    error = f"<?xml version='1.0'?><Error><Code>InvalidArgument</Code><Message>{EVIL}</Message></Error>".encode()
    routes = {
        "/noaa-goes18/ABI-L1b-RadC/*": static(error, status=400, headers={"Content-Type": "application/xml"}),
        "/noaa-goes18*": static(listing, headers={"Content-Type": "application/xml"}),
    }
    folder = tmp_path / "frames"
    folder.mkdir()
    csv_path = tmp_path / "fetch.csv"
    with HostileServer(routes, max_seconds=60) as server:
        code = main(
            ["fetch", str(folder), *COMMON, "--no-cache", "--now", "2023-06-01T00:00", "--cdn-url", server.url,
             "--s3-endpoint", server.url, "--csv", str(csv_path)]
        )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 1  # nothing could be fetched
    shown = out + err + caplog.text
    assert "\x1b" not in shown and "\r" not in shown and "\x07" not in shown
    assert SHOWN in shown  # the server's words are there, escaped
    data = csv_path.read_bytes()
    assert raw_controls(data) == [] and SHOWN.encode() in data


def test_a_png_text_chunk_with_escapes_is_shown_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    for minute in ("01", "06", "11"):
        (folder / f"goes18_conus_C13_20230501T00{minute}00Z.png").write_bytes(png((416, 250), table=EVIL))
    assert main(["scan", str(folder), *COMMON, "--no-cache"]) == 0
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "\r" not in out + err
    assert f"Look: 416x250 RGB {SHOWN}" in out  # a CDN size of CONUS: the folder's look, from the chunk


def test_the_progress_line_shows_a_message_escaped() -> None:
    progress = Progress(3, 10, Stage.FETCH, message=f"goes18_conus_C13_20230501T000100Z.png {EVIL}")
    line = ProgressBar.render(progress, 400)
    assert "\x1b" not in line and "\r" not in line
    assert line.endswith(f"goes18_conus_C13_20230501T000100Z.png {SHOWN}")


def test_log_lines_are_one_safe_line() -> None:
    """The command line's log handler escapes what a message carries (here a cache path with escapes)."""
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "cannot use %s", (f"/tmp/c{EVIL}",), None)
    line = SafeLogFormatter("%(levelname)s: %(message)s").format(record)
    assert line == f"WARNING: cannot use /tmp/c{SHOWN}"
