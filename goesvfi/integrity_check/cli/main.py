"""The command line: ``goesvfi-integrity scan | report | gui | fetch | watch | status``.

Each subcommand lives in its own module (:mod:`.scan`, :mod:`.fetch`, :mod:`.watch`) and exposes
``register(subparsers)``, which adds its parser and sets ``handler=func(ns) -> int``. Bad input ends with one
line on stderr and exit status 2; no traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import signal
import sys

from goesvfi.integrity_check.cli import fetch, scan, status, watch
from goesvfi.integrity_check.cli.interrupt import Interrupted, finish, sigterm_interrupts
from goesvfi.integrity_check.cli.options import ArgParser, UsageError
from goesvfi.integrity_check.runtime import PROG, has_display
from goesvfi.integrity_check.safe_text import SafeLogFormatter, safe_text
from goesvfi.integrity_check.scan.reconciler import ScanInputError

__all__ = ["build_parser", "main"]


def run_gui(ns: argparse.Namespace) -> int:
    try:
        app = importlib.import_module("goesvfi.integrity_check.gui.app")
    except ImportError as exc:
        raise UsageError(f"the window cannot start: {exc}") from exc
    return int(app.main(list(ns.gui_args)) or 0)


def build_parser() -> argparse.ArgumentParser:
    parser = ArgParser(prog=PROG, description="Find (and fetch) the GOES ABI frames a folder lacks.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more, and show tracebacks of bugs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgParser)
    scan.register(sub)
    sub.add_parser("gui", help="open the Integrity Check window (gui --help: its options)", add_help=False)
    fetch.register(sub)
    watch.register(sub)
    status.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status. No arguments: the window if a display exists, else help."""
    argv = sys.argv[1:] if argv is None else list(argv)
    for stream in (sys.stdout, sys.stderr):  # folder names that are not UTF-8 print as their own bytes
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="surrogateescape")  # type: ignore[union-attr]
    parser = build_parser()
    if not argv and not has_display():
        parser.print_help()
        return 0
    try:
        if not argv or argv[0] == "gui":  # the window parses its own options (argparse would take --help)
            ns = argparse.Namespace(verbose=False, handler=run_gui, gui_args=argv[1:])
        else:
            ns = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed as one line
        return exc.code if isinstance(exc.code, int) else 2
    handler = logging.StreamHandler()
    handler.setFormatter(SafeLogFormatter("%(levelname)s: %(message)s"))  # a file name's ESC or CR shown escaped
    logging.basicConfig(level=logging.INFO if ns.verbose else logging.WARNING, handlers=[handler])
    if getattr(ns, "handler", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        if ns.handler is run_gui:
            return int(ns.handler(ns))
        with sigterm_interrupts():
            return int(ns.handler(ns))
    except Interrupted as exc:
        return finish(exc)
    except (UsageError, ScanInputError) as exc:
        print(f"{PROG}: error: {safe_text(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C outside the event loop (parsing, printing)
        return finish(Interrupted(signal.SIGINT))
    except Exception as exc:
        if ns.verbose:
            raise
        print(f"{PROG}: error: {type(exc).__name__}: {safe_text(exc)} (run with -v for details)", file=sys.stderr)
        return 1
