"""Desktop notifications when a long scan or fetch ends: a system-tray message where the desktop has one."""

from __future__ import annotations

from PyQt6.QtCore import QObject, pyqtSignal
from PyQt6.QtGui import QIcon
from PyQt6.QtWidgets import QApplication, QSystemTrayIcon, QWidget


class Notifier(QObject):
    """Shows ``notify(title, message)`` as a tray message, or emits ``fallback`` for the status line."""

    fallback = pyqtSignal(str)  # "title: message" when no tray message can be shown
    shown = pyqtSignal(str, str)  # every notification, for logs and tests

    def __init__(self, window: QWidget, icon: QIcon | None = None) -> None:
        super().__init__(window)
        self._window = window
        self._icon = icon
        self._tray: QSystemTrayIcon | None = None

    @staticmethod
    def tray_available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages()

    def notify(self, title: str, message: str) -> None:
        self.shown.emit(title, message)
        window = self._window.window()
        if window is not None:
            QApplication.alert(window)  # flashes the task-bar entry when the window is in the background
        if not self.tray_available():
            self.fallback.emit(f"{title}: {message}")
            return
        if self._tray is None:
            icon = self._icon or (window.windowIcon() if window is not None else QIcon())
            self._tray = QSystemTrayIcon(icon, self)
            self._tray.setToolTip("GOES-VFI Integrity Check")
        self._tray.show()
        self._tray.showMessage(title, message, QSystemTrayIcon.MessageIcon.Information, 8000)
