"""Ctrl-C and SIGTERM reach a Qt application: the standalone window and a host window (GOES-VFI) both use it."""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable

from PyQt6 import sip
from PyQt6.QtCore import QObject, QSocketNotifier, QTimer


def quit_on_signals(owner: QObject, action: Callable[[], None]) -> None:
    """On SIGINT or SIGTERM, run ``action`` (close the windows, cancel, close the cache) on the Qt thread.

    Python runs signal handlers only when it gets control, and Qt may idle in C++ for long: the signal's wakeup
    socket wakes a Qt notifier, which gives Python control. The sockets live as long as ``owner``.
    """
    receiver, sender = socket.socketpair()
    receiver.setblocking(False)
    sender.setblocking(False)
    signal.set_wakeup_fd(sender.fileno())
    notifier = QSocketNotifier(QSocketNotifier.Type.Read, owner)
    notifier.setSocket(sip.voidptr(receiver.fileno()))
    notifier.setEnabled(True)
    notifier.activated.connect(lambda *_args: receiver.recv(64))
    owner.setProperty("_integrity_signal_sockets", (receiver, sender))
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _signum, _frame: QTimer.singleShot(0, action))
