"""Text from outside (file names, server messages, listing keys, PNG chunks) made safe to show.

:func:`safe_text` is applied wherever such text reaches a terminal, a log line, the CSV or the HTML report: it
leaves printable text as it is and shows what could act on a terminal or break a line escaped, the way Python
writes it: control characters (C0 with TAB, LF and CR; DEL; C1) as ``\\x1b``, ``\\r``, ``\\n``, ``\\t``,
``\\x9b``; the line and paragraph separators and the bidirectional overrides as ``\\u2028``, ``\\u202e``; and
the bytes of a file name that is not valid UTF-8 (a str from :func:`os.fsdecode`, which keeps each such byte
as a lone surrogate) as ``\\xff``. The result is one line of printable text that is also valid in XML; it is
idempotent (backslashes are kept as they are). Pure: no I/O.
"""

from __future__ import annotations

import logging
import os
import unicodedata

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
# Invisible characters that reorder or break what a terminal shows (Trojan Source), beside the Cc/Cs categories
_FORMAT = frozenset("\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _escape(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _unsafe(char: str, keep_bytes: bool = False) -> bool:
    if char in _FORMAT:
        return True
    if keep_bytes and 0xDCA0 <= ord(char) <= 0xDCFF:  # an undecodable byte that is no C1 control in Latin-1
        return False
    category = unicodedata.category(char)
    return category in ("Cc", "Cs") or (category == "Cn" and (ord(char) & 0xFFFE) == 0xFFFE)


def safe_text(value: object, *, keep_bytes: bool = False) -> str:
    """``value`` (a str, bytes, a path or anything with a ``str``) as one safe printable line; see the module.

    ``keep_bytes``: undecodable bytes 0xA0-0xFF stay lone surrogates, for a file written with ``surrogateescape``
    (the CSV keeps a path's original bytes); 0x80-0x9F (C1 controls when read as Latin-1) are still escaped.
    """
    if isinstance(value, bytes):
        text = value.decode("utf-8", "surrogateescape")
    elif isinstance(value, os.PathLike):
        text = os.fsdecode(value)
    else:
        text = str(value)
    if text.isprintable():
        return text
    return "".join(_escape(c) if _unsafe(c, keep_bytes) else c for c in text)


class SafeLogFormatter(logging.Formatter):
    """A log formatter whose message is :func:`safe_text` (one line); a traceback keeps its lines, each escaped."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = safe_text(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: object) -> str:
        return "\n".join(safe_text(line) for line in super().formatException(ei).splitlines())  # type: ignore[arg-type]
