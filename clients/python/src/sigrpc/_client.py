"""The thread-safe synchronous client."""

from __future__ import annotations

import contextlib
import itertools
import os
import select
import subprocess
import threading
import time
import weakref
from types import TracebackType
from typing import IO, Any, TypeVar

from . import _calls
from ._calls import ProcessInfo, SignalLike, Termination
from ._errors import HelperExited, error_from_response
from ._spawn import DEFAULT_SPIN, StderrTail, helper_argv
from ._watch import Watcher
from ._wire import decode_responses, encode_request

T = TypeVar("T")

#: How long close() waits for the helper to exit before killing it.
CLOSE_GRACE_SECONDS = 2.0


class _Slot:
    """Where one call's answer lands, and how its caller is woken.

    Guarded by the connection's lock. A caller that must sleep first arms
    ``signal``, a lock it holds, and sleeps on it; wake releases it, so
    waking one caller disturbs no other. A caller that reads its own answer
    never sleeps, and never needs a signal.
    """

    __slots__ = ("done", "error", "result", "signal", "woken")

    def __init__(self) -> None:
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self.signal: threading.Lock | None = None
        self.woken = False

    def arm(self) -> threading.Lock:
        """The signal to sleep on, made on first use (held, not woken)."""
        if self.signal is None:
            self.signal = threading.Lock()
            self.signal.acquire()
        return self.signal

    def set(self, result: Any, error: BaseException | None) -> None:
        """Record the answer and wake the caller."""
        self.result, self.error, self.done = result, error, True
        self.wake()

    def wake(self) -> None:
        """Wake the caller if it sleeps, or make its next sleep return at once."""
        if not self.woken:
            self.woken = True
            if self.signal is not None:
                self.signal.release()

    def rearm(self) -> None:
        """Undo a wake-up, so that the caller can sleep again.

        The caller's sleep may already have taken the signal back; either way
        it ends held, without blocking.
        """
        if self.woken:
            if self.signal is not None:
                self.signal.acquire(blocking=False)
            self.woken = False


class _Connection:
    """The helper process, its pipes, and the calls waiting for answers.

    There is no reader thread: a caller waiting for its answer becomes the
    reader while no one else is reading, and delivers every answer it reads
    to its caller, waking that caller alone; when its own answer has come,
    it wakes one waiting caller to read next. One call in flight thus costs
    no thread switch. The connection is separate from Client so that a
    Client that is garbage collected can shut its helper down.
    """

    def __init__(self, argv: list[str], spin: float) -> None:
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert self.proc.stdout is not None and self.proc.stdin is not None
        self.fd = self.proc.stdout.fileno()
        self.stdin_fd = self.proc.stdin.fileno()  # -1 once closed; guarded by write_lock
        self.watcher = Watcher(self.fd, spin)
        self.lock = threading.Lock()  # guards pending, dead, reading and every _Slot
        self.write_lock = threading.Lock()
        self.pending: dict[int, _Slot] = {}
        self.dead: HelperExited | None = None
        self.reading = False
        self.closing = False  # close() has run; the last reader closes stdout
        self.buffer = b""
        self.ids = itertools.count(1)
        self.stderr = StderrTail()
        self.stderr_done = threading.Event()
        threading.Thread(target=self._read_stderr, name="sigrpc-stderr", daemon=True).start()

    def call(self, method: str, params: Any, timeout: float | None) -> Any:
        """Send a request and return its result, raising its error.

        Raises:
            TimeoutError: no answer within timeout seconds; a late answer is
                discarded.
        """
        request_id, slot = self._send(method, params)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self.lock:
                slot.rearm()
                if slot.done:
                    break
                lead = not self.reading
                self.reading = True
                signal = None if lead else slot.arm()
            if signal is None:
                self._lead(slot, deadline, method in _calls.QUICK_METHODS)
                if slot.done:  # the usual end: it read its own answer
                    break
            elif deadline is None:
                signal.acquire()
            else:
                signal.acquire(timeout=max(0.0, deadline - time.monotonic()))
            if deadline is not None and time.monotonic() >= deadline:
                with self.lock:
                    slot.rearm()
                    if not slot.done:
                        self.pending.pop(request_id, None)
                        self._pass_lead()
                        raise TimeoutError(f"sigrpc {method} did not answer within {timeout}s")
                break
        if slot.error is not None:
            raise slot.error
        return slot.result

    def _send(self, method: str, params: Any) -> tuple[int, _Slot]:
        fut = _Slot()
        with self.lock:
            if self.dead is not None:
                raise self.dead
            request_id = next(self.ids)
            self.pending[request_id] = fut
        data = encode_request(request_id, method, params)
        try:
            with self.write_lock:
                if self.stdin_fd >= 0:  # unbuffered: one write(2), no flush
                    written = os.write(self.stdin_fd, data)
                    if written < len(data):
                        rest = memoryview(data)[written:]
                        while rest:
                            rest = rest[os.write(self.stdin_fd, rest):]
        except OSError:
            pass  # broken: the reader finds the helper gone and fails the call
        return request_id, fut

    def _lead(self, slot: _Slot, deadline: float | None, watch: bool) -> None:
        """Read and deliver answers until slot is done or the deadline passes,
        then hand the reading on to a waiting caller. With watch, watch the
        pipe before each read that would sleep."""
        try:
            self._read_until(slot, deadline, watch)
        finally:
            with self.lock:
                self.reading = False
                self._pass_lead()
                closing = self.closing
            if closing:  # close() left the pipe to its last reader
                _close_quietly(self.proc.stdout)

    def _pass_lead(self) -> None:
        """Wake the oldest waiting caller to read, if no one is (lock held)."""
        if not self.reading and self.pending:
            next(iter(self.pending.values())).wake()

    def _read_until(self, fut: _Slot, deadline: float | None, watch: bool) -> None:
        while not fut.done:
            # Without a deadline, read sleeps until there is input.
            if not (watch and self.watcher.watch()) and deadline is not None:
                remaining = max(0.0, deadline - time.monotonic())
                if not select.select([self.fd], [], [], remaining)[0]:
                    return
            try:
                data = os.read(self.fd, 1 << 16)
            except OSError:
                data = b""
            if not data:
                self._fail_all()
                return
            lines = (self.buffer + data).split(b"\n")
            self.buffer = lines.pop()
            responses = decode_responses(lines) if lines else []
            with self.lock:
                for resp in responses:
                    self._deliver(resp)

    def _deliver(self, resp: dict[str, Any]) -> None:
        """Hand one response to its caller and wake it (lock held)."""
        fut = self.pending.pop(resp.get("id"), None)  # type: ignore[arg-type]
        if fut is None:
            return
        if "error" in resp:
            fut.set(None, error_from_response(resp["error"]))
        else:
            fut.set(resp.get("result"), None)

    def _read_stderr(self) -> None:
        stderr = self.proc.stderr
        assert stderr is not None
        while chunk := stderr.read1(4096):  # type: ignore[attr-defined]
            self.stderr.add(chunk)
        self.stderr_done.set()

    def _fail_all(self) -> None:
        """Fail every pending call: the helper is gone."""
        with self.lock:
            if self.dead is None:
                self.stderr_done.wait(0.5)
                try:
                    code: int | None = self.proc.wait(0.5)
                except subprocess.TimeoutExpired:
                    code = None
                self.dead = HelperExited("the sigrpc helper exited", code, self.stderr.text())
            pending, self.pending = self.pending, {}
            for fut in pending.values():
                fut.set(None, self.dead)

    def close(self) -> None:
        """End the helper: close stdin, wait, then kill. Idempotent."""
        with self.lock:
            if self.dead is None:
                self.dead = HelperExited("the client is closed")
        with self.write_lock:
            self.stdin_fd = -1
            _close_quietly(self.proc.stdin)
        try:
            self.proc.wait(CLOSE_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._fail_all()
        # A reader may still be about to read: closing the pipe under it
        # would free its fd for another file, so the reader closes it then.
        with self.lock:
            self.closing = True
            reading = self.reading
        if not reading:
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
    same time; answers are matched to callers by id, and whichever caller is
    waiting reads them, so there is no reader thread to switch to. Use it as a context
    manager, or call close(); a client that is garbage collected also ends its
    helper.

    Every method takes a keyword-only ``timeout`` in seconds (None: wait as
    long as it takes). A call that times out raises TimeoutError; its late
    answer is discarded.

    ``spin`` is how long, in seconds, each side watches the pipe for the
    other's next message before sleeping on it (0 to 1 ms; 0 sleeps at
    once). Waking a sleeping process can cost tens of microseconds, several
    times a whole call; watching costs CPU only while nothing arrives.

    Raises:
        FileNotFoundError: the helper cannot be found.
        ValueError: spin is out of range.
    """

    def __init__(
        self,
        command: str | os.PathLike[str] | None = None,
        *,
        args: list[str] | tuple[str, ...] = (),
        spin: float = DEFAULT_SPIN,
    ) -> None:
        self._conn = _Connection(helper_argv(command, args, spin), spin)
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
        return call.convert(self._conn.call(call.method, call.params, timeout))

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
