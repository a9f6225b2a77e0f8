"""The view model's Qt-free parts: what it used to work out itself (the look of a previewed frame, the CSV's
suggested name, the scan's input checks, the archive file's commands), tested without Qt."""

from __future__ import annotations

from pathlib import Path

from goesvfi.integrity_check.gui.look_view import LookView


def test_look_view_matches_a_frame_unless_it_is_mismatched() -> None:
    look = LookView("2500x1500 L grey", frozenset({Path("/a/odd.png")}), 1, "1 frame differs")
    assert look.matches(Path("/a/odd.png")) is False
    assert look.matches(Path("/a/fine.png")) is True


def test_look_view_without_a_look_knows_no_match() -> None:
    look = LookView(None, frozenset(), 0, "")
    assert look.matches(Path("/a/fine.png")) is None
