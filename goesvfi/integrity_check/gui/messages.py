"""The words the tab says: input problems, outcomes of scans and fetches, errors as one line for the user.

Plain Python (no Qt), so every message can be tested on its own.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

from goesvfi.integrity_check.gui.results_digest import ResultsDigest
from goesvfi.integrity_check.query import ArchiveQuery, ViewQuery
from goesvfi.integrity_check.results import SlotResult, SlotStatus, Source

log = logging.getLogger(__name__)
READY = "Choose a folder, a satellite and a time range, then Scan."
NO_EVENT_LOOP = "The Integrity Check needs a running qasync event loop (see INTEGRATION.md)."
MAX_ERROR_LINES = 10


def utc_text(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC")


def ready(directory: str) -> str:
    return f"Ready: Scan checks {directory} for missing frames." if directory else READY


def busy(auto_fetch_cycle: bool) -> str:
    """Why a command cannot start now."""
    if auto_fetch_cycle:
        return "An Auto-fetch cycle is running: wait for it to end, or turn Auto-fetch off."
    return "Wait for the running task to finish, or cancel it."


def sentence(text: str) -> str:
    """A core message (``the end (...) must be after ...``) as a sentence for the window."""
    text = text.strip()
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def input_problem(directory: str, query: ArchiveQuery, now: datetime) -> str | None:
    """Why a scan of ``query`` cannot start (None: it can); a query that failed to build has its own message."""
    if not directory:
        return "Choose a folder to scan first (Browse...)."
    if query.start >= now:
        return "The start time is in the future: no frames exist yet."
    last = query.satellite.served[1]
    if last is not None and query.start >= last:
        return query.coverage_warning()
    return None


def scan_query(
    query: ArchiveQuery | ViewQuery, directory: str, now: datetime
) -> tuple[ArchiveQuery | ViewQuery | None, str]:
    """The query a scan of ``directory`` runs, cut at ``now`` (later frames cannot exist yet), and the line to log
    about the cut ("" without one); (None, why not) when it cannot start. Raises QueryError for a bad range."""
    problem = input_problem(directory, query.latest() if isinstance(query, ViewQuery) else query, now)
    if problem is not None:
        return None, problem
    if query.end > now:
        return query.with_range(
            query.start, now
        ), f"Scanning up to now ({utc_text(now)}): later frames cannot exist yet."
    return query, ""


def summary_line(digest: ResultsDigest) -> str:
    """``288 expected, 250 present, 30 fetched, 8 missing.``"""
    counts = digest.counts
    parts = [f"{len(digest.slots):,} expected", f"{counts[SlotStatus.PRESENT]:,} present"]
    if counts[SlotStatus.FETCHED]:
        parts.append(f"{counts[SlotStatus.FETCHED]:,} fetched")
    if counts[SlotStatus.DAMAGED]:
        parts.append(f"{counts[SlotStatus.DAMAGED]:,} damaged")
    parts.append(f"{counts[SlotStatus.MISSING]:,} missing")
    if counts[SlotStatus.FAILED]:
        parts.append(f"{counts[SlotStatus.FAILED]:,} failed")
    return ", ".join(parts) + "."


def scan_outcome(digest: ResultsDigest) -> str:
    if not digest.unresolved:
        return f"No gaps: all {len(digest.slots):,} expected frames are present."
    return summary_line(digest)


def fetch_outcome(attempted: int, digest: ResultsDigest) -> tuple[str, bool]:
    """The status line after a fetch of ``attempted`` frames, and whether it went well."""
    fetched, unresolved = digest.counts[SlotStatus.FETCHED], digest.unresolved
    if not unresolved:
        return f"Fetched all {attempted:,} missing frames. {summary_line(digest)}", True
    if not fetched:
        return f"Could not fetch any of the {attempted:,} missing frames: the activity log says why.", False
    text = f"Fetched {fetched:,} of {attempted:,} missing frames; {unresolved:,} could not be fetched (see the log)."
    return text, True


def fetch_log_lines(slots: list[SlotResult]) -> list[tuple[str, str]]:
    """Activity-log lines ``(level, text)`` after a fetch: where frames came from, then each distinct error."""
    lines: list[tuple[str, str]] = []
    sources = Counter(s.source for s in slots if s.status is SlotStatus.FETCHED and s.source is not None)
    if sources:
        parts = [f"{count:,} from {'the CDN' if source is Source.CDN else 'S3'}" for source, count in sources.items()]
        lines.append(("info", f"Fetched {' and '.join(parts)}."))
    errors = Counter(s.error for s in slots if s.status in (SlotStatus.FAILED, SlotStatus.MISSING) and s.error)
    for error, count in errors.most_common(MAX_ERROR_LINES):
        lines.append(("error", f"{count:,} frame(s): {error}" if count > 1 else error))
    if len(errors) > MAX_ERROR_LINES:
        lines.append(("error", f"... and {len(errors) - MAX_ERROR_LINES} other errors (see the CSV report)."))
    return lines


def user_message(exc: BaseException) -> str:
    """A message for the user; unexpected errors are logged with their traceback (never shown)."""
    from goesvfi.integrity_check.fetch.disk_guard import DiskSpaceError
    from goesvfi.integrity_check.remote.base import RemoteError

    if isinstance(exc, DiskSpaceError | RemoteError | ValueError):
        return str(exc) or type(exc).__name__
    if isinstance(exc, PermissionError):
        return f"Permission denied: {exc.filename or exc}. Check the folder's permissions."
    if isinstance(exc, FileNotFoundError):
        return f"Not found: {exc.filename or exc}."
    if isinstance(exc, NotADirectoryError):
        return str(exc) if exc.filename is None else f"Not a folder: {exc.filename}."
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror or exc}{where}."
    log.error("Unexpected error", exc_info=exc)
    return f"Unexpected error: {type(exc).__name__}: {exc}. The details were written to the application log."
