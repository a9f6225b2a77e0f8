"""Wires the tab's archive page (:class:`.widgets.archive_list.ArchiveList`, a page beside the timeline and the
calendar) to the view model: open a file (the dialog is an attribute, so automation can answer it), show each
product's completeness, choose a product to show its folder."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PyQt6.QtWidgets import QButtonGroup, QFileDialog, QHBoxLayout, QPushButton, QStackedWidget, QWidget

from goesvfi.integrity_check.gui.widgets.archive_list import ArchiveList

if TYPE_CHECKING:
    from goesvfi.integrity_check.gui.archive_session import ProductRow
    from goesvfi.integrity_check.gui.view_model import EnhancedViewModel


def _ask_archive_file(parent: QWidget) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Open an archive file", "", "Archive files (*.toml)")
    return path


class ArchiveViews:
    """Given the widget that parents the page and its dialog, the stack of views and the view model (never the tab)."""

    def __init__(self, parent: QWidget, views: QStackedWidget, view_model: EnhancedViewModel) -> None:
        self.parent, self.view_model = parent, view_model
        self.ask_file: Callable[[QWidget], str] = _ask_archive_file
        self.page = ArchiveList(parent)
        self.show_button = self._add_page(views, self.page)
        vm = view_model
        self.page.open_clicked.connect(self._open)
        self.page.product_chosen.connect(vm.select_product)
        vm.archive_loaded.connect(self._show)

    @staticmethod
    def _add_page(views: QStackedWidget, page: QWidget) -> QPushButton:
        """The page as a third view beside the timeline and the calendar, switched by its own button in their row
        (the views' button group switches the stack)."""
        views.addWidget(page)
        button = QPushButton("Archive")
        button.setObjectName("showArchive")
        button.setCheckable(True)
        button.setToolTip("An archive file's products (goesvfi-archive.toml) and their completeness")
        box = views.parentWidget()
        group = box.findChild(QButtonGroup) if box is not None else None
        layout = box.layout() if box is not None else None
        first = layout.itemAt(0) if layout is not None else None
        row = first.layout() if first is not None else None
        if group is not None and isinstance(row, QHBoxLayout):
            row.insertWidget(row.indexOf(group.buttons()[-1]) + 1, button)  # after the switch's last button
            group.addButton(button, views.indexOf(page))
        else:  # no switch row (a host's own layout): the button shows the page
            button.clicked.connect(lambda: views.setCurrentWidget(page))
        return button

    def _open(self) -> None:
        path = self.ask_file(self.parent)
        if path:
            self.view_model.open_archive(path)

    def _show(self, loaded: tuple[str, list[ProductRow]]) -> None:
        name, rows = loaded
        self.page.show_products(name, [row.text() for row in rows])
