"""Watching the helper's output for a moment before sleeping on it."""

from __future__ import annotations

import os
import select
import time

#: Caps the back-off at 2**MAX_MISSES - 1 = 63 waits slept through.
MAX_MISSES = 6


def usable_cpus() -> int:
    """How many CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class Watcher:
    """Watches a file descriptor for input with poll(2), without sleeping.

    Waking a thread that sleeps on an empty pipe can cost tens of
    microseconds on a virtual machine, several times a whole call; watching
    for up to ``spin`` seconds first spares it when the answer is quick.
    Watching pays only while the helper keeps up: a watch that sees nothing
    makes the next waits skip watching, twice as many after each further
    miss (1, 3, 7, ... 63), until input is waiting or comes while watching.
    With one usable CPU it never watches, since the helper could not run
    meanwhile.
    """

    __slots__ = ("_poll", "misses", "skip", "spin")

    def __init__(self, fd: int, spin: float) -> None:
        self.spin = spin if usable_cpus() > 1 else 0.0
        self.misses = 0  # watches in a row that saw nothing, up to MAX_MISSES
        self.skip = 0  # waits left to skip watching
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN)

    def watch(self) -> bool:
        """Whether the file has input (or has hung up) within the spin window."""
        if self.spin <= 0:
            return False
        poll = self._poll.poll
        if poll(0):
            self.misses = self.skip = 0
            return True
        if self.skip:
            self.skip -= 1
            return False
        end = time.perf_counter() + self.spin
        while not poll(0):
            if time.perf_counter() >= end:
                self.misses = min(self.misses + 1, MAX_MISSES)
                self.skip = (1 << self.misses) - 1
                return False
        self.misses = 0
        return True
