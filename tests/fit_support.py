"""Measuring text against the room a style leaves for it: shared by the tests that check that nothing is clipped
(the standalone window and GOES-VFI's dark theme, and GOES-VFI's host window)."""

from __future__ import annotations

from PyQt6.QtCore import QRect, Qt
from PyQt6.QtGui import QFont, QFontMetrics
from PyQt6.QtWidgets import QHeaderView, QStyle, QStyleOptionHeader


def advance(font: QFont, text: str) -> int:
    """The text's width in ``font``, as drawn: upper-cased when the style says so (qt-material's buttons)."""
    if font.capitalization() == QFont.Capitalization.AllUppercase:
        text = text.upper()
    return QFontMetrics(font).horizontalAdvance(text.replace("&", ""))


def header_room(header: QHeaderView, section: int) -> int:
    """The width the style leaves for a section's title: SE_HeaderLabel inside the section (minus a sort arrow)."""
    option = QStyleOptionHeader()
    option.initFrom(header)  # the header is made by C++: its protected initStyleOption is out of reach
    option.orientation = Qt.Orientation.Horizontal
    option.textAlignment = header.defaultAlignment()
    option.rect = QRect(0, 0, header.sectionSize(section), header.height())
    option.section = section
    model = header.model()
    assert model is not None
    option.text = str(model.headerData(section, Qt.Orientation.Horizontal))
    if header.isSortIndicatorShown() and header.sortIndicatorSection() == section:
        option.sortIndicator = QStyleOptionHeader.SortIndicator.SortDown
    style = header.style()
    assert style is not None
    return style.subElementRect(QStyle.SubElement.SE_HeaderLabel, option, header).width()


def title_need(header: QHeaderView, section: int) -> int:
    """A section title's width as it may be drawn: in the header's font or bold and upper-cased."""
    model = header.model()
    assert model is not None
    title = str(model.headerData(section, Qt.Orientation.Horizontal))
    bold = QFont(header.font())
    bold.setBold(True)
    return max(advance(header.font(), title), QFontMetrics(bold).horizontalAdvance(title.upper()))
