"""Another process holding a folder's lock, for the lock tests (folder lock, manager, CLI)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

HOLDER_SCRIPT = textwrap.dedent(
    """
    import sys
    from goesvfi.integrity_check.folder.lock import FolderLock
    lock = FolderLock(sys.argv[1], purpose="watch")
    lock.acquire()
    print("locked", flush=True)
    sys.stdin.readline()   # hold until the test writes a line (or closes stdin)
    """
)


def start_holder(folder: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER_SCRIPT, str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


def stop_holder(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.write("\n")
    proc.stdin.close()
    proc.wait(timeout=10)
