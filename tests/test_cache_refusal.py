"""Issue 20 item 3: the cache opens only a regular file it created, and never changes another file.

The attacks: ``cache.sqlite3`` a symlink to a user's file (was chmodded to 0600), a symlink to another program's
SQLite database (was switched to WAL and rewritten), a device node (was chmodded as root). Each is now refused
with one line naming the path, left byte for byte and mode for mode as it was, and an in-memory cache serves.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from goesvfi.integrity_check.cache.db import CacheDB
from goesvfi.integrity_check.cache.schema import MIGRATIONS, SCHEMA_VERSION
from goesvfi.integrity_check.cli.main import main
from tests.scan_support import write_frame

GVFI = 0x47564649  # b"GVFI": the application id our cache carries (bytes 68-71 of the SQLite header)


def state(path: Path) -> tuple[int, bytes]:
    return os.stat(path).st_mode, path.read_bytes()


def other_programs_db(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER, name TEXT)")
        conn.execute("INSERT INTO photos VALUES (1, 'holiday')")
    conn.close()
    os.chmod(path, 0o644)
    return path


async def use_and_check_refused(
    path: Path, caplog: pytest.LogCaptureFixture, why: str, named: Path | None = None
) -> None:
    """The cache at ``path`` works (in memory) and one warning line names ``named`` (``path``) and why."""
    with caplog.at_level(logging.WARNING):
        async with CacheDB(path) as db:
            await db.put_listing("s", "p", [("k", 1)])
            assert await db.get_listing("s", "p") == [("k", 1)]
            assert db.in_memory and db.refused is not None
    lines = [r.getMessage() for r in caplog.records if "refusing the cache" in r.getMessage()]
    assert len(lines) == 1 and "\n" not in lines[0]
    assert f" {named or path}: {why}; it is left as it is" in lines[0]


async def test_a_symlink_to_a_users_file_is_refused_and_the_file_unchanged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = tmp_path / "thesis.txt"
    target.write_bytes(b"chapter one\n")
    os.chmod(target, 0o644)
    before = state(target)
    path = tmp_path / "cache" / "cache.sqlite3"
    path.parent.mkdir()
    os.symlink(target, path)
    await use_and_check_refused(path, caplog, "it is a symbolic link")
    assert state(target) == before
    assert path.is_symlink() and sorted(os.listdir(path.parent)) == ["cache.sqlite3"]


async def test_a_symlink_to_another_programs_database_is_not_switched_to_wal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = other_programs_db(tmp_path / "photos.db")
    before = state(target)
    path = tmp_path / "cache.sqlite3"
    os.symlink(target, path)
    await use_and_check_refused(path, caplog, "it is a symbolic link")
    assert state(target) == before
    assert not (tmp_path / "photos.db-wal").exists() and not (tmp_path / "cache.sqlite3-wal").exists()
    assert target.read_bytes()[18:20] == b"\x01\x01"  # file format versions 1/1: rollback journal, not WAL (2/2)


async def test_another_programs_database_at_the_cache_path_is_left_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = other_programs_db(tmp_path / "cache.sqlite3")
    before = state(path)
    await use_and_check_refused(path, caplog, "it is another program's SQLite database")
    assert state(path) == before
    assert sorted(os.listdir(tmp_path)) == ["cache.sqlite3"]  # not renamed aside, no -wal/-shm


async def test_a_file_that_is_not_a_database_is_left_alone(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    os.chmod(path, 0o664)
    before = state(path)
    await use_and_check_refused(path, caplog, "it is not a GOES-VFI cache")
    assert state(path) == before and sorted(os.listdir(tmp_path)) == ["cache.sqlite3"]


async def test_a_fifo_is_refused_without_blocking(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "cache.sqlite3"
    os.mkfifo(path, 0o644)
    await use_and_check_refused(path, caplog, "it is a FIFO")
    assert stat.S_ISFIFO(os.lstat(path).st_mode) and stat.S_IMODE(os.lstat(path).st_mode) == 0o644


async def test_a_device_node_is_refused_and_its_mode_unchanged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "cache.sqlite3"
    try:  # a null device node of our own (needs root): a broken guard could only harm this copy
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("creating a device node needs root")
    os.chmod(path, 0o666)
    await use_and_check_refused(path, caplog, "it is a device")
    assert stat.S_IMODE(os.lstat(path).st_mode) == 0o666


async def test_a_symlink_to_dev_null_is_refused(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    before = os.stat("/dev/null").st_mode
    path = tmp_path / "cache.sqlite3"
    os.symlink("/dev/null", path)
    await use_and_check_refused(path, caplog, "it is a symbolic link")
    assert os.stat("/dev/null").st_mode == before


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
async def test_a_symlinked_sidecar_is_refused(tmp_path: Path, caplog: pytest.LogCaptureFixture, suffix: str) -> None:
    target = tmp_path / "notes.txt"
    target.write_bytes(b"keep me")
    os.chmod(target, 0o644)
    before = state(target)
    path = tmp_path / "cache.sqlite3"
    os.symlink(target, tmp_path / f"cache.sqlite3{suffix}")
    await use_and_check_refused(path, caplog, "it is a symbolic link", tmp_path / f"cache.sqlite3{suffix}")
    assert state(target) == before and not path.exists()


async def test_a_symlinked_cache_folder_is_refused(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, tmp_path / "cache")
    path = tmp_path / "cache" / "cache.sqlite3"
    await use_and_check_refused(path, caplog, "it is a symbolic link", tmp_path / "cache")
    assert "refusing the cache folder" in caplog.text
    assert os.listdir(elsewhere) == []


async def test_our_new_cache_is_private_and_marked(tmp_path: Path) -> None:
    path = tmp_path / "new" / "cache.sqlite3"
    async with CacheDB(path) as db:
        await db.put_listing("s", "p", [])
        assert not db.in_memory and db.refused is None
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert int.from_bytes(path.read_bytes()[68:72], "big") == GVFI
    async with CacheDB(path) as db:  # and it is recognised next time
        assert await db.get_listing("s", "p") == []
        assert not db.in_memory


async def test_a_cache_of_an_earlier_version_is_recognised_and_marked(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with sqlite3.connect(path) as conn:  # an earlier version's cache: our tables, no application id
        for statement in MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO schema_version VALUES (1)")  # schema 1: migrated on opening
        conn.execute("INSERT INTO listings VALUES ('s', 'p', '[]', 1e12)")
    conn.close()
    os.chmod(path, 0o644)
    async with CacheDB(path) as db:
        assert await db.get_listing("s", "p") == []  # its content kept
        assert not db.in_memory
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    assert int.from_bytes(path.read_bytes()[68:72], "big") == GVFI
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # ours: tightened


@pytest.mark.slow
def test_scan_works_with_a_refused_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    target = other_programs_db(tmp_path / "photos.db")
    before = state(target)
    cache = tmp_path / "cache"
    cache.mkdir()
    os.symlink(target, cache / "cache.sqlite3")
    frames = tmp_path / "frames"
    frames.mkdir()
    write_frame(frames / "goes18_conus_C13_20230501T000100Z.png")
    args = ["scan", str(frames), "--satellite", "goes18", "--start", "2023-05-01T00:00", "--end",
            "2023-05-01T00:10", "--cache-dir", str(cache), "--json"]  # fmt: skip
    with caplog.at_level(logging.WARNING):
        assert main(args) == 0
    record = json.loads(capsys.readouterr().out)
    assert (len(record["expected"]), record["existing"]) == (2, ["2023-05-01T00:01:00Z"])
    assert f"refusing the cache {cache / 'cache.sqlite3'}: it is a symbolic link" in caplog.text
    assert state(target) == before
