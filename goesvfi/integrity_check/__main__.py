"""``python -m goesvfi.integrity_check``: the command line."""

from .cli import main

raise SystemExit(main())
