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


def _unsafe(char: str) -> bool:
    if char in _FORMAT:
        return True
    category = unicodedata.category(char)
    return category in ("Cc", "Cs") or (category == "Cn" and (ord(char) & 0xFFFE) == 0xFFFE)


def safe_text(value: object) -> str:
    """``value`` (a str, bytes, a path or anything with a ``str``) as one safe printable line; see the module."""
    if isinstance(value, bytes):
        text = value.decode("utf-8", "surrogateescape")
    elif isinstance(value, os.PathLike):
        text = os.fsdecode(value)
    else:
        text = str(value)
    if text.isprintable():
        return text
    return "".join(_escape(c) if _unsafe(c) else c for c in text)
