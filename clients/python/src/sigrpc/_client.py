"""The thread-safe synchronous client."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import threading
import weakref
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from types import TracebackType
from typing import IO, Any, TypeVar

from . import _calls
from ._calls import ProcessInfo, SignalLike, Termination
from ._errors import HelperExited, error_from_response
from ._spawn import StderrTail, encode_request, find_helper

T = TypeVar("T")

#: How long close() waits for the helper to exit before killing it.
CLOSE_GRACE_SECONDS = 2.0


class _Connection:
    """The helper process, its pipes, and the calls waiting for answers.

    It is separate from Client so that the reader threads do not keep the
    Client alive: a Client that is garbage collected shuts its helper down.
    """

    def __init__(self, argv: list[str]) -> None:
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.pending: dict[int, Future[Any]] = {}
        self.lock = threading.Lock()  # guards pending, dead and writes to stdin
        self.dead: HelperExited | None = None
        self.ids = itertools.count(1)
        self.stderr = StderrTail()
        self.stderr_done = threading.Event()
        threading.Thread(target=self._read_stdout, name="sigrpc-stdout", daemon=True).start()
        threading.Thread(target=self._read_stderr, name="sigrpc-stderr", daemon=True).start()

    def start(self, method: str, params: Any) -> tuple[int, Future[Any]]:
        """Send a request; return its id and the future of its result."""
        fut: Future[Any] = Future()
        with self.lock:
            if self.dead is not None:
                raise self.dead
            request_id = next(self.ids)
            self.pending[request_id] = fut
            try:
                stdin = self.proc.stdin
                assert stdin is not None
                stdin.write(encode_request(request_id, method, params))
                stdin.flush()
            except (BrokenPipeError, ValueError, OSError):
                del self.pending[request_id]
                raise self._exited() from None
        return request_id, fut

    def forget(self, request_id: int) -> None:
        """Drop a call that timed out; its late answer will be discarded."""
        with self.lock:
            self.pending.pop(request_id, None)

    def _read_stdout(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        for line in stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            for resp in msg if isinstance(msg, list) else [msg]:
                self._deliver(resp)
        self._fail_all()

    def _deliver(self, resp: dict[str, Any]) -> None:
        with self.lock:
            fut = self.pending.pop(resp.get("id"), None)  # type: ignore[arg-type]
        if fut is None:
            return
        if "error" in resp:
            fut.set_exception(error_from_response(resp["error"]))
        else:
            fut.set_result(resp.get("result"))

    def _read_stderr(self) -> None:
        stderr = self.proc.stderr
        assert stderr is not None
        while chunk := stderr.read1(4096):  # type: ignore[attr-defined]
            self.stderr.add(chunk)
        self.stderr_done.set()

    def _exited(self) -> HelperExited:
        """The error for calls once the helper is gone (call with lock held)."""
        if self.dead is None:
            self.stderr_done.wait(0.5)
            try:
                code = self.proc.wait(0.5)
            except subprocess.TimeoutExpired:
                code = None
            self.dead = HelperExited("the sigrpc helper exited", code, self.stderr.text())
        return self.dead

    def _fail_all(self) -> None:
        with self.lock:
            err = self._exited()
            pending, self.pending = self.pending, {}
        for fut in pending.values():
            fut.set_exception(err)

    def close(self) -> None:
        """End the helper: close stdin, wait, then kill. Idempotent."""
        with self.lock:
            if self.dead is None:
                self.dead = HelperExited("the client is closed")
            _close_quietly(self.proc.stdin)
        try:
            self.proc.wait(CLOSE_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._fail_all()
        _close_quietly(self.proc.stdout)
        _close_quietly(self.proc.stderr)


def _close_quietly(stream: IO[bytes] | None) -> None:
    if stream is not None:
        with contextlib.suppress(OSError):
            stream.close()


class Client:
    """A sigrpc helper process and a thread-safe client for it.

    The helper is spawned at once: ``command`` if given, else ``$SIGRPC_BIN``,
    else ``sigrpc`` on ``PATH``. Any number of threads may call methods at the
    same time; answers are matched to callers by id. Use it as a context
    manager, or call close(); a client that is garbage collected also ends its
    helper.

    Every method takes a keyword-only ``timeout`` in seconds (None: wait as
    long as it takes). A call that times out raises TimeoutError; its late
    answer is discarded.

    Raises:
        FileNotFoundError: the helper cannot be found.
    """

    def __init__(
        self,
        command: str | os.PathLike[str] | None = None,
        *,
        args: list[str] | tuple[str, ...] = (),
    ) -> None:
        argv = [find_helper(command), "--framing", "ndjson", *args]
        self._conn = _Connection(argv)
        self._finalizer = weakref.finalize(self, self._conn.close)

    @property
    def pid(self) -> int:
        """The helper's process id."""
        return self._conn.proc.pid

    def close(self) -> None:
        """End the helper cleanly (close its stdin, wait, kill if it lingers).

        Pending and later calls raise HelperExited. Calling close again does
        nothing.
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

    def _invoke(self, call: _calls.Call[T], timeout: float | None) -> T:
        request_id, fut = self._conn.start(call.method, call.params)
        try:
            result = fut.result(timeout)
        except FutureTimeout:
            self._conn.forget(request_id)
            raise TimeoutError(f"sigrpc {call.method} did not answer within {timeout}s") from None
        return call.convert(result)

    def call(self, method: str, params: dict[str, Any] | list[Any] | None = None, *,
             timeout: float | None = None) -> Any:
        """Call any method; return its result as decoded JSON."""
        return self._invoke(_calls.raw(method, params), timeout)

    def signum(self, name: SignalLike, *, timeout: float | None = None) -> int | None:
        """The number of a signal name (None if unknown here); a number comes back as is."""
        return self._invoke(_calls.signum(name), timeout)

    def kill(self, pid: int, sig: SignalLike = "TERM", *, start_time: str | None = None,
             timeout: float | None = None) -> None:
        """Send sig to pid, like os.kill.

        With start_time (from inspect), send only if the process still has it;
        otherwise ProcessLookupError, and nothing is sent.

        Raises:
            ProcessLookupError: no such process (ESRCH).
            PermissionError: not permitted (EPERM).
            OSError: another OS error, such as EINVAL for a bad signal number.
            ValueError: an unknown signal name.
            PolicyError: the helper's policy refused; nothing was sent.
        """
        self._invoke(_calls.kill(pid, sig, start_time), timeout)

    def signals(self, *, timeout: float | None = None) -> dict[str, int]:
        """Every signal name the helper's platform knows, with its number."""
        return self._invoke(_calls.signals(), timeout)

    def signame(self, number: int, *, exit_status: bool = False,
                timeout: float | None = None) -> str | None:
        """The canonical name of a signal number, or None.

        With exit_status, number is a shell exit status (143 -> "TERM").
        """
        return self._invoke(_calls.signame(number, exit_status), timeout)

    def inspect(self, pid: int, *, timeout: float | None = None) -> ProcessInfo:
        """What the system reports about pid (Linux). Raises ProcessLookupError if absent."""
        return self._invoke(_calls.inspect(pid), timeout)

    def wait(self, pid: int, seconds: float = 0.0, *, timeout: float | None = None) -> bool:
        """Wait up to seconds for pid to terminate (0: check once); True if it has.

        Works for any process, not only children; a zombie counts as terminated.
        """
        return self._invoke(_calls.wait(pid, _calls.millis(seconds)), timeout)

    def terminate(
        self,
        pid: int,
        sig: SignalLike = "TERM",
        *,
        grace: float = 5.0,
        escalate: SignalLike | None = "KILL",
        escalate_grace: float = 1.0,
        start_time: str | None = None,
        timeout: float | None = None,
    ) -> Termination:
        """Send sig, wait up to grace seconds, then send escalate and wait up to escalate_grace.

        Both signals go through one pidfd on Linux, so the escalation cannot hit
        a process that reused the pid. escalate=None never escalates.
        """
        call = _calls.terminate(pid, sig, _calls.millis(grace), escalate,
                                _calls.millis(escalate_grace), start_time)
        return self._invoke(call, timeout)
