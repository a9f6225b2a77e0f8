"""The tab's inputs: the folder and the archive query being typed (satellite, sector, band, interval, range).

Saved in QSettings as they change (``ui/*`` keys), except the range, which starts as the last 24 hours. The
view model turns them into one :class:`~goesvfi.integrity_check.query.ArchiveQuery` per command. Every change is
announced by the ``changed`` signal (Auto-fetch follows the folder and archive chosen).
A first run needs no choices: the satellite is the operational East one (from the satellites' eras), and an
empty folder means :meth:`ArchiveInputs.default_directory` (``~/GOES/<satellite>/<sector>``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from PyQt6.QtCore import QObject, QSettings, pyqtSignal

from goesvfi.integrity_check.first_run import (
    DEFAULT_POSITION,
    archive_root,
    default_archive_folder,
    operational_satellite,
)
from goesvfi.integrity_check.gui import messages
from goesvfi.integrity_check.gui.folder_guess import ArchiveGuess
from goesvfi.integrity_check.gui.preferences import load_enum, load_value, save_values
from goesvfi.integrity_check.query import ArchiveQuery, QueryError, ViewQuery
from goesvfi.integrity_check.time_index import DEFAULT_BAND, SatellitePattern, Sector, to_utc
from goesvfi.integrity_check.time_index.operational import View, eras, operational

DEFAULT_HOURS = 24


class ArchiveInputs(QObject):
    """What the user has chosen so far; setters save to ``settings`` and emit ``changed``. No validation here: see
    :meth:`query`. ``now`` is the clock (a view's satellite is the one operational now)."""

    changed = pyqtSignal()

    def __init__(self, settings: QSettings, now: Callable[[], datetime], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._now = now
        end = to_utc(now()).replace(second=0, microsecond=0)
        self.directory = str(load_value(settings, "ui/directory", ""))
        self.start, self.end = end - timedelta(hours=DEFAULT_HOURS), end
        saved = str(load_value(settings, "ui/satellite", View.EAST.value))
        # East (the default) or West: each slot from the satellite operational then; ``satellite`` is the one now
        self.view: View | None = View.parse(saved)
        if self.view is not None:
            self.satellite = operational(self.view, end) or operational_satellite(DEFAULT_POSITION, end)
        else:
            self.satellite = load_enum(settings, "ui/satellite", operational_satellite(DEFAULT_POSITION, end))
        self.sector = load_enum(settings, "ui/sector", Sector.CONUS)
        self.band = int(load_value(settings, "ui/band", DEFAULT_BAND))  # type: ignore[call-overload]
        self.interval_minutes = max(0, int(load_value(settings, "ui/interval", 0)))  # type: ignore[call-overload]
        # Check NOAA: a scan also reads NOAA's listings (on by default; offline, availability is "unknown")
        self.check_noaa = bool(load_value(settings, "ui/check_noaa", 1))
        self.verify_frames = bool(load_value(settings, "ui/verify_frames", 0))

    def key(self) -> tuple[object, ...]:
        """The folder and archive (not the range): Auto-fetch restarts when this changes."""
        return (self.directory, self.view, self.satellite, self.sector, self.band, self.interval_minutes)

    def default_directory(self) -> Path:
        """The folder used while none is chosen: ``~/GOES/<satellite>/<sector>`` (``$GOESVFI_ARCHIVE_DIR``)."""
        if self.view is not None:
            return archive_root() / self.view.value / self.sector.value
        return default_archive_folder(self.satellite, self.sector)

    @property
    def archive_folder(self) -> str:
        """The folder commands use: the one chosen, else the per-user default (``~/GOES/goes19/conus``)."""
        return self.directory or str(self.default_directory())

    def is_new_default(self, directory: Path) -> bool:
        """``directory`` is the per-user default folder (no folder chosen), which may not exist before the first
        fetch."""
        return not self.directory and str(directory) == str(self.default_directory())

    def set_directory(self, directory: str) -> None:
        self.directory = directory
        save_values(self._settings, {"ui/directory": directory})
        self.changed.emit()

    def set_satellite(self, satellite: SatellitePattern | View) -> None:
        """A satellite, or GOES-East / GOES-West (then ``satellite`` is the one operational now; each slot comes
        from the satellite operational then)."""
        if isinstance(satellite, View):
            self.view = satellite
            self.satellite = operational(satellite, to_utc(self._now())) or self.satellite
        else:
            self.view, self.satellite = None, satellite
        save_values(self._settings, {"ui/satellite": satellite.value})
        self.changed.emit()

    def set_sector(self, sector: Sector) -> None:
        self.sector = sector
        save_values(self._settings, {"ui/sector": sector.value})
        self.changed.emit()

    def set_band(self, band: int) -> None:
        self.band = int(band)
        save_values(self._settings, {"ui/band": self.band})
        self.changed.emit()

    def set_interval(self, minutes: int) -> None:
        self.interval_minutes = max(0, int(minutes))
        save_values(self._settings, {"ui/interval": self.interval_minutes})
        self.changed.emit()

    def set_verify_frames(self, on: bool) -> None:
        self.verify_frames = bool(on)
        save_values(self._settings, {"ui/verify_frames": int(self.verify_frames)})
        self.changed.emit()

    def set_check_noaa(self, on: bool) -> None:
        self.check_noaa = bool(on)
        save_values(self._settings, {"ui/check_noaa": int(self.check_noaa)})
        self.changed.emit()

    def set_range(self, start: datetime, end: datetime) -> None:
        self.start, self.end = to_utc(start), to_utc(end)
        self.changed.emit()

    def apply(
        self,
        satellite: SatellitePattern | View | None = None,
        sector: Sector | None = None,
        band: int | None = None,
        interval_minutes: int | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> None:
        """Set the given inputs (None: keep)."""
        if satellite is not None:
            self.set_satellite(satellite)
        if sector is not None:
            self.set_sector(sector)
        if band is not None:
            self.set_band(band)
        if interval_minutes is not None:
            self.set_interval(interval_minutes)
        self.set_range(start or self.start, end or self.end)

    def set_last_hours(self, hours: float) -> None:
        """The range: the last ``hours`` up to now (minute precision)."""
        end = to_utc(self._now()).replace(second=0, microsecond=0)
        self.set_range(end - timedelta(hours=hours), end)

    def take_guess(self, guess: ArchiveGuess) -> list[str]:
        """Take a folder detection's satellite, sector and band (a satellite of the chosen view stays the view);
        what was found, as the log names it."""
        found = []
        in_view = self.view is not None and guess.satellite in {e.satellite for e in eras(self.view)}
        if guess.satellite is not None and guess.satellite is not self.satellite and not in_view:
            self.set_satellite(guess.satellite)
        if guess.satellite is not None:
            found.append(guess.satellite.display_name)
        if guess.sector is not None:
            self.set_sector(guess.sector)
            found.append(guess.sector.display_name)
        if guess.band is not None and 1 <= guess.band <= 16:
            self.set_band(guess.band)
            found.append(f"band {guess.band}")
        return found

    def query(self, start: datetime | None = None, end: datetime | None = None) -> ArchiveQuery | ViewQuery:
        """The archive query over the chosen range (or ``[start, end)``), a :class:`ViewQuery` for East or West;
        raises QueryError for bad input."""
        if self.view is not None:
            return ViewQuery(
                self.view, start or self.start, end or self.end, self.sector, self.band, self.interval_minutes
            )
        return ArchiveQuery(
            self.satellite, start or self.start, end or self.end, self.sector, self.band, self.interval_minutes
        )

    def scan_query(self, now: datetime) -> tuple[ArchiveQuery | ViewQuery | None, str]:
        """The query a scan runs, cut at ``now``, and the line to log about the cut ("" without one); (None, why
        not) when the inputs are not usable (:func:`~.messages.scan_query`)."""
        try:
            return messages.scan_query(self.query(), self.archive_folder, now)
        except QueryError as exc:
            return None, messages.sentence(str(exc))
