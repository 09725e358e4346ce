"""The thread-safe synchronous client."""

from __future__ import annotations

import os
import time
import weakref
from types import TracebackType
from typing import Any, TypeVar

from . import _calls
from ._bind import sync_method
from ._calls import Call, Op, Steps
from ._connection import Connection
from ._process import Process
from ._spawn import DEFAULT_SPIN, helper_argv

T = TypeVar("T")


class Client:
    """A sigrpc helper process and a thread-safe client for it.

    The helper is spawned at once (see ``find_helper`` for where it is
    looked for). Any number of threads may call methods at the same time;
    answers are matched to callers by id. Use it as a context manager, or call
    ``close()``; a client that is garbage collected also ends its helper.

    Every method takes a keyword-only ``rpc_timeout``: the most seconds to
    wait for the helper's answer (None, the default: no limit); past it the
    call raises TimeoutError and its late answer is dropped. ``timeout``,
    where a method has one, is how long to wait for the *process*.

    Args:
        command: the helper to run (a path, or a name on PATH).
        args: extra helper flags, such as ``["--descendants-only"]``.
        spin: in seconds (0 to 0.001), how long the helper watches its input
            after answering before it sleeps (its ``--spin``), and how long
            the client's reader watches the helper's output before it sleeps.
            Waking a sleeping process costs tens of microseconds on a
            virtual machine; when both sides watch, a call alone in flight
            costs none. Watching is bounded on both sides: it backs off when
            it does not pay, never takes more than a quarter of the time,
            and does not happen with fewer than two CPUs. Default 50 µs; 0
            turns it off; None leaves the helper's own default and the
            client does not watch.

    Raises:
        FileNotFoundError: the helper cannot be found.
        ValueError: spin is out of range.
    """

    def __init__(
        self,
        command: str | os.PathLike[str] | None = None,
        *,
        args: list[str] | tuple[str, ...] = (),
        spin: float | None = DEFAULT_SPIN,
    ) -> None:
        self._conn = Connection(helper_argv(command, args, spin), watch=spin or 0.0)
        self._finalizer = weakref.finalize(self, self._conn.close)

    @property
    def pid(self) -> int:
        """The helper's process id."""
        return self._conn.pid

    def close(self) -> None:
        """End every pending call (they raise HelperExited) and the helper.

        Later calls raise HelperExited too. Calling close again does nothing.
        """
        self._finalizer()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self, op: Op[T]) -> T:
        """Run an operation built by a definition of ``_calls``."""
        conn = self._conn
        if type(op) is Call:
            timeout = op.rpc_timeout
            deadline = None if timeout is None else time.monotonic() + timeout
            return op.convert(conn.call(op.method, op.params, deadline, timeout))
        assert isinstance(op, Steps)
        timeout = op.rpc_timeout
        deadline = None if timeout is None else time.monotonic() + timeout
        gen = op.gen
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                step = gen.send(value) if error is None else gen.throw(error)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            try:
                value = step.convert(conn.call(step.method, step.params, deadline, timeout))
                error = None
            except Exception as exc:  # the step's error is the generator's to handle
                value, error = None, exc

    call = sync_method(_calls.call)
    signum = sync_method(_calls.signum)
    kill = sync_method(_calls.kill)
    signals = sync_method(_calls.signals)
    signame = sync_method(_calls.signame)
    inspect = sync_method(_calls.inspect)
    wait = sync_method(_calls.wait)
    terminate = sync_method(_calls.terminate)
    children = sync_method(_calls.children)

    def process(self, pid: int, *, rpc_timeout: float | None = None) -> Process:
        """A handle on the process pid now is, pinned by its start time.

        Raises:
            ProcessLookupError: there is no such process.
            TypeError, OverflowError, ValueError: pid is not a positive C
                int; nothing was sent.
        """
        info = self._run(_calls.process(pid, rpc_timeout=rpc_timeout))
        return Process(self, _calls.check_process_id(pid), info.start_time)
