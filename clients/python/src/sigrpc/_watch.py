"""Watching a pipe briefly before sleeping on it, within a budget.

A thread that sleeps in ``poll`` on the helper's output must be woken by
the kernel when the answer comes; on a virtual machine whose other CPU has
gone idle that costs tens of microseconds, several times the whole
exchange. The helper watches its input the same way (``--spin``), so a
call alone in flight costs no wake-up on either side when both watch.

The rules are the helper's (``internal/spinread``), but one: watch for at
most the window; after a watch that saw nothing, sleep at once on the next
wait, after two in a row on the next three, doubling up to 63; and never
watch with fewer than two CPUs, since the helper could not run meanwhile.
The helper also holds its watching to a quarter of the wall-clock time;
the client does not, since it watches only while a caller waits for its
own answer, which comes within microseconds of the helper reading the
request (bounding the client too made a call alone in flight twice as
slow, 35 µs instead of 18, on the project's 2-core machine).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

#: After this many watches in a row that saw nothing, the back-off stops
#: doubling: 2**6 - 1 = 63 waits are slept through.
MAX_MISSES = 6



def usable_cpus() -> int:
    """How many CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


class Watch:
    """Watches with ``poll(0)`` for up to a window. Owned by one thread at a
    time: the one reading (the connection's lock hands it over)."""

    def __init__(self, window: float) -> None:
        self._window = window if window > 0 and usable_cpus() >= 2 else 0.0
        self._misses = 0
        self._skip = 0

    @property
    def watches(self) -> bool:
        """Whether wait ever watches: a window, and two CPUs or more."""
        return self._window > 0

    def wait(self, poll: Callable[[int], list[Any]]) -> list[Any]:
        """Call ``poll(0)`` until it returns events or the window passes;
        return the events, or ``[]`` (then sleep in ``poll`` as usual)."""
        if self._window <= 0:
            return []
        if self._skip:
            self._skip -= 1
            return []
        end = time.monotonic() + self._window
        while True:
            if events := poll(0):
                self._misses = 0
                return events
            if time.monotonic() >= end:  # a whole window saw nothing: back off
                self._misses = min(self._misses + 1, MAX_MISSES)
                self._skip = (1 << self._misses) - 1
                return []
