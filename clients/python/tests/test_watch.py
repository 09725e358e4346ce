"""The client's watch: a window, and a back-off while watching does not pay."""

from __future__ import annotations

from typing import Any

import pytest

from sigrpc import _watch


def test_a_watch_returns_what_poll_sees(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_watch, "usable_cpus", lambda: 2)
    w = _watch.Watch(1e-3)
    calls: list[int] = []

    def poll(timeout: int) -> list[Any]:
        calls.append(timeout)
        return [(3, 1)] if len(calls) == 3 else []

    assert w.wait(poll) == [(3, 1)]
    assert calls == [0, 0, 0]  # it never sleeps in poll itself


def test_watching_backs_off_while_it_sees_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_watch, "usable_cpus", lambda: 2)
    w = _watch.Watch(1e-6)
    slept_through = []
    for _ in range(8):
        assert w.wait(lambda _t: []) == []  # a whole window sees nothing
        skipped = 0
        while w._skip:
            assert w.wait(lambda _t: pytest.fail("polled while backing off")) == []
            skipped += 1
        slept_through.append(skipped)
    assert slept_through == [1, 3, 7, 15, 31, 63, 63, 63]
    assert w.wait(lambda _t: [(3, 1)]) == [(3, 1)]  # input ends the back-off
    assert w._misses == 0


def test_no_watching_with_one_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_watch, "usable_cpus", lambda: 1)
    assert _watch.Watch(1e-3).wait(lambda _t: pytest.fail("watched with one CPU")) == []
