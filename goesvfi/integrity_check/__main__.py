"""``python -m goesvfi.integrity_check``: the command line."""

from goesvfi.integrity_check.cli.main import main

raise SystemExit(main())
