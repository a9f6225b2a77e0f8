"""The tab's views of frames: the preview pane (follows the table's current row) and the calendar (a cell click
selects its rows and sets the time range), and the default folder shown in an empty folder field.

Widgets only: decoding goes through the view model's previewer (``request`` -> ``preview_ready``); opening a file or
the folder goes to the desktop (``QDesktopServices.openUrl``, replaceable as ``open_url`` for automation).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
from PyQt6.QtCore import QModelIndex, QUrl
from PyQt6.QtGui import QDesktopServices

from goesvfi.integrity_check.calendar_bins import categories
from goesvfi.integrity_check.gui.results_digest import ResultsDigest
from goesvfi.integrity_check.gui.slot_list import STATUS_ORDER

if TYPE_CHECKING:
    from goesvfi.integrity_check.gui.view_model import DiskSpace, EnhancedViewModel
    from goesvfi.integrity_check.gui.widgets.layout import TabWidgets
    from goesvfi.integrity_check.gui.widgets.results_model import ResultsTableModel

_CATEGORY_LUT = categories(s.value for s in STATUS_ORDER)  # digest status index -> calendar category


def calendar_codes(digest: ResultsDigest) -> np.ndarray:
    return _CATEGORY_LUT[np.asarray(digest.statuses, dtype=np.intp)] if len(digest.statuses) else _CATEGORY_LUT[:0]


class FrameViews:
    """Given the tab's parts it wires (never the tab): its widgets, its table model, the view model, how to select
    slots in the table and how to say something in the status line."""

    def __init__(
        self,
        ui: TabWidgets,
        model: ResultsTableModel,
        view_model: EnhancedViewModel,
        select_slots: Callable[[int, int], None],
        say: Callable[[str], None],
    ) -> None:
        self.ui, self.model, self.view_model = ui, model, view_model
        self._select_slots, self._say = select_slots, say
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl
        vm = view_model
        selection = ui.table.selectionModel()
        assert selection is not None
        selection.currentRowChanged.connect(self._current_changed)
        vm.preview_ready.connect(ui.preview.show_preview)
        vm.results_changed.connect(self._results)
        vm.slots_updated.connect(self._slots_updated)
        ui.calendar.calendar.cell_clicked.connect(self.select_span)
        ui.preview.open_file.connect(lambda path: self.open_url(QUrl.fromLocalFile(path)))
        ui.preview.open_folder.connect(lambda: self.open_url(QUrl.fromLocalFile(vm.inputs.archive_folder)))
        vm.disk_space_changed.connect(self._folder_state)  # checked after each task and folder change
        vm.inputs_changed.connect(self.show_default_folder)
        ui.satellite.currentIndexChanged.connect(lambda _i: self.show_default_folder())
        ui.sector.currentIndexChanged.connect(lambda _i: self.show_default_folder())
        self.show_default_folder()

    def show_default_folder(self) -> None:
        inputs = self.view_model.inputs
        folder = inputs.default_directory()
        self.ui.directory.setPlaceholderText(f"{folder}  (default; created by the first fetch)")

    def _folder_state(self, disk: DiskSpace) -> None:
        """*Open folder* only for a folder that exists (the default one is made by the first fetch)."""
        button = self.ui.preview.folder_button
        button.setEnabled(disk.exists)
        button.setToolTip(
            "Open the archive folder in the file manager"
            if disk.exists
            else f"{disk.path} does not exist yet: the first fetch creates it"
        )

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and current.row() < self.model.rowCount():
            vm = self.view_model
            vm.previewer.request(vm.shown.slots, self.model.slot_index(current.row()))

    def _results(self, digest: ResultsDigest | None) -> None:
        ui = self.ui
        ui.preview.clear()
        if digest is None:
            ui.calendar.calendar.set_data(np.zeros(0), np.zeros(0, np.uint8))
        else:
            ui.calendar.calendar.set_data(digest.times, calendar_codes(digest))

    def _slots_updated(self, digest: ResultsDigest, changed: np.ndarray) -> None:
        self.ui.calendar.calendar.update_codes(changed, calendar_codes(digest)[changed])
        shown = self.ui.preview.preview  # the slot on show (the table's current row may be gone: a filter)
        if shown is not None and shown.position in set(np.asarray(changed).tolist()):
            self.view_model.previewer.request(self.view_model.shown.slots, shown.position)  # its frame arrived: show it

    def select_span(self, start: int, end: int) -> None:
        """A calendar cell ``[start, end)`` (epoch seconds): select its rows and set the time range to it."""
        vm = self.view_model
        digest = vm.shown.digest
        if digest is None:
            return
        first, last = (int(i) for i in np.searchsorted(digest.times, [start, end]))
        if last <= first:
            return
        self._select_slots(first, last - 1)
        scan = vm.shown.scan
        if not vm.busy and not vm.auto_fetch.enabled and scan is not None:
            begin = max(datetime.fromtimestamp(start, UTC), scan.start)
            finish = min(datetime.fromtimestamp(end, UTC), scan.end)
            vm.apply_inputs(start=begin, end=finish)
            count = last - first
            self._say(
                f"Selected {count:,} frame{'s' if count != 1 else ''}; the time range is now "
                f"{begin:%Y-%m-%d %H:%M} -> {finish:%Y-%m-%d %H:%M} UTC (Scan checks only it)."
            )
