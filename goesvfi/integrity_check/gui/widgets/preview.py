"""The preview pane: the selected frame scaled to fit, or a missing frame's neighbours before and after, with
its name, size, mode, source and whether it matches the folder's look. Widgets only: the view model decodes.

Double-click a picture (or *Open*) to open the file in the desktop's viewer; *Open folder* opens the archive
folder. Both are signals: the tab calls ``QDesktopServices``.
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QRect, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from goesvfi.integrity_check.gui.preview_data import FramePreview, SlotPreview
from goesvfi.integrity_check.gui.widgets.style import STATUS_LABELS
from goesvfi.integrity_check.results import SlotStatus, Source
from goesvfi.integrity_check.safe_text import safe_text
from goesvfi.integrity_check.units import format_bytes

_SOURCE = {Source.LOCAL: "local", Source.CDN: "STAR CDN", Source.S3: "NOAA S3", None: "-"}
_ROLE_CAPTION = {"before": "Before", "after": "After", "frame": ""}


def look_text(matches: bool | None) -> str:
    return {True: "matches the folder", False: "differs from the folder", None: "unknown"}[matches]


def frame_info(frame: FramePreview) -> str:
    """``goes18_..png · 2500 x 1500 · L · 1.2 MB · local · look: unknown``"""
    if frame.error:
        return safe_text(f"{frame.path.name} · {frame.error}")
    parts = [safe_text(frame.path.name), f"{frame.width} x {frame.height}", frame.mode or "?",
             format_bytes(frame.file_size), _SOURCE.get(frame.source, "-"),
             f"look: {look_text(frame.look_matches)}"]  # fmt: skip
    return " · ".join(parts)


MARK_FILL = QColor(230, 30, 30, 96)  # over the empty rows of a damaged frame: translucent red
MARK_EDGE = QColor(255, 40, 40)


class FrameView(QWidget):
    """Paints one image scaled to fit (aspect kept) with an optional caption and marks (a translucent red band
    with a border over runs of the image's rows: the empty rows of a damaged frame); double-click emits its
    path."""

    double_clicked = pyqtSignal(str)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setMinimumSize(100, 50)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image: QImage | None = None
        self._path: Path | None = None
        self._caption = ""
        self._placeholder = ""
        self._marks: tuple[tuple[int, int], ...] = ()

    def set_frame(
        self,
        image: QImage | None,
        path: Path | None,
        caption: str = "",
        placeholder: str = "",
        marks: tuple[tuple[int, int], ...] = (),
    ) -> None:
        """``marks``: runs of the image's rows, (first, end), to mark."""
        self._image, self._path, self._caption, self._placeholder = image, path, caption, placeholder
        self._marks = marks
        self.setToolTip(f"{path}\nDouble-click to open it" if path else "")
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def path(self) -> Path | None:
        return self._path

    def marks(self) -> tuple[tuple[int, int], ...]:
        return self._marks

    def mark_rects(self) -> list[QRect]:
        """Where the marks are drawn: each run of rows scaled with the image, at least 3 pixels tall."""
        target = self.image_rect()
        if self._image is None or target.isNull() or not self._image.height():
            return []
        scale = target.height() / self._image.height()
        rects = []
        for first, end in self._marks:
            top = target.y() + round(first * scale)
            rects.append(QRect(target.x(), top, target.width(), max(3, round(end * scale) - round(first * scale))))
        return rects

    def image_rect(self) -> QRect:
        """Where the image is drawn (scaled to fit, centred)."""
        area = self.rect().adjusted(2, 2 + (self.fontMetrics().height() if self._caption else 0), -2, -2)
        if self._image is None or self._image.isNull() or area.width() <= 0 or area.height() <= 0:
            return QRect()
        size = self._image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
        return QRect(area.x() + (area.width() - size.width()) // 2, area.y() + (area.height() - size.height()) // 2,
                     size.width(), size.height())  # fmt: skip

    def sizeHint(self) -> QSize:
        return QSize(360, 220)

    def paintEvent(self, event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        try:
            palette = self.palette()
            painter.fillRect(self.rect(), palette.window().color().darker(115))
            if self._caption:
                painter.setPen(palette.text().color())
                painter.drawText(4, 2 + self.fontMetrics().ascent(), self._caption)
            target = self.image_rect()
            if self._image is not None and not target.isNull():
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                painter.drawImage(target, self._image)
                painter.setPen(QPen(MARK_EDGE, 2))
                painter.setBrush(MARK_FILL)
                for band in self.mark_rects():
                    painter.drawRect(band.adjusted(1, 1, -1, -1))
            else:
                painter.setPen(palette.placeholderText().color())
                flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
                painter.drawText(self.rect().adjusted(8, 8, -8, -8), int(flags), self._placeholder)
        finally:
            painter.end()

    def mouseDoubleClickEvent(self, event: QMouseEvent | None) -> None:
        if event is not None and self._path is not None:
            self.double_clicked.emit(str(self._path))


class PreviewPane(QWidget):
    """Shows a :class:`SlotPreview`. Signals ask the tab to open a file or the archive folder."""

    open_file = pyqtSignal(str)
    open_folder = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewPane")
        self.title = QLabel("Preview")
        self.title.setObjectName("previewTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.frame = FrameView("previewFrame")
        self.before = FrameView("previewBefore")
        self.after = FrameView("previewAfter")
        self.info = QLabel("Name, size, mode and source of the frame appear here.")
        self.info.setObjectName("previewInfo")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.open_button = QPushButton("Open")
        self.open_button.setObjectName("previewOpenButton")
        self.open_button.setToolTip("Open the frame in the desktop's image viewer (or double-click it)")
        self.folder_button = QPushButton("Open folder")
        self.folder_button.setObjectName("openFolderButton")
        self.folder_button.setToolTip("Open the archive folder in the file manager")
        self.open_button.setEnabled(False)
        self.preview: SlotPreview | None = None

        pictures = QHBoxLayout()
        pictures.setSpacing(4)
        pictures.addWidget(self.frame, 1)
        pictures.addWidget(self.before, 1)
        pictures.addWidget(self.after, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addLayout(pictures, 1)
        layout.addWidget(self.info)
        layout.addLayout(buttons)
        self.before.hide()
        self.after.hide()
        self.frame.set_frame(None, None, placeholder="Select a row to see its frame.")
        for view in (self.frame, self.before, self.after):
            view.double_clicked.connect(self.open_file)
        self.open_button.clicked.connect(self._open_current)
        self.folder_button.clicked.connect(self.open_folder)

    def clear(self) -> None:
        self.preview = None
        self.title.setText("Preview")
        self.frame.show()
        self.before.hide()
        self.after.hide()
        self.frame.set_frame(None, None, placeholder="Select a row to see its frame.")
        self.info.setText("Name, size, mode and source of the frame appear here.")
        self.open_button.setEnabled(False)

    def show_preview(self, preview: SlotPreview) -> None:
        self.preview = preview
        slot = preview.slot
        when = f"{slot.timestamp:%Y-%m-%d %H:%M} UTC" if slot.satellite.number is not None else ""
        main = next((f for f in preview.frames if f.role == "frame"), None)
        if main is not None:
            self.title.setText(f"{when}  {safe_text(main.path.name)}".strip())
            self.before.hide()
            self.after.hide()
            self.frame.show()
            damaged = slot.status is SlotStatus.DAMAGED
            marks = main.empty_rows if damaged else ()  # its empty rows marked on the picture
            self.frame.set_frame(main.image, main.path, placeholder=main.error or "", marks=marks)
            info = frame_info(main)
            if damaged:  # the reason (e.g. which rows are empty) above the frame's facts
                info = f"Damaged: {slot.error}\n{info}"
                if marks:
                    info += "\nIts empty rows are marked in red."
            self.info.setText(info)
            self.open_button.setEnabled(True)
            return
        status = STATUS_LABELS[slot.status] if slot.status is not SlotStatus.PRESENT else "Without a file"
        self.title.setText(f"{when}: {status}; its neighbours")
        self.frame.hide()
        lines = []
        for role, view in (("before", self.before), ("after", self.after)):
            frame = next((f for f in preview.frames if f.role == role), None)
            view.show()
            if frame is None:
                view.set_frame(None, None, _ROLE_CAPTION[role], placeholder=f"No frame {role} this one in the range")
                continue
            caption = f"{_ROLE_CAPTION[role]}: {frame.slot.timestamp:%H:%M} UTC"
            view.set_frame(frame.image, frame.path, caption, placeholder=frame.error or "")
            lines.append(f"{_ROLE_CAPTION[role]}: {frame_info(frame)}")
        if slot.error:  # why this slot has no frame: the fetch's reason, or why NOAA has none
            lines.insert(0, f"{status}: {safe_text(slot.error)}")
        self.info.setText("\n".join(lines) or "No frames in the range to show.")
        self.info.setToolTip(safe_text(slot.error or ""))
        self.open_button.setEnabled(False)

    def shown_paths(self) -> list[Path]:
        return [] if self.preview is None else [f.path for f in self.preview.frames]

    def _open_current(self) -> None:
        path = self.frame.path()
        if path is not None and self.frame.isVisible():
            self.open_file.emit(str(path))
