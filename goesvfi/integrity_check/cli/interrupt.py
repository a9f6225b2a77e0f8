"""Ctrl-C and SIGTERM for the one-shot commands (``scan``, ``report``, ``fetch``): stop within about 2 s.

:func:`run_interruptible` runs a command's coroutine on a fresh event loop with SIGINT and SIGTERM handlers:
the first signal cancels the coroutine (its ``finally`` blocks remove temp files and close the stores) and
waits at most :data:`GRACE` seconds for that; then :class:`Interrupted` is raised, which ``main`` turns into
one line on stderr and exit status 128 + the signal number (130 for Ctrl-C, 143 for SIGTERM). A second
signal leaves at once. Blocking work still running in a worker thread (a directory walk, a decode) is not
waited for: ``main`` ends the process without joining it, and the next run sweeps any temp file it left.

:func:`install_stop` is the long-running ``watch``'s way: a signal sets an event the loop waits on, and the
running cycle is cancelled cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

from goesvfi.integrity_check.runtime import PROG

T = TypeVar("T")
GRACE = 1.5
"""Seconds the cancelled coroutine gets to clean up after the first signal."""
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(Exception):
    """The command was stopped by a signal; ``exit_status`` is 128 + its number."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.exit_status = 128 + signum
        self.name = signal.Signals(signum).name
        super().__init__(f"interrupted by {self.name}")


def _leave_now(signum: int) -> None:
    print(f"{PROG}: {signal.Signals(signum).name} again: leaving now", file=sys.stderr, flush=True)
    os._exit(128 + signum)


def run_interruptible(coro: Coroutine[Any, Any, T], *, grace: float = GRACE) -> T:
    """``asyncio.run(coro)``, but SIGINT / SIGTERM cancel it and raise :class:`Interrupted` within ``grace`` s."""
    loop = asyncio.new_event_loop()
    main = loop.create_task(coro)
    given_up = loop.create_future()
    signalled: list[int] = []

    def on_signal(signum: int) -> None:
        if signalled:
            _leave_now(signum)
        signalled.append(signum)
        main.cancel()
        loop.call_later(grace, _give_up, given_up)

    restore = _install(loop, on_signal)
    try:
        loop.run_until_complete(asyncio.wait({main, given_up}, return_when=asyncio.FIRST_COMPLETED))
        if signalled:
            raise Interrupted(signalled[0])
        return main.result()
    finally:
        restore()
        if signalled:  # do not wait for worker threads: they may be deep in a walk or a decode
            rest = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in rest:
                task.cancel()
            if rest:  # a moment for the cancellations to run their finally blocks (bounded)
                loop.run_until_complete(asyncio.wait(rest, timeout=0.2))
            loop.close()
        else:
            try:
                _cancel_rest(loop)
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                loop.close()


def _give_up(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _cancel_rest(loop: asyncio.AbstractEventLoop) -> None:
    rest = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in rest:
        task.cancel()
    if rest:
        loop.run_until_complete(asyncio.gather(*rest, return_exceptions=True))


def _install(loop: asyncio.AbstractEventLoop, on_signal: Callable[[int], None]) -> Callable[[], None]:
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    try:
        for sig in SIGNALS:
            loop.add_signal_handler(sig, on_signal, sig)
    except (NotImplementedError, RuntimeError):  # Windows, or not the main thread: plain handlers
        with contextlib.suppress(ValueError):
            for sig in SIGNALS:
                signal.signal(sig, lambda signum, _frame: loop.call_soon_threadsafe(on_signal, signum))

        def restore_plain() -> None:
            with contextlib.suppress(ValueError):
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

        return restore_plain

    def restore() -> None:
        for sig in SIGNALS:
            loop.remove_signal_handler(sig)
        with contextlib.suppress(ValueError):
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    return restore


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """While inside, SIGTERM outside the event loop (parsing, printing) stops the command like Ctrl-C does;
    the previous handler comes back on the way out (``main`` may be called from a longer-lived program)."""

    def handler(signum: int, _frame: object) -> None:
        raise Interrupted(signum)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def finish(exc: Interrupted) -> int:
    """Print the one line and return the exit status; leave at once when worker threads would delay the exit."""
    print(
        f"{PROG}: interrupted by {exc.name}: stopped, no partial frame kept (exit {exc.exit_status})", file=sys.stderr
    )
    sys.stdout.flush()
    sys.stderr.flush()
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        os._exit(exc.exit_status)  # a worker thread still busy: joining it at exit could take long
    return exc.exit_status


def install_stop(stop: asyncio.Event) -> Callable[[], None]:
    """Ctrl-C and SIGTERM set ``stop``; returns the function that restores the previous handlers."""
    loop = asyncio.get_running_loop()
    signals = [signal.SIGINT, signal.SIGTERM]

    def on_signal(signum: int) -> None:
        if not stop.is_set():
            name = signal.Signals(signum).name
            print(f"{PROG}: {name}: stopping (a running cycle is cancelled, nothing partial is kept)", file=sys.stderr)
        stop.set()

    try:
        for sig in signals:
            loop.add_signal_handler(sig, on_signal, sig)
    except NotImplementedError:  # Windows: plain handlers, handed to the loop thread-safely
        previous = {sig: signal.getsignal(sig) for sig in signals}
        for sig in signals:
            signal.signal(sig, lambda signum, _frame: loop.call_soon_threadsafe(on_signal, signum))

        def restore_plain() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore_plain

    def restore() -> None:
        for sig in signals:
            loop.remove_signal_handler(sig)

    return restore
