"""``python -m goesvfi``: the standalone Integrity Check window."""

from goesvfi.integrity_check.cli.main import main

raise SystemExit(main(["gui"]))
