"""Process handles: a pid pinned to one process by its start time.

The handle's operations are defined once here, as functions taking the
handle first (see ``_calls``); ``Process`` and ``AsyncProcess`` run them
through their client.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from . import _calls
from ._bind import handle_async_method, handle_sync_method
from ._calls import (
    DURATION,
    FLAG,
    OPTIONAL_SIGNAL,
    SIGNAL,
    WAIT_TIMEOUT,
    Arg,
    Call,
    SignalLike,
    Steps,
)
from ._errors import TimeoutExpired

if TYPE_CHECKING:
    from ._aio import AsyncClient
    from ._client import Client
    from ._results import ProcessInfo, Termination

#: /proc states of a process that has terminated (zombie, dead).
_GONE_STATES = frozenset({"Z", "X", "x"})


class _Identity(Protocol):
    @property
    def pid(self) -> int: ...

    @property
    def start_time(self) -> str: ...


def _gone() -> ProcessLookupError:
    exc = ProcessLookupError(errno.ESRCH, os.strerror(errno.ESRCH))
    exc.reason = "start_time mismatch"  # type: ignore[attr-defined]
    return exc


def _running(proc: _Identity) -> Generator[Call[Any], Any, bool]:
    try:
        info = yield _calls.inspect(proc.pid)
    except ProcessLookupError:
        return False
    return bool(info.start_time == proc.start_time and info.state not in _GONE_STATES)


def is_running(proc: _Identity, *, rpc_timeout: float | None = None) -> Steps[bool]:
    """Whether the process still runs: its pid names a process with the
    captured start time, and that process is not a zombie.

    Unlike psutil, a zombie (exited, not yet reaped) is not running.
    """
    return Steps(_running(proc), rpc_timeout)


def send_signal(proc: _Identity, signal: SignalLike, *,
                rpc_timeout: float | None = None) -> Call[None]:
    """Send signal to the process, and only to it: if its pid now names
    another process, raise ProcessLookupError and send nothing.

    Raises:
        as ``Client.kill``.
    """
    return _calls.kill(proc.pid, signal, start_time=proc.start_time, rpc_timeout=rpc_timeout)


def terminate(proc: _Identity, *, rpc_timeout: float | None = None) -> Call[None]:
    """Send SIGTERM (see send_signal)."""
    return send_signal(proc, "TERM", rpc_timeout=rpc_timeout)


def kill(proc: _Identity, *, rpc_timeout: float | None = None) -> Call[None]:
    """Send SIGKILL (see send_signal)."""
    return send_signal(proc, "KILL", rpc_timeout=rpc_timeout)


def wait(proc: _Identity, timeout: float | None = None, *,
         rpc_timeout: float | None = None) -> Steps[None]:
    """Return once the process has exited (a zombie counts); wait at most
    timeout seconds (None: as long as it takes).

    Raises:
        TimeoutExpired: it still runs after timeout seconds.
        TypeError, ValueError: timeout is not None or a finite number of
            seconds >= 0; nothing was sent.
    """
    chunks = _calls.wait_chunks(timeout)
    return Steps(_wait(proc, chunks, timeout), rpc_timeout)


def _wait(proc: _Identity, chunks: Iterator[int],
          timeout: float | None) -> Generator[Call[Any], Any, None]:
    # Each wait request pins whatever process has the pid when it starts, so
    # check first (and before each further request) that it is still ours.
    for ms in chunks:
        if not (yield from _running(proc)):
            return
        if (yield _calls.wait_call(proc.pid, ms)):
            return
    raise TimeoutExpired(proc.pid, timeout)


def stop(
    proc: _Identity,
    timeout: float = _calls.TERMINATE_TIMEOUT,
    escalate: SignalLike | None = "KILL",
    tree: bool = False,
    *,
    signal: SignalLike = "TERM",
    escalate_timeout: float = _calls.ESCALATE_TIMEOUT,
    rpc_timeout: float | None = None,
) -> Call[Termination]:
    """Send signal (SIGTERM), wait up to timeout seconds, then send escalate
    (unless None) and wait up to escalate_timeout: the helper's ``terminate``,
    pinned to this process. With tree, its whole tree of descendants too
    (needs a helper with ``terminate(tree)``). Returns a ``Termination``.

    Raises:
        ProcessLookupError: the pid names another process now; nothing sent.
        TypeError, ValueError, OverflowError: as ``Client.terminate``, for
            a bad argument; nothing sent.
    """
    return _calls.terminate(proc.pid, signal, timeout=timeout, escalate=escalate,
                            escalate_timeout=escalate_timeout, start_time=proc.start_time,
                            tree=tree, rpc_timeout=rpc_timeout)


def info(proc: _Identity, *, rpc_timeout: float | None = None) -> Steps[ProcessInfo]:
    """What the system reports about the process now (``inspect``).

    Raises:
        ProcessLookupError: it has gone, or its pid names another process.
    """
    return Steps(_info(proc), rpc_timeout)


def _info(proc: _Identity) -> Generator[Call[Any], Any, ProcessInfo]:
    found: ProcessInfo = yield _calls.inspect(proc.pid)
    if found.start_time != proc.start_time:
        raise _gone()
    return found


#: The kind of every argument of every handle method but the handle itself
#: and ``rpc_timeout``, as ``_calls.ARGS`` for the clients' methods.
ARGS: dict[str, dict[str, Arg]] = {
    "is_running": {},
    "send_signal": {"signal": SIGNAL},
    "terminate": {},
    "kill": {},
    "wait": {"timeout": WAIT_TIMEOUT},
    "stop": {"timeout": DURATION, "escalate": OPTIONAL_SIGNAL, "tree": FLAG, "signal": SIGNAL,
             "escalate_timeout": DURATION},
    "info": {},
}


class _Handle:
    __slots__ = ("_client", "_pid", "_start_time")

    def __init__(self, client: Any, pid: int, start_time: str) -> None:
        self._client = client
        self._pid = pid
        self._start_time = start_time

    @property
    def pid(self) -> int:
        """The process id."""
        return self._pid

    @property
    def start_time(self) -> str:
        """The start time captured when the handle was made (with the pid, the
        process's identity)."""
        return self._start_time

    def __repr__(self) -> str:
        return f"sigrpc.{type(self).__name__}(pid={self._pid}, start_time={self._start_time!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Handle):
            return NotImplemented
        return (self._pid, self._start_time) == (other._pid, other._start_time)

    def __hash__(self) -> int:
        return hash((self._pid, self._start_time))


class Process(_Handle):
    """One process, pinned by its pid and start time (``Client.process(pid)``).

    Every signal it sends carries the captured start time, so once the
    process has gone and its pid names another process, ``send_signal``
    raises ProcessLookupError and sends nothing. Modelled on
    ``psutil.Process``. Every method takes a keyword-only ``rpc_timeout``.
    """

    __slots__ = ()

    def __init__(self, client: Client, pid: int, start_time: str) -> None:
        super().__init__(client, pid, start_time)

    def _run(self, op: _calls.Op[Any]) -> Any:
        return self._client._run(op)

    is_running = handle_sync_method(is_running)
    send_signal = handle_sync_method(send_signal)
    terminate = handle_sync_method(terminate)
    kill = handle_sync_method(kill)
    wait = handle_sync_method(wait)
    stop = handle_sync_method(stop)
    info = handle_sync_method(info)


class AsyncProcess(_Handle):
    """Process for AsyncClient (``await client.process(pid)``): the same
    methods, awaited."""

    __slots__ = ()

    def __init__(self, client: AsyncClient, pid: int, start_time: str) -> None:
        super().__init__(client, pid, start_time)

    def _run(self, op: _calls.Op[Any]) -> Any:
        return self._client._run(op)

    is_running = handle_async_method(is_running)
    send_signal = handle_async_method(send_signal)
    terminate = handle_async_method(terminate)
    kill = handle_async_method(kill)
    wait = handle_async_method(wait)
    stop = handle_async_method(stop)
    info = handle_async_method(info)
