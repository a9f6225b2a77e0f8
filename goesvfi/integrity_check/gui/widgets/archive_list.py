"""The tab's archive page: an "Open archive file..." button, the file's name and one line per product with its
completeness. Qt only: the view model reads the file and scans the folders; this shows the lines it is given."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget


class ArchiveList(QWidget):
    """``open_clicked``: the user wants to open a file; ``product_chosen(index)``: a product line was chosen."""

    open_clicked = pyqtSignal()
    product_chosen = pyqtSignal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("archiveList")
        self.open_button = QPushButton("Open archive file...")
        self.open_button.setObjectName("openArchive")
        self.open_button.setToolTip("goesvfi-archive.toml: the products (satellite, sector, band, folder) to keep")
        self.file_label = QLabel("No archive file open.")
        self.file_label.setObjectName("archiveFile")
        self.products = QListWidget()
        self.products.setObjectName("archiveProducts")
        self.products.setToolTip("Each product's frames over the range above; choose one to show its folder.")
        top = QHBoxLayout()
        top.addWidget(self.open_button)
        top.addWidget(self.file_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.products, 1)
        self.open_button.clicked.connect(self.open_clicked)
        self.products.currentRowChanged.connect(self._chosen)

    def _chosen(self, row: int) -> None:
        if row >= 0:
            self.product_chosen.emit(row)

    def show_products(self, file_name: str, lines: list[str]) -> None:
        """Show the archive ``file_name`` and one line per product (without echoing a choice)."""
        self.file_label.setText(file_name)
        self.products.blockSignals(True)
        try:
            self.products.clear()
            self.products.addItems(lines)
        finally:
            self.products.blockSignals(False)
