"""IntegrityCheckTab: the Integrity Check tab of GOES-VFI (widgets only; the view model does the work).

Adding it to an application is one line: ``tabs.addTab(IntegrityCheckTab(), "Integrity Check")``.
The tab never awaits and never touches files or the network: it forwards user actions to its
:class:`EnhancedViewModel` and renders the model's signals.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta

import numpy as np
from PyQt6.QtCore import QEvent, QItemSelection, QItemSelectionModel, Qt, pyqtSignal
from PyQt6.QtGui import QShowEvent
from PyQt6.QtWidgets import QAbstractItemView, QFileDialog, QHeaderView, QTableView, QWidget

from goesvfi.integrity_check.gui.archive_views import ArchiveViews
from goesvfi.integrity_check.gui.auto_fetch_state import AutoFetchState
from goesvfi.integrity_check.gui.frame_views import FrameViews
from goesvfi.integrity_check.gui.look_view import LookView
from goesvfi.integrity_check.gui.results_digest import ResultsDigest
from goesvfi.integrity_check.gui.slot_list import STATUS_ORDER
from goesvfi.integrity_check.gui.view_model import DiskSpace, EnhancedViewModel, Task
from goesvfi.integrity_check.gui.widgets.controls import select_data
from goesvfi.integrity_check.gui.widgets.layout import TabWidgets, build_tab
from goesvfi.integrity_check.gui.widgets.notifications import Notifier
from goesvfi.integrity_check.gui.widgets.results_model import ResultsTableModel
from goesvfi.integrity_check.gui.widgets.settings_dialog import SettingsDialog
from goesvfi.integrity_check.gui.widgets.style import STATUS_COLORS, STATUS_LABELS, STATUS_PRIORITY, WARNING_COLOR
from goesvfi.integrity_check.gui.widgets.style_fit import (
    ACTION_MIN_WIDTH,
    ZOOM_MIN_WIDTH,
    FirstPaneWidth,
    fit_buttons,
    fit_header,
    fit_lines,
    fit_rows,
)
from goesvfi.integrity_check.results import Progress, SlotStatus
from goesvfi.integrity_check.units import format_bytes, readable_duration

FILTERS: tuple[tuple[str, frozenset[SlotStatus] | None], ...] = (
    ("All frames", None),
    (f"{STATUS_LABELS[SlotStatus.MISSING]} and {STATUS_LABELS[SlotStatus.FAILED].lower()}",
     frozenset({SlotStatus.MISSING, SlotStatus.FAILED})),
    *((STATUS_LABELS[status], frozenset({status})) for status in STATUS_PRIORITY),  # one entry per status
)  # fmt: skip
_LOG_COLORS = {"info": None, "warning": "#b9770e", "error": WARNING_COLOR.name()}


def _ask_directory(parent: QWidget, current: str) -> str:
    return QFileDialog.getExistingDirectory(parent, "Choose the folder of GOES frames", current)


def _ask_csv_path(parent: QWidget, suggested: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Export CSV report", suggested, "CSV files (*.csv)")
    return path


class IntegrityCheckTab(QWidget):
    """The tab. Signals for the host application: the folder changed, a scan or fetch completed."""

    directory_selected = pyqtSignal(str)
    scan_completed = pyqtSignal(object)  # ScanResult
    fetch_completed = pyqtSignal(object)  # list[SlotResult]

    def __init__(self, parent: QWidget | None = None, view_model: EnhancedViewModel | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("integrityCheckTab")
        self.view_model = view_model if view_model is not None else EnhancedViewModel(self)
        # File dialogs are attributes so that automation can answer them without a modal window.
        self.ask_directory: Callable[[QWidget, str], str] = _ask_directory
        self.ask_csv_path: Callable[[QWidget, str], str] = _ask_csv_path
        self.model = ResultsTableModel(self)
        self.ui: TabWidgets = build_tab(self, FILTERS)
        self.ui.table.setModel(self.model)
        self._configure_table(self.ui.table)
        self._table_share = FirstPaneWidth(self.ui.results, self._table_width)  # every column title whole
        self.notifier = Notifier(self)
        self._shown_once = False
        self._connect()
        say = functools.partial(self._render_status, error=False)
        self.frame_views = FrameViews(self.ui, self.model, self.view_model, self.select_slots, say)  # preview, calendar
        self.archive_views = ArchiveViews(self, self.ui.views, self.view_model)  # archive file's products (a page)
        self._load_inputs()
        self._render_auto(self.view_model.auto_fetch)
        self._render_status(self.view_model.status, error=False)

    def showEvent(self, event: QShowEvent | None) -> None:
        super().showEvent(event)
        if not self._shown_once:  # the folder may come from the last session: show its free space
            self._shown_once = True
            self.fit_to_style()
            self.view_model.refresh_disk_space()

    def changeEvent(self, event: QEvent | None) -> None:
        super().changeEvent(event)
        if event is not None and event.type() == QEvent.Type.StyleChange and self._shown_once:
            self.fit_to_style()

    def fit_to_style(self) -> None:
        """Widths from the style in force (a host's style sheet pads more): nothing clipped or hidden."""
        ui = self.ui
        fit_buttons((ui.scan, ui.fetch, ui.cancel, ui.export), ACTION_MIN_WIDTH)
        fit_buttons((ui.zoom_in, ui.zoom_out, ui.zoom_fit), ZOOM_MIN_WIDTH)
        calendar = ui.calendar
        fit_buttons((ui.show_timeline, ui.show_calendar, calendar.days_button, calendar.hours_button))
        fit_buttons((calendar.previous_button, calendar.next_button), ZOOM_MIN_WIDTH)
        fit_lines(ui.log)
        self._fit_header()
        fit_rows(ui.table)
        self._table_share.apply()

    def _table_width(self) -> int:
        """The table's width with every column at its fitted size (the stretched ones at their titles')."""
        table, header = self.ui.table, self.ui.table.horizontalHeader()
        if header is None:
            return 0
        widths = [
            header.minimumSectionSize()
            if header.sectionResizeMode(c) == QHeaderView.ResizeMode.Stretch
            else header.sectionSize(c)
            for c in range(header.count())
        ]
        scroll = table.verticalScrollBar()
        return sum(widths) + 2 * table.frameWidth() + (0 if scroll is None else scroll.sizeHint().width())

    def _fit_header(self) -> None:
        header = self.ui.table.horizontalHeader()
        if header is not None:
            model = ResultsTableModel
            fit_header(header, model.KNOWN_VALUES, self.ui.table.fontMetrics(), model.DECORATIONS)

    # ---- wiring -------------------------------------------------------------------------------------

    def _configure_table(self, table: QTableView) -> None:
        table.setSortingEnabled(True)
        table.sortByColumn(ResultsTableModel.TIME, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        vertical = table.verticalHeader()
        if vertical is not None:
            vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            vertical.setDefaultSectionSize(table.fontMetrics().height() + 6)
            vertical.hide()
        self._fit_header()  # again when shown, with the style then in force (fit_to_style)
        header = table.horizontalHeader()
        if header is not None:  # the sorted column's title needs room for the arrow too
            header.sortIndicatorChanged.connect(lambda _column, _order: self._fit_header())

    def _connect(self) -> None:
        ui, vm = self.ui, self.view_model
        ui.browse.clicked.connect(self._browse)
        ui.directory.editingFinished.connect(lambda: vm.set_directory(ui.directory.text()))
        ui.directory.textChanged.connect(lambda _text: self._render_state())
        ui.detect.clicked.connect(vm.detect_archive)
        ui.satellite.currentIndexChanged.connect(lambda _i: vm.inputs.set_satellite(ui.satellite.currentData()))
        ui.sector.currentIndexChanged.connect(lambda _i: vm.inputs.set_sector(ui.sector.currentData()))
        ui.band.valueChanged.connect(vm.inputs.set_band)
        ui.interval.valueChanged.connect(vm.inputs.set_interval)
        ui.check_noaa.toggled.connect(vm.inputs.set_check_noaa)
        ui.verify.toggled.connect(vm.inputs.set_verify_frames)
        for picker in (ui.start, ui.end):
            picker.dateTimeChanged.connect(self._range_edited)
        ui.preset_day.clicked.connect(lambda: vm.apply_preset(24))
        ui.preset_week.clicked.connect(lambda: vm.apply_preset(24 * 7))
        ui.scan.clicked.connect(self._scan)
        ui.fetch.clicked.connect(vm.fetch_missing)
        ui.cancel.clicked.connect(vm.cancel)
        ui.export.clicked.connect(self._export)
        ui.settings.clicked.connect(self.open_settings)
        ui.auto_check.toggled.connect(vm.auto.set_enabled)
        ui.auto_period.currentIndexChanged.connect(lambda _i: vm.auto.set_period(ui.auto_period.currentData()))
        ui.auto_window.currentIndexChanged.connect(lambda _i: vm.auto.set_window(ui.auto_window.currentData()))
        ui.auto_notify.editingFinished.connect(lambda: vm.auto.set_notify(ui.auto_notify.text()))
        ui.filter.currentIndexChanged.connect(self._apply_filter)
        ui.zoom_in.clicked.connect(ui.timeline.zoom_in)
        ui.zoom_out.clicked.connect(ui.timeline.zoom_out)
        ui.zoom_fit.clicked.connect(ui.timeline.reset_zoom)
        ui.timeline.gap_clicked.connect(self.select_slots)
        ui.timeline.slot_clicked.connect(lambda index: self.select_slots(index, index))
        vm.inputs_changed.connect(self._load_inputs)
        vm.state_changed.connect(self._render_state)
        vm.status_changed.connect(lambda text: self._render_status(text, error=False))
        vm.error_occurred.connect(lambda text: self._render_status(text, error=True))
        vm.log_added.connect(self._append_log)
        vm.progress_changed.connect(self._render_progress)
        vm.results_changed.connect(self._render_results)
        vm.look_checked.connect(self._render_look)
        vm.slots_updated.connect(self._render_slot_updates)
        vm.disk_space_changed.connect(self._render_disk)
        vm.auto_fetch_changed.connect(self._render_auto)
        vm.task_finished.connect(lambda title, message, _s: self.notifier.notify(title, message))
        self.notifier.fallback.connect(lambda text: self._render_status(text, error=False))
        vm.directory_selected.connect(self.directory_selected)
        vm.scan_completed.connect(self.scan_completed)
        vm.fetch_completed.connect(self.fetch_completed)

    def _range_edited(self) -> None:
        self.view_model.inputs.set_range(self.ui.start.utc(), self.ui.end.utc())
        self._render_summary()

    def _load_inputs(self) -> None:
        """Show the view model's inputs (after a preset, a detection or a restore) without echoing them back."""
        ui, inputs = self.ui, self.view_model.inputs
        widgets = (ui.directory, ui.satellite, ui.sector, ui.band, ui.interval, ui.start, ui.end)
        for widget in widgets:
            widget.blockSignals(True)
        try:
            if ui.directory.text() != inputs.directory:
                ui.directory.setText(inputs.directory)
            ui.satellite.setCurrentIndex(max(0, ui.satellite.findData(inputs.view or inputs.satellite)))
            ui.sector.setCurrentIndex(max(0, ui.sector.findData(inputs.sector)))
            ui.band.setValue(inputs.band)
            ui.interval.setValue(inputs.interval_minutes)
            ui.check_noaa.setChecked(inputs.check_noaa)
            ui.verify.setChecked(inputs.verify_frames)
            ui.start.set_utc(inputs.start)
            ui.end.set_utc(inputs.end)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._render_state()
        self._render_summary()  # the range may have changed (a calendar click, a preset)

    # ---- actions ------------------------------------------------------------------------------------

    def _browse(self) -> None:
        chosen = self.ask_directory(self, self.ui.directory.text())
        if chosen:
            self.ui.directory.setText(chosen)
            self.view_model.set_directory(chosen)

    def _scan(self) -> None:
        self.view_model.set_directory(self.ui.directory.text())
        self.view_model.inputs.set_range(self.ui.start.utc(), self.ui.end.utc())
        self.view_model.scan()

    def _export(self) -> None:
        path = self.ask_csv_path(self, self.view_model.suggested_csv_path())
        if path:
            self.view_model.export_csv(path)

    def open_settings(self) -> SettingsDialog:
        """Open the settings dialog (window-modal, non-blocking); OK saves and applies the settings."""
        vm = self.view_model
        dialog = SettingsDialog(vm.preferences, vm.locked_settings, self, look_error=vm.look_name_error)
        dialog.accepted.connect(lambda: self.view_model.set_preferences(dialog.preferences()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _apply_filter(self, index: int) -> None:
        self.model.set_status_filter(FILTERS[index][1])

    def select_slots(self, first: int, last: int) -> None:
        """Select the rows of slots ``first..last`` (time order) and scroll to them."""
        runs = self.model.view_rows(first, last)
        if not runs:
            self.ui.filter.setCurrentIndex(0)  # the filter hides them: show every frame
            runs = self.model.view_rows(first, last)
        table, selection = self.ui.table, QItemSelection()
        last_column = self.model.columnCount() - 1
        for top, bottom in runs:
            selection.select(self.model.index(top, 0), self.model.index(bottom, last_column))
        selection_model = table.selectionModel()
        if selection_model is not None and runs:
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            selection_model.select(selection, flags)
            current = self.model.index(runs[0][0], 0)  # the preview follows the current row
            selection_model.setCurrentIndex(current, QItemSelectionModel.SelectionFlag.NoUpdate)
            table.scrollTo(self.model.index(runs[0][0], 0), QAbstractItemView.ScrollHint.PositionAtTop)
        count = last - first + 1
        self.ui.timeline.select_range(first, last)
        self._render_status(f"Selected {count:,} frame{'s' if count != 1 else ''} in the table.", error=False)

    # ---- rendering ----------------------------------------------------------------------------------

    def _render_state(self) -> None:
        ui, vm = self.ui, self.view_model
        idle = not vm.busy
        ui.scan.setEnabled(idle)  # an empty folder field means the per-user default folder
        ui.fetch.setEnabled(vm.can_fetch)
        ui.cancel.setEnabled(vm.can_cancel)
        ui.export.setEnabled(vm.can_export)
        archive = idle and not vm.auto_fetch.enabled  # Auto-fetch keeps this folder: untick it to change it
        widgets: tuple[QWidget, ...] = (
            ui.start, ui.end, ui.preset_day, ui.preset_week, ui.settings, ui.check_noaa, ui.verify,
        )  # fmt: skip
        for widget in widgets:
            widget.setEnabled(idle)
        widgets = (ui.directory, ui.browse, ui.detect, ui.satellite, ui.sector, ui.band, ui.interval)
        for widget in widgets:
            widget.setEnabled(archive)
        for combo in (ui.auto_period, ui.auto_window):
            combo.setEnabled(vm.task is not Task.AUTO)
        if idle:
            ui.progress.setRange(0, 1)
            ui.progress.setValue(0)
            ui.progress.setFormat("Idle")
            ui.current_file.setText("")
            ui.file_progress.hide()

    def _render_auto(self, state: AutoFetchState) -> None:
        ui = self.ui
        for widget in (ui.auto_check, ui.auto_period, ui.auto_window):
            widget.blockSignals(True)
        try:
            ui.auto_check.setChecked(state.enabled)
            select_data(ui.auto_period, state.period_minutes)
            select_data(ui.auto_window, state.window_hours)
            if not ui.auto_notify.hasFocus():
                ui.auto_notify.setText(" ".join(state.notify))
        finally:
            for widget in (ui.auto_check, ui.auto_period, ui.auto_window):
                widget.blockSignals(False)
        text = state.describe()
        ui.auto_status.setText(text)
        ui.auto_status.setToolTip(text if state.last is None else f"{text}\n\nLast cycle: {state.last.summary()}")
        self._render_state()

    def _render_status(self, text: str, *, error: bool) -> None:
        label = self.ui.status
        label.setText(text)
        label.setToolTip(text)
        label.setStyleSheet(f"color: {WARNING_COLOR.name()}; font-weight: bold;" if error else "")

    def _append_log(self, level: str, text: str) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        color = _LOG_COLORS.get(level)
        line = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        html = f'<span style="color:#888">{stamp}</span>&nbsp; '
        html += f'<span style="color:{color}">{line}</span>' if color else line
        self.ui.log.appendHtml(html)

    def _render_progress(self, progress: Progress | None) -> None:
        ui = self.ui
        if progress is None:
            self._render_state()
            return
        if progress.total > 0:
            ui.progress.setRange(0, progress.total)
            ui.progress.setValue(min(progress.done, progress.total))
            ui.progress.setFormat(f"{progress.stage.value.capitalize()}: %v / %m (%p%)")
        else:
            ui.progress.setRange(0, 0)  # busy indicator until the core knows the total
        if progress.current_file:
            ui.current_file.setText(progress.current_file)
            ui.file_progress.show()
            if progress.file_total:
                ui.file_progress.setRange(0, 1000)
                ui.file_progress.setValue(int(1000 * min(1.0, progress.file_done / progress.file_total)))
                ui.file_progress.setFormat(f"{format_bytes(progress.file_done)} / {format_bytes(progress.file_total)}")
            else:
                ui.file_progress.setRange(0, 0)
        if progress.message:
            self._render_status(progress.message, error=False)

    def _render_results(self, digest: ResultsDigest | None) -> None:
        ui = self.ui
        keep_view = digest is not None and ui.timeline.slot_count() == len(digest.slots)
        self.model.set_slots([] if digest is None else digest.slots)
        if digest is None:
            ui.timeline.clear()
            ui.summary.setText("No results yet: Scan shows which frames the folder lacks.")
            return
        ui.timeline.set_data(digest.times, digest.statuses, keep_view=keep_view)
        cutoff = self.view_model.cdn_cutoff()
        ui.timeline.set_marker(cutoff, "CDN cutoff (older frames come from S3)")
        self._render_summary()
        self._render_look(self.view_model.look_check, summary=False)

    def _render_summary(self) -> None:
        """The shown results' counts; when the time range no longer is the scan's (a calendar click, the pickers),
        also what the results hold of the new range, so the summary never describes a range it does not show."""
        vm = self.view_model
        digest, scan = vm.digest, vm.scan_result
        if digest is None:
            return
        span = (
            None
            if scan is None or (vm.inputs.start, vm.inputs.end) == (scan.start, scan.end)
            else (vm.inputs.start, vm.inputs.end)
        )
        self.ui.summary.setText(summary_html(digest, vm.look_check, span))

    def _render_look(self, look: LookView | None, summary: bool = True) -> None:
        """Rows of frames off the folder's look get a background; the summary says how many."""
        if look is None or look.look is None:
            self.model.set_mismatched(())
            return
        self.model.set_mismatched(look.mismatched, look.note)
        if summary:
            self._render_summary()

    def _render_slot_updates(self, digest: ResultsDigest, changed: np.ndarray) -> None:
        """Slots a running fetch finished: their rows, the timeline and the summary, without a reset."""
        self.model.update_slots(digest.slots, changed)
        self.ui.timeline.update_statuses(changed, digest.statuses[changed])
        self._render_summary()

    def _render_disk(self, disk: DiskSpace) -> None:
        label = self.ui.disk
        if disk.free is None:
            label.setText("Free space: unknown (folder not found)")
            label.setStyleSheet("")
        elif disk.low:
            label.setText(f"Low disk space: {format_bytes(disk.free)} free (keep {format_bytes(disk.threshold)})")
            label.setStyleSheet(f"color: {WARNING_COLOR.name()}; font-weight: bold;")
        else:
            label.setText(f"Free space: {format_bytes(disk.free)}")
            label.setStyleSheet("")
        label.setToolTip(f"Free space on the disk holding {disk.path}")


def summary_html(
    digest: ResultsDigest, look: LookView | None = None, time_range: tuple[datetime, datetime] | None = None
) -> str:
    counts = digest.counts
    total = len(digest.slots)

    def item(label: str, value: int, status: SlotStatus | None = None) -> str:
        color = f' style="color:{STATUS_COLORS[status].name()}"' if status is not None and value else ""
        return f"{label} <b{color}>{value:,}</b>"

    def status(status: SlotStatus) -> str:
        return item(STATUS_LABELS[status], counts[status], status)

    parts = [item("Expected", total), status(SlotStatus.PRESENT)]
    missing = counts[SlotStatus.MISSING]
    parts.append(status(SlotStatus.MISSING) + (f" ({100 * missing / total:.1f}%)" if total else ""))
    fetch_outcomes = (SlotStatus.FETCHED, SlotStatus.FAILED)
    if any(counts[s] for s in fetch_outcomes):
        parts.extend(status(s) for s in fetch_outcomes)
    shown = (SlotStatus.PRESENT, SlotStatus.MISSING, *fetch_outcomes)
    parts.extend(status(s) for s in STATUS_PRIORITY if s not in shown and counts[s])  # e.g. Not at NOAA
    gap = digest.longest_gap
    if gap is None:
        parts.append("No gaps")
    else:
        span = readable_duration(gap.duration + timedelta(seconds=digest.step))
        frames = f"{gap.count:,} frame{'s' if gap.count != 1 else ''}"
        parts.append(f"{len(digest.gaps):,} gap{'s' if len(digest.gaps) != 1 else ''}, longest <b>{span}</b>"
                     f" ({frames} from {gap.start:%Y-%m-%d %H:%M} UTC)")  # fmt: skip
    if look is not None and look.look is not None:
        text = f"Look {look.look}"
        if look.count:
            text += f', <b style="color:{WARNING_COLOR.name()}">{look.count:,}</b> frames off it'
        parts.append(text)
    text = " &nbsp;·&nbsp; ".join(parts)
    return text if time_range is None else f"{text}<br>{_range_html(digest, *time_range)}"


def _range_html(digest: ResultsDigest, start: datetime, end: datetime) -> str:
    """What the shown results hold of ``[start, end)``: the time range set since the scan."""
    first, last = np.searchsorted(digest.times, [start.timestamp(), end.timestamp()])
    codes = np.bincount(digest.statuses[first:last], minlength=len(STATUS_ORDER))
    counts = ", ".join(f"{int(codes[STATUS_ORDER.index(s)]):,} {STATUS_LABELS[s].lower()}"
                       for s in reversed(STATUS_PRIORITY) if codes[STATUS_ORDER.index(s)])  # fmt: skip
    held = f"{last - first:,} frame{'s' if last - first != 1 else ''} of it shown" + (f" ({counts})" if counts else "")
    return (f"Time range now <b>{start:%Y-%m-%d %H:%M} -> {end:%Y-%m-%d %H:%M} UTC</b>: {held}; "
            "<i>Scan</i> checks only it.")  # fmt: skip


EnhancedIntegrityCheckTab = IntegrityCheckTab
"""The seed names a basic and an enhanced tab: they are one class."""
