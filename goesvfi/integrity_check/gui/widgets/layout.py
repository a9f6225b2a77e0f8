"""The tab's widget tree: inputs, actions, summary, timeline, table, activity log, progress and status.

Every widget that tests and automation drive has a stable ``objectName``.
"""

from __future__ import annotations

from dataclasses import dataclass

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QFont
from PyQt6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from goesvfi.integrity_check.gui.widgets.adaptive_row import AdaptiveRow
from goesvfi.integrity_check.gui.widgets.calendar import CalendarView
from goesvfi.integrity_check.gui.widgets.controls import (
    UtcDateTimeEdit,
    auto_notify_edit,
    auto_period_combo,
    auto_window_combo,
    band_spin,
    interval_spin,
    satellite_combo,
    sector_combo,
)
from goesvfi.integrity_check.gui.widgets.elided_label import ElidedLabel
from goesvfi.integrity_check.gui.widgets.preview import PreviewPane
from goesvfi.integrity_check.gui.widgets.progress_bar import ProgressBar
from goesvfi.integrity_check.gui.widgets.timeline import TimelineWidget
from goesvfi.integrity_check.results import SlotStatus


@dataclass
class TabWidgets:
    directory: QLineEdit
    browse: QPushButton
    detect: QPushButton
    satellite: QComboBox
    sector: QComboBox
    band: QSpinBox
    interval: QSpinBox
    check_noaa: QCheckBox
    verify: QCheckBox
    start: UtcDateTimeEdit
    end: UtcDateTimeEdit
    preset_day: QPushButton
    preset_week: QPushButton
    scan: QPushButton
    fetch: QPushButton
    cancel: QPushButton
    export: QPushButton
    settings: QPushButton
    auto_check: QCheckBox
    auto_period: QComboBox
    auto_window: QComboBox
    auto_notify: QLineEdit
    auto_status: QLabel
    summary: QLabel
    timeline: TimelineWidget
    zoom_in: QPushButton
    zoom_out: QPushButton
    zoom_fit: QPushButton
    filter: QComboBox
    table: QTableView
    log: QPlainTextEdit
    progress: QProgressBar
    current_file: QLabel
    file_progress: QProgressBar
    status: QLabel
    disk: QLabel
    calendar: CalendarView  # a page beside the timeline
    views: QStackedWidget  # Timeline | Calendar
    show_timeline: QPushButton  # the switch between the two pages
    show_calendar: QPushButton
    results: QSplitter  # the table | the preview and the activity log
    preview: PreviewPane  # beside the table and the activity log


def _named(widget: QWidget, name: str, tip: str = "") -> QWidget:
    widget.setObjectName(name)
    if tip:
        widget.setToolTip(tip)
    return widget


def _button(text: str, name: str, tip: str = "") -> QPushButton:
    button = QPushButton(text)
    _named(button, name, tip)
    return button


def build_tab(tab: QWidget, filters: tuple[tuple[str, frozenset[SlotStatus] | None], ...]) -> TabWidgets:
    directory = QLineEdit()
    _named(directory, "directoryEdit", "The folder of frames to check (searched recursively).")
    directory.setPlaceholderText("Folder of GOES frames, e.g. /data/goes18/conus")
    directory.setClearButtonEnabled(True)
    w = TabWidgets(
        directory=directory,
        browse=_button("Browse...", "browseButton", "Choose the folder of frames."),
        detect=_button("Detect", "detectButton", "Detect satellite, sector and band from the folder's file names."),
        satellite=satellite_combo(),
        sector=sector_combo(),
        band=band_spin(),
        interval=interval_spin(),
        check_noaa=QCheckBox("Check NOAA"),
        verify=QCheckBox("Verify frames"),
        start=UtcDateTimeEdit("startDateTimeEdit"),
        end=UtcDateTimeEdit("endDateTimeEdit"),
        preset_day=_button("Last 24 hours", "presetDayButton"),
        preset_week=_button("Last 7 days", "presetWeekButton"),
        scan=_button("Scan", "scanButton", "Find which expected frames the folder lacks."),
        fetch=_button("Fetch Missing", "fetchButton", "Download the missing frames (CDN for recent, S3 for older)."),
        cancel=_button("Cancel", "cancelButton", "Stop the running scan or fetch. Nothing half-written is left."),
        export=_button("Export CSV...", "exportButton", "Save a report with one row per expected frame."),
        settings=_button("Settings...", "settingsButton", "Endpoints, CDN size and cutoff, downloads, colours."),
        auto_check=QCheckBox("Auto-fetch"),
        auto_period=auto_period_combo(),
        auto_window=auto_window_combo(),
        auto_notify=auto_notify_edit(),
        auto_status=ElidedLabel(),
        summary=QLabel("No results yet: Scan shows which frames the folder lacks."),
        timeline=TimelineWidget(),
        zoom_in=_button("+", "zoomInButton", "Zoom in (or use the mouse wheel on the timeline)"),
        zoom_out=_button("\u2212", "zoomOutButton", "Zoom out"),
        zoom_fit=_button("Fit", "zoomFitButton", "Show the whole range"),
        filter=QComboBox(),
        table=QTableView(),
        log=QPlainTextEdit(),
        progress=ProgressBar(),
        current_file=QLabel(),
        file_progress=ProgressBar(),
        status=ElidedLabel(),
        disk=QLabel("Free space: -"),
        calendar=CalendarView(),
        views=QStackedWidget(),
        show_timeline=_button("Timeline", "showTimelineButton", "Every expected frame along time"),
        show_calendar=_button("Calendar", "showCalendarButton", "A year at a glance: one cell per day or hour"),
        results=QSplitter(Qt.Orientation.Horizontal),
        preview=PreviewPane(),
    )
    w.scan.setDefault(True)
    bold = QFont(w.scan.font())
    bold.setBold(True)
    w.scan.setFont(bold)
    _named(
        w.auto_check,
        "autoFetchCheck",
        "Keep the folder's trailing window complete: check and fetch on a "
        "schedule, while the window is open and across restarts. Untick to stop (a running cycle is cancelled).",
    )
    _named(w.auto_status, "autoFetchStatus")
    _named(
        w.verify,
        "verifyFramesCheck",
        "Scan also decodes every frame (PNG checksums, JPEG and NetCDF decode, one-colour frames, empty rows). Each "
        "frame is verified once: the verdict is kept until the file changes. Damaged frames are fetched again; the "
        "old file is kept in the folder's .goesvfi-quarantine.",
    )
    _named(
        w.check_noaa,
        "checkNoaaCheck",
        "Scan also reads what NOAA holds (S3 listings, the CDN index): missing frames NOAA never produced show as "
        "'Not at NOAA' instead of missing. Offline, availability is unknown and the scan works as without it.",
    )
    _named(w.summary, "summaryLabel")
    w.summary.setTextFormat(Qt.TextFormat.RichText)
    w.summary.setWordWrap(True)
    _named(w.filter, "statusFilterCombo", "Show only some statuses in the table.")
    for label, statuses in filters:
        w.filter.addItem(label, statuses)
    _named(w.table, "resultsTable")
    _named(w.log, "activityLog")
    w.log.setReadOnly(True)
    w.log.setMaximumBlockCount(5000)
    w.log.setPlaceholderText("What the tool did, and any problems, appear here.")
    _named(w.progress, "progressBar")
    w.progress.setTextVisible(True)
    _named(w.current_file, "currentFileLabel")
    w.current_file.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    _named(w.file_progress, "fileProgressBar", "Bytes of the current file")
    w.file_progress.setFixedWidth(180)
    w.file_progress.hide()
    _named(w.status, "statusLabel")
    _named(w.disk, "diskSpaceLabel")

    # Rows shared, so that the tab fits 800 pixels of screen under a host's style sheet (qt-material pads every
    # button and input to about 38 px): the summary sits in the views' switch row, the status in the progress row.
    layout = QVBoxLayout(tab)
    layout.setContentsMargins(8, 8, 8, 6)
    layout.setSpacing(6)
    layout.addWidget(_inputs_row(w))
    layout.addLayout(_actions_row(w))
    layout.addWidget(_views(w))
    layout.addWidget(_results_splitter(w), 1)
    layout.addLayout(_progress_row(w))
    return w


def _label(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return label


def _inputs_row(w: TabWidgets) -> AdaptiveRow:
    """Two panels of three rows each (Archive; Time range with its presets beside Start and End, and Auto-fetch)."""
    archive = QGroupBox("Archive")
    grid = QGridLayout(archive)
    grid.addWidget(_label("Folder:"), 0, 0)
    grid.addWidget(w.directory, 0, 1, 1, 3)
    grid.addWidget(w.browse, 0, 4)
    grid.addWidget(_label("Satellite:"), 1, 0)
    grid.addWidget(w.satellite, 1, 1)
    grid.addWidget(w.detect, 1, 2)
    grid.addWidget(_label("Sector:"), 1, 3)
    grid.addWidget(w.sector, 1, 4)
    grid.addWidget(_label("Band:"), 2, 0)
    band_row = QHBoxLayout()
    band_row.addWidget(w.band)
    band_row.addSpacing(12)
    band_row.addWidget(QLabel("Interval:"))
    band_row.addWidget(w.interval)
    band_row.addSpacing(12)
    band_row.addWidget(w.check_noaa)
    band_row.addSpacing(8)
    band_row.addWidget(w.verify)
    band_row.addStretch(1)
    grid.addLayout(band_row, 2, 1, 1, 4)
    grid.setColumnStretch(1, 1)
    # Combos shrink to a few characters (elided) rather than widen the window: their names are long under a
    # host style sheet's padding (qt-material's adds 16 px a side).
    for combo, chars in ((w.satellite, 12), (w.sector, 6)):
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(chars)
    w.band.setMinimumWidth(70)
    w.interval.setMinimumWidth(90)

    period = QGroupBox("Time range (UTC)")
    pgrid = QGridLayout(period)
    pgrid.addWidget(_label("Start:"), 0, 0)
    pgrid.addWidget(w.start, 0, 1)
    pgrid.addWidget(w.preset_day, 0, 2)
    pgrid.addWidget(_label("End:"), 1, 0)
    pgrid.addWidget(w.end, 1, 1)
    pgrid.addWidget(w.preset_week, 1, 2)
    auto = QHBoxLayout()
    auto.addWidget(w.auto_check)
    auto.addSpacing(6)
    auto.addWidget(w.auto_period)
    auto.addWidget(w.auto_window)
    auto.addWidget(w.auto_notify, 1)
    pgrid.addLayout(auto, 2, 0, 1, 3)
    pgrid.setColumnStretch(1, 1)
    for box in (grid, pgrid):  # the group box's title and frame already set the panels apart
        box.setVerticalSpacing(4)

    return AdaptiveRow([(archive, 3), (period, 2)])  # stacked when the window is narrow (see adaptive_row)


def _actions_row(w: TabWidgets) -> QHBoxLayout:
    row = QHBoxLayout()
    for button in (w.scan, w.fetch, w.cancel, w.export):
        row.addWidget(button)
    row.addSpacing(16)
    row.addWidget(w.auto_status, 1)
    row.addWidget(w.settings)
    return row


def _views(w: TabWidgets) -> QWidget:
    """The timeline and the calendar, one page each, switched by two buttons on one row with the results' summary
    and the zoom buttons.

    Not a ``QTabWidget``: a host's style sheet sizes every ``QTabBar::tab`` for its own (GOES-VFI's vertical main
    tabs), which left this bar with two scroll arrows and no labels. Push buttons take the host's button style and
    are sized from it (``style_fit``) like the other buttons.
    """
    box = QWidget()
    box.setObjectName("viewsBox")
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    row = QHBoxLayout()
    row.setSpacing(4)
    group = QButtonGroup(box)
    group.setExclusive(True)
    for index, button in enumerate((w.show_timeline, w.show_calendar)):
        button.setCheckable(True)
        group.addButton(button, index)
        row.addWidget(button)
    row.addSpacing(8)
    row.addWidget(w.summary, 1)  # wraps to two lines beside the buttons rather than take a row of its own
    zooms = (w.zoom_in, w.zoom_out, w.zoom_fit)
    for button in (*zooms, *w.calendar.controls):  # each page's own, together at the right (widths: style_fit)
        button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        row.addWidget(button)
    layout.addLayout(row)
    _named(w.views, "viewsStack")
    w.views.addWidget(w.timeline)
    w.views.addWidget(w.calendar)
    layout.addWidget(w.views)
    box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)

    def show(index: int) -> None:
        """The stack as tall as the page shown wants (the timeline is no thin strip in a tall box) and no taller
        than that page needs at least (another page's minimum does not push the results down); its controls."""
        page, button = w.views.widget(index), group.button(index)
        if page is not None:
            w.views.setMinimumHeight(max(1, page.minimumSizeHint().height(), page.minimumHeight()))
            w.views.setMaximumHeight(max(page.sizeHint().height(), w.views.minimumHeight()))
        if button is not None:
            button.setChecked(True)
        for zoom in zooms:
            zoom.setVisible(page is w.timeline)
        for control in w.calendar.controls:
            control.setVisible(page is w.calendar)

    group.idClicked.connect(w.views.setCurrentIndex)
    w.views.currentChanged.connect(show)
    show(0)
    return box


def _results_splitter(w: TabWidgets) -> QSplitter:
    """The table above the activity log on the left, the preview the whole height on the right: a frame shows
    large enough to judge even at 800 pixels of screen, and a long error in the log wraps across the table's width."""
    frames = QWidget()
    frames_layout = QVBoxLayout(frames)
    frames_layout.setContentsMargins(0, 0, 0, 0)
    filter_row = QHBoxLayout()
    filter_row.addWidget(QLabel("Frames:"))
    filter_row.addWidget(w.filter)
    filter_row.addStretch(1)
    frames_layout.addLayout(filter_row)
    frames_layout.addWidget(w.table, 1)

    activity = QWidget()
    activity_layout = QVBoxLayout(activity)
    activity_layout.setContentsMargins(0, 0, 0, 0)
    activity_layout.addWidget(QLabel("Activity:"))
    activity_layout.addWidget(w.log, 1)
    left = QSplitter(Qt.Orientation.Vertical)
    left.setObjectName("activitySplitter")
    left.addWidget(frames)
    left.addWidget(activity)
    left.setStretchFactor(0, 3)
    left.setStretchFactor(1, 1)
    left.setChildrenCollapsible(False)

    splitter = w.results
    splitter.setObjectName("resultsSplitter")
    splitter.addWidget(left)
    splitter.addWidget(w.preview)
    splitter.setChildrenCollapsible(False)
    return splitter


def _progress_row(w: TabWidgets) -> QHBoxLayout:
    """The status line, the file being fetched, the progress bars and the free space, on one row."""
    row = QHBoxLayout()
    row.addWidget(w.status, 3)
    row.addWidget(w.current_file)
    row.addWidget(w.file_progress)
    row.addWidget(w.progress, 2)
    row.addWidget(w.disk)
    w.progress.setMinimumWidth(160)
    return row
