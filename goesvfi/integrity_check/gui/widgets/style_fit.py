"""Sizes that follow the style in force, so a host's style sheet neither clips nor hides anything.

A host (GOES-VFI applies qt-material to the whole application) may pad buttons and header sections far more
than Qt's own styles. Sizes fixed in pixels at construction then clip text ("STATUS" cut in the header) or
hide it (a 40 px *Fit* button whose padding alone is 32 px). The tab calls :func:`fit_to_style` when it is
first shown and whenever the style changes: every width becomes at least what the style asks for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PyQt6.QtWidgets import QAbstractButton, QHeaderView

COLUMN_WIDTHS = (150, 90, 60, 300, 220)  # Time, Status, Source, File, Remote; Error stretches
ACTION_MIN_WIDTH = 90  # Scan, Fetch Missing, Cancel, Export: at least this wide, for a row of even buttons
ZOOM_MIN_WIDTH = 40


def fit_header(header: QHeaderView, widths: Sequence[int] = COLUMN_WIDTHS) -> None:
    """Each column at least its preferred width and at least what its title needs in this style."""
    for column, width in enumerate(widths):
        if column < header.count():
            header.resizeSection(column, max(width, header.sectionSizeHint(column)))
    if header.stretchLastSection() and header.count():
        # The stretched last column gets what is left, down to the minimum section size: never below its title.
        last = header.sectionSizeHint(header.count() - 1)
        header.setMinimumSectionSize(max(header.minimumSectionSize(), last))


def fit_buttons(buttons: Iterable[QAbstractButton], floor: int) -> None:
    """Minimum width ``floor``, or the style's size hint when that is wider (a minimum below it clips)."""
    for button in buttons:
        button.setMinimumWidth(0)  # the hint of the style in force, not of an earlier minimum
        button.setMinimumWidth(max(floor, button.sizeHint().width()))
