"""Fixtures: the helper binary built by the Makefile, and children to signal.

Tests signal only children they start here, or pid 2147483647, which no
process can have (Linux pids stop at 2**22).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ABSENT_PID = 2147483647

Spawn = Callable[..., "subprocess.Popen[bytes]"]


def _helper() -> str:
    path = os.environ.get("SIGRPC_BIN") or str(ROOT / "bin" / "sigrpc")
    if not os.access(path, os.X_OK):
        pytest.exit(f"no sigrpc helper at {path}: run `make build` (or set SIGRPC_BIN)", 2)
    return path


HELPER = _helper()
os.environ["SIGRPC_BIN"] = HELPER


def wait_until(condition: Callable[[], object], seconds: float = 10, what: str = "") -> None:
    """Poll condition every millisecond until it holds; fail after seconds."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what or condition}"
        time.sleep(0.001)


def run_threads(pool: list[threading.Thread], seconds: float) -> None:
    """Start the threads and join them all; fail if one is still running after seconds."""
    for t in pool:
        t.start()
    deadline = time.monotonic() + seconds
    for t in pool:
        t.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in pool), "a caller was left waiting"


@pytest.fixture
def helper() -> str:
    """The helper binary under test."""
    return HELPER


@pytest.fixture
def spawn() -> Iterator[Spawn]:
    """Start children (default: a long sleep); kill and reap them afterwards."""
    children: list[subprocess.Popen[bytes]] = []

    def start(*argv: str, **kwargs: object) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(list(argv) or ["sleep", "60"], **kwargs)  # type: ignore[call-overload]
        children.append(proc)
        return proc  # type: ignore[no-any-return]

    yield start
    for proc in children:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


@pytest.fixture
def child(spawn: Spawn) -> subprocess.Popen[bytes]:
    """One long-sleeping child."""
    return spawn()
