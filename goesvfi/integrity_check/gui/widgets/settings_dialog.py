"""The settings dialog: CDN sizes and cutoff, endpoints, downloads, colour map and range, disk threshold."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from goesvfi.integrity_check.gui.preferences import Preferences
from goesvfi.integrity_check.gui.widgets.style import WARNING_COLOR
from goesvfi.integrity_check.settings import GIB, FetchSettings
from goesvfi.integrity_check.time_index import CDN_SIZES, DEFAULT_CDN_SIZE, Sector, parse_size

# Shown first in the colour-map box; any other matplotlib colour-map name can be typed.
LOOKS = ("auto", "cdn", "seamless", "grey", "star", "enhanced_ir", "viridis", "inferno", "turbo")
COLORMAPS = ("gray_r", "enhanced_ir", "gray", "viridis", "inferno", "turbo", "Greys")


def _double(minimum: float, maximum: float, value: float, suffix: str, decimals: int = 1) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setDecimals(decimals)
    spin.setRange(minimum, maximum)
    spin.setSuffix(suffix)
    spin.setValue(value)
    return spin


def _int(minimum: int, maximum: int, value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(minimum, maximum)
    spin.setValue(value)
    return spin


def _size_combo(sector: Sector, current: tuple[int, int]) -> QComboBox:
    combo = QComboBox()
    for width, height in CDN_SIZES[sector]:
        label = f"{width} x {height}" + ("  (default)" if (width, height) == DEFAULT_CDN_SIZE[sector] else "")
        combo.addItem(label, f"{width}x{height}")
    combo.setCurrentIndex(CDN_SIZES[sector].index(current) if current in CDN_SIZES[sector] else 0)
    return combo


class SettingsDialog(QDialog):
    """Edit a :class:`Preferences`; ``preferences()`` returns the edited copy after ``accepted``."""

    def __init__(
        self,
        prefs: Preferences,
        locked: dict[str, str],
        parent: QWidget | None = None,
        look_error: Callable[[str], str | None] | None = None,
    ) -> None:
        """``look_error(name)``: why a look name is unusable, None when it is fine (the view model knows the
        colour maps; the dialog does not import the renderer)."""
        super().__init__(parent)
        self._look_error = look_error
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Integrity Check Settings")
        self._prefs = prefs
        fetch = prefs.fetch

        cdn = QGroupBox("NOAA STAR CDN (recent frames, JPG)")
        cdn_form = QFormLayout(cdn)
        self.conus_size = _size_combo(Sector.CONUS, prefs.cdn_sizes.get(Sector.CONUS, DEFAULT_CDN_SIZE[Sector.CONUS]))
        self.fd_size = _size_combo(Sector.FULL_DISK, prefs.cdn_sizes.get(Sector.FULL_DISK, (1808, 1808)))
        self.cdn_days = _double(0.0, 60.0, fetch.cdn_days, " days")
        self.cdn_days.setToolTip("Frames newer than this come from the CDN first; older ones from the S3 archive.")
        self.cdn_url = QLineEdit(fetch.cdn_url)
        cdn_form.addRow("CONUS image size:", self.conus_size)
        cdn_form.addRow("Full Disk image size:", self.fd_size)
        cdn_form.addRow("Use the CDN for the last:", self.cdn_days)
        cdn_form.addRow("CDN base URL:", self.cdn_url)

        s3 = QGroupBox("NOAA S3 archive (older frames, NetCDF rendered to PNG)")
        s3_form = QFormLayout(s3)
        self.s3_endpoint = QLineEdit(fetch.s3_endpoint)
        s3_form.addRow("S3 endpoint:", self.s3_endpoint)

        downloads = QGroupBox("Downloads")
        dl_form = QFormLayout(downloads)
        self.concurrency = _int(1, 64, fetch.concurrency)
        self.retries = _int(0, 20, fetch.retries)
        self.timeout = _double(1, 600, fetch.timeout, " s", decimals=0)
        self.disk_threshold = _double(0.0, 10000.0, fetch.disk_threshold / GIB, " GB")
        self.disk_threshold.setToolTip("Stop fetching when the folder's disk has less free space than this.")
        dl_form.addRow("Parallel downloads:", self.concurrency)
        dl_form.addRow("Retries per file:", self.retries)
        dl_form.addRow("Request timeout:", self.timeout)
        dl_form.addRow("Keep free on disk:", self.disk_threshold)
        self.max_rate = _double(0.0, 1_000_000.0, (fetch.max_rate or 0) / 1000, " KB/s", decimals=0)
        self.max_rate.setObjectName("maxRate")
        self.max_rate.setSpecialValueText("no cap")
        self.max_rate.setToolTip(
            "Bandwidth cap for all downloads together, CDN and S3 (1 KB/s = 1000 bytes per second; 0: no cap)."
        )
        dl_form.addRow("Bandwidth cap:", self.max_rate)

        look = QGroupBox("Look of the frames (one size, mode and colour table per folder)")
        look_form = QFormLayout(look)
        self.look = QComboBox()
        self.look.setObjectName("lookCombo")
        self.look.setEditable(True)
        self.look.addItems(LOOKS)
        self.look.setCurrentText(fetch.look)
        self.look.setToolTip(
            "An empty folder's look; a folder with frames keeps its own. auto: STAR's colours for bands 13-15 (both "
            "sources), the band's own grey for the others (S3 only). cdn: STAR's colours, as the CDN's frames. grey "
            "or any other colour map: frames come from S3 only."
        )
        self.look_size = QLineEdit("" if fetch.size is None else f"{fetch.size[0]}x{fetch.size[1]}")
        self.look_size.setObjectName("lookSize")
        self.look_size.setPlaceholderText("the CDN image size above")
        self.look_size.setToolTip("An empty folder's frame size, WIDTHxHEIGHT (e.g. 1250x750); empty: the CDN size.")
        self.resample_cdn = QCheckBox("Resample CDN frames to a size the CDN lacks (else: S3 only)")
        self.resample_cdn.setChecked(fetch.resample_cdn)
        self.allow_mixed = QCheckBox("Allow mixed looks (each source keeps its own size and colours)")
        self.allow_mixed.setObjectName("allowMixed")
        self.allow_mixed.setChecked(fetch.allow_mixed)
        look_form.addRow("Look:", self.look)
        look_form.addRow("Frame size:", self.look_size)
        look_form.addRow("", self.resample_cdn)
        look_form.addRow("", self.allow_mixed)

        render = QGroupBox("Rendering of S3 frames with mixed looks")
        render_form = QFormLayout(render)
        self.colormap = QComboBox()
        self.colormap.setEditable(True)
        self.colormap.addItems(COLORMAPS)
        self.colormap.setCurrentText(fetch.colormap)
        self.colormap.setToolTip("gray_r: cold cloud tops white. enhanced_ir: colours tops colder than ~240 K.")
        self.vmin = _double(100.0, 400.0, fetch.vmin, " K")
        self.vmax = _double(100.0, 400.0, fetch.vmax, " K")
        range_row = QHBoxLayout()
        range_row.addWidget(self.vmin)
        range_row.addWidget(QLabel("to"))
        range_row.addWidget(self.vmax)
        render_form.addRow("Colour map:", self.colormap)
        render_form.addRow("Brightness temperature:", range_row)

        for name, var in locked.items():
            edit, form = (self.cdn_url, cdn_form) if name == "cdn_url" else (self.s3_endpoint, s3_form)
            edit.setEnabled(False)
            note = QLabel(f"Set by the environment variable {var} for this session.")
            note.setEnabled(False)
            form.addRow("", note)

        self.error_label = QLabel()
        self.error_label.setObjectName("settingsError")
        self.error_label.setStyleSheet(f"color: {WARNING_COLOR.name()};")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        restore = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        if restore is not None:
            restore.clicked.connect(self.restore_defaults)
        self._locked = locked

        # Two columns (where NOAA's frames come from and how they are downloaded; how they look): one column of
        # five groups is 1,140 px tall under qt-material's paddings, taller than an 800-px screen.
        columns = QHBoxLayout()
        for groups in ((cdn, s3, downloads), (look, render)):
            column = QVBoxLayout()
            for group in groups:
                column.addWidget(group)
            column.addStretch(1)
            columns.addLayout(column)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons, alignment=Qt.AlignmentFlag.AlignRight)

    def restore_defaults(self) -> None:
        defaults = FetchSettings()
        self.conus_size.setCurrentIndex(CDN_SIZES[Sector.CONUS].index(DEFAULT_CDN_SIZE[Sector.CONUS]))
        self.fd_size.setCurrentIndex(CDN_SIZES[Sector.FULL_DISK].index(DEFAULT_CDN_SIZE[Sector.FULL_DISK]))
        self.cdn_days.setValue(defaults.cdn_days)
        if "cdn_url" not in self._locked:
            self.cdn_url.setText(defaults.cdn_url)
        if "s3_endpoint" not in self._locked:
            self.s3_endpoint.setText(defaults.s3_endpoint)
        self.concurrency.setValue(defaults.concurrency)
        self.retries.setValue(defaults.retries)
        self.timeout.setValue(defaults.timeout)
        self.disk_threshold.setValue(defaults.disk_threshold / GIB)
        self.max_rate.setValue((defaults.max_rate or 0) / 1000)
        self.colormap.setCurrentText(defaults.colormap)
        self.look.setCurrentText(defaults.look)
        self.look_size.setText("")
        self.resample_cdn.setChecked(defaults.resample_cdn)
        self.allow_mixed.setChecked(defaults.allow_mixed)
        self.vmin.setValue(defaults.vmin)
        self.vmax.setValue(defaults.vmax)

    def _edited(self) -> Preferences:
        """The preferences the fields describe; raises ValueError with a message for the user."""
        for label, edit in (("CDN base URL", self.cdn_url), ("S3 endpoint", self.s3_endpoint)):
            text = edit.text().strip()
            if not text.startswith(("http://", "https://")) or len(text) < 10:
                raise ValueError(f"{label} must be a web address starting with https:// (or http://).")
        if not self.colormap.currentText().strip():
            raise ValueError("Choose a colour map.")
        look_name = self.look.currentText().strip()
        if not look_name:
            raise ValueError("Choose a look: cdn, grey or a colour map.")
        problem = self._look_error(look_name) if self._look_error is not None else None
        if problem:
            raise ValueError(problem)
        size_text = self.look_size.text().strip()
        try:
            size = parse_size(size_text) if size_text else None
        except ValueError:
            raise ValueError(f"Frame size {size_text!r} is not WIDTHxHEIGHT, e.g. 1250x750.") from None
        fetch = replace(
            self._prefs.fetch,
            cdn_url=self.cdn_url.text().strip().rstrip("/"),
            s3_endpoint=self.s3_endpoint.text().strip().rstrip("/"),
            cdn_days=self.cdn_days.value(),
            concurrency=self.concurrency.value(),
            retries=self.retries.value(),
            timeout=self.timeout.value(),
            disk_threshold=round(self.disk_threshold.value() * GIB),
            max_rate=self.max_rate.value() * 1000 if self.max_rate.value() > 0 else None,
            colormap=self.colormap.currentText().strip(),
            vmin=self.vmin.value(),
            vmax=self.vmax.value(),
            look=look_name,
            size=size,
            resample_cdn=self.resample_cdn.isChecked(),
            allow_mixed=self.allow_mixed.isChecked(),
        ).validate()
        sizes = {Sector.CONUS: self.cdn_size(Sector.CONUS), Sector.FULL_DISK: self.cdn_size(Sector.FULL_DISK)}
        return Preferences(fetch, sizes)

    def accept(self) -> None:
        try:
            self._prefs = self._edited()
        except ValueError as exc:
            message = str(exc)
            self.error_label.setText(message[:1].upper() + message[1:])
            self.error_label.show()
            return
        super().accept()

    def cdn_size(self, sector: Sector) -> tuple[int, int]:
        """The size chosen for ``sector`` (CONUS or Full Disk)."""
        combo = self.conus_size if sector is Sector.CONUS else self.fd_size
        return parse_size(combo.currentData())

    def select_cdn_size(self, sector: Sector, size: tuple[int, int]) -> None:
        combo = self.conus_size if sector is Sector.CONUS else self.fd_size
        combo.setCurrentIndex(combo.findData(f"{size[0]}x{size[1]}"))

    def preferences(self) -> Preferences:
        return self._prefs
