"""A time limit for code run in a kernel's main thread: ``with TimeLimit(2): ...`` stops it after 2 s.

The self-check runs a learner's functions, and an endless loop must end in a
report line, not in a kernel that never answers.
"""

from __future__ import annotations

import signal
import threading
import time


class TimeLimitExceeded(BaseException):
    """A test ran past its time limit (a BaseException, so that ``except Exception`` does not swallow it)."""


class TimeLimit:
    """Stop the code inside after ``seconds``: ``with TimeLimit(2): ...`` raises TimeLimitExceeded.

    On POSIX a SIGALRM timer repeats every ``REPEAT`` seconds after the deadline, so
    code that catches the first stop is stopped again. Where there is no SIGALRM
    (Windows) a watchdog thread interrupts the main thread the same way, through
    a SIGINT handler that tells its own interrupts from the learner's Stop button.
    Outside the main thread signals cannot be handled: ``enforced`` is then False.
    """

    REPEAT = 0.5

    def __init__(self, seconds: float, use_alarm: bool | None = None):
        self.seconds = seconds
        in_main_thread = threading.current_thread() is threading.main_thread()
        self.use_alarm = hasattr(signal, "setitimer") if use_alarm is None else use_alarm
        self.enforced = in_main_thread
        self._active = False
        self._sent = 0
        self._handled = 0
        self._stop = threading.Event()
        self._watchdog: threading.Thread | None = None
        self._previous = None

    def __enter__(self) -> TimeLimit:
        if not self.enforced:
            return self
        self._active = True
        if self.use_alarm:
            self._previous = signal.signal(signal.SIGALRM, self._on_alarm)
            signal.setitimer(signal.ITIMER_REAL, self.seconds, self.REPEAT)
        else:
            import _thread  # noqa: PLC0415 - only this fallback needs it

            self._previous = signal.signal(signal.SIGINT, self._on_interrupt)
            self._watchdog = threading.Thread(target=self._watch, args=(_thread.interrupt_main,), daemon=True)
            self._watchdog.start()
        return self

    def __exit__(self, *exc_info) -> None:
        if not self.enforced:
            return
        self._active = False
        if self.use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)
            return
        self._stop.set()
        self._watchdog.join()
        deadline = time.monotonic() + 1.0
        while self._handled < self._sent and time.monotonic() < deadline:
            time.sleep(0.001)  # let the main thread take our own interrupts still pending
        signal.signal(signal.SIGINT, self._previous)

    def _on_alarm(self, signum, frame) -> None:
        if self._active:
            raise TimeLimitExceeded(self.seconds)

    def _watch(self, interrupt_main) -> None:
        waited = self.seconds
        while not self._stop.wait(waited):
            self._sent += 1
            interrupt_main(signal.SIGINT)
            waited = self.REPEAT

    def _on_interrupt(self, signum, frame) -> None:
        if self._handled < self._sent:
            self._handled += 1
            if self._active:
                raise TimeLimitExceeded(self.seconds)
            return
        raise KeyboardInterrupt
