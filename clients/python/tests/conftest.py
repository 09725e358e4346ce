"""Fixtures: the helper binary built by the Makefile, and children to signal.

Tests signal only children they start here, or pid 2147483647, which no
process can have (Linux pids stop at 2**22).

Every result a client receives during a test is held to its method's result
schema from the helper's rpc.discover (``answers_fit_their_schemas``).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

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


#: The Pythons some tests also run in fresh interpreters of: the oldest
#: supported, and the newest tested.
OTHER_PYTHONS = ("3.10", "3.13")


@cache
def python(version: str) -> str | None:
    """An interpreter of version ("3.10"; "default" is this one), if one is
    installed: under ~/.pyenv/versions/ or as pythonX.Y on PATH."""
    if version == "default":
        return sys.executable
    pattern = os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/python{version}")
    candidates = sorted(glob.glob(pattern))
    candidates += [p for p in (shutil.which(f"python{version}"),) if p]
    for candidate in candidates:
        try:
            out = subprocess.run(
                [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True, text=True, timeout=20)
        except OSError:
            continue
        if out.stdout.strip() == version:
            return candidate
    return None


def need_python(version: str) -> str:
    """python(version), or skip the test when none is installed."""
    interpreter = python(version)
    if interpreter is None:
        pytest.skip(f"no Python {version} found (looked under ~/.pyenv/versions/ and on PATH)")
    return interpreter


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


@pytest.fixture(autouse=True)
def answers_fit_their_schemas(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Hold every result a Client, AsyncClient or process handle receives
    during the test to its method's result schema (openrpc.py); the test
    fails after it runs if one does not fit, even one met in another thread."""
    from openrpc import result_schemas  # imports this module

    from sigrpc._aio import AsyncClient
    from sigrpc._connection import Connection

    schemas = result_schemas()
    problems: list[str] = []
    sync_call, async_call = Connection.call, AsyncClient._call

    def call(self: Connection, method: str, params: Any, deadline: float | None,
             rpc_timeout: float | None) -> Any:
        result = sync_call(self, method, params, deadline, rpc_timeout)
        problems.extend(schemas.problems(method, result))
        return result

    async def acall(self: AsyncClient, method: str, params: Any, deadline: float | None,
                    rpc_timeout: float | None) -> Any:
        result = await async_call(self, method, params, deadline, rpc_timeout)
        problems.extend(schemas.problems(method, result))
        return result

    monkeypatch.setattr(Connection, "call", call)
    monkeypatch.setattr(AsyncClient, "_call", acall)
    yield
    assert not problems, "results that break their schemas:\n" + "\n".join(problems)
