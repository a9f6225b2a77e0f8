"""The folder's look from a sample of headers (docs/fetch.md, One look per folder): a regular pattern of odd frames
cannot outvote the rest, the wider re-sample decides when the first sample disagrees, the newest wins a tie."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from goesvfi.integrity_check.look.sample import folder_look
from goesvfi.integrity_check.look.value import Look

SMALL, BIG = (416, 250), (2500, 1500)  # two CONUS sizes of the CDN (DOMAIN.md)
Folder = Callable[[str, list[tuple[int, int]]], list[Path]]


@pytest.fixture
def folder(tmp_path: Path) -> Folder:
    """``folder(name, sizes)``: a folder of frames, the i-th (in name order) an RGB PNG of ``sizes[i]``."""
    templates: dict[tuple[int, int], Path] = {}

    def make(name: str, sizes: list[tuple[int, int]]) -> list[Path]:
        root = tmp_path / name
        root.mkdir()
        frames = []
        for i, size in enumerate(sizes):
            if size not in templates:
                templates[size] = tmp_path / f"template_{size[0]}x{size[1]}.png"
                Image.new("RGB", size).save(templates[size])
            frames.append(root / f"goes18_conus_C13_{i:05d}.png")
            os.link(templates[size], frames[-1])  # the header is all that is read
        return frames

    return make


def rgb(size: tuple[int, int]) -> Look:
    return Look(size[0], size[1], "RGB", "unknown")  # an untagged RGB PNG: colour table unknown (README)


def test_every_third_frame_of_another_size_does_not_win(folder: Folder) -> None:
    """Issue 25: 46 frames, every third 2500x1500: 16 evenly spaced picks (step 3) hit only those and agreed."""
    frames = folder("third", [BIG if i % 3 == 0 else SMALL for i in range(46)])
    assert folder_look(frames) == rgb(SMALL)


@pytest.mark.slow
@pytest.mark.parametrize("period", [3, 4, 5, 8])
def test_no_regular_pattern_outvotes_the_rest(folder: Folder, period: int) -> None:
    """Every ``period``-th frame odd, in folders whose length spreads 16 evenly spaced picks at a multiple of
    the period (15 k p + 1 frames), at every phase: the majority always wins."""
    frames = folder("long", [BIG if i % period == 0 else SMALL for i in range(15 * 4 * period + 1 + period)])
    for k in (1, 2, 3, 4):
        n = 15 * k * period + 1
        for phase in range(period):
            assert folder_look(frames[phase : phase + n]) == rgb(SMALL), (period, n, phase)


@pytest.mark.slow
def test_a_long_patterned_folder_beyond_the_wide_sample(folder: Folder) -> None:
    """More frames than the wide sample (512) reads: every third of 1,531 (15 x 102 + 1) is odd."""
    frames = folder("long", [BIG if i % 3 == 0 else SMALL for i in range(1531)])
    assert folder_look(frames) == rgb(SMALL)


def test_the_wider_resample_decides_when_the_first_sample_disagrees(folder: Folder) -> None:
    """Folders of 17-55 frames, one more frame of look A than of B, the newest a B, in a shuffled order: the 16
    first picks often hold as many B as A (or more), and a tie goes to the newest (B). The wider re-sample reads
    every frame of such a folder (fewer than 512), so A wins every time."""
    shuffle = random.Random(25)
    for n in range(17, 57, 2):
        a = n // 2 + 1
        sizes = [SMALL] * a + [BIG] * (n - a - 1)
        shuffle.shuffle(sizes)
        frames = folder(f"n{n}", [*sizes, BIG])
        assert folder_look(frames) == rgb(SMALL), n


@pytest.mark.parametrize(
    ("sizes", "winner"),
    [
        ([SMALL, BIG], BIG),
        ([BIG, SMALL], SMALL),
        ([SMALL, BIG, SMALL, BIG], BIG),
        ([BIG, SMALL, SMALL, BIG, BIG, SMALL], SMALL),
    ],
)
def test_a_tie_goes_to_the_newest(folder: Folder, sizes: list[tuple[int, int]], winner: tuple[int, int]) -> None:
    """As many frames of each look: the look of the newest frame (the last in name order) wins."""
    assert folder_look(folder("tie", sizes)) == rgb(winner)


def test_a_tie_in_a_large_folder_goes_to_the_newest(folder: Folder) -> None:
    """40 frames, 20 of each look, the older half one look and the newer half the other: all are read (the first
    sample disagrees), a tie, and the newer look wins."""
    assert folder_look(folder("half", [SMALL] * 20 + [BIG] * 20)) == rgb(BIG)
    assert folder_look(folder("half2", [BIG] * 20 + [SMALL] * 20)) == rgb(SMALL)
