"""``python -m goesvfi``: the standalone Integrity Check window."""

from .integrity_check.cli import main

raise SystemExit(main(["gui"]))
