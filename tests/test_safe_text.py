"""safe_text: outside text shown as one printable line, control characters and undecodable bytes escaped."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goesvfi.integrity_check.safe_text import safe_text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("goes18_conus_C13_20230501T000100Z.png", "goes18_conus_C13_20230501T000100Z.png"),
        ("\rFAKE: all frames OK", "\\rFAKE: all frames OK"),
        ("a\x1b[2Jb", "a\\x1b[2Jb"),  # ESC: clear screen
        ("line\nnext\ttab", "line\\nnext\\ttab"),
        ("nul\x00 del\x7f", "nul\\x00 del\\x7f"),
        ("csi\x9b31m", "csi\\x9b31m"),  # C1
        ("caf\u00e9 \u00a0 \u4e2d \U0001f600", "caf\u00e9 \u00a0 \u4e2d \U0001f600"),  # printable: unchanged
        ("evil\u202etxt.png", "evil\\u202etxt.png"),  # right-to-left override
        ("sep\u2028x", "sep\\u2028x"),
        ("non\ufffechar", "non\\ufffechar"),
        ("back\\slash C:\\data", "back\\slash C:\\data"),  # kept: Windows paths stay readable
        (b"sub\xe9/frame\xff.png", "sub\\xe9/frame\\xff.png"),  # bytes not UTF-8
        (b"caf\xc3\xa9", "caf\u00e9"),  # bytes that are UTF-8
        (os.fsdecode(b"sub\xe9"), "sub\\xe9"),  # a surrogateescape'd name from os.fsdecode / os.listdir
        (Path(os.fsdecode(b"/data/\xff\x1b.png")), "/data/\\xff\\x1b.png"),
        (ValueError("bad <Message>\x1b]0;owned\x07</Message>"), "bad <Message>\\x1b]0;owned\\x07</Message>"),
        (42, "42"),
    ],
)  # fmt: skip
def test_examples(raw: object, shown: str) -> None:
    assert safe_text(raw) == shown


@given(st.text(st.characters(exclude_categories=())))  # surrogates included
def test_any_text_becomes_one_printable_xml_safe_line_and_escaping_is_idempotent(text: str) -> None:
    shown = safe_text(text)
    assert "\n" not in shown and "\r" not in shown
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF for c in shown)
    assert safe_text(shown) == shown
    assert ET.fromstring(f"<p>{shown.replace('&', '&amp;').replace('<', '&lt;')}</p>").text in (shown, None)
