"""The asyncio client."""

from __future__ import annotations

import asyncio
import itertools
import os
from types import TracebackType
from typing import IO, Any, TypeVar

from . import _calls
from ._calls import ProcessInfo, SignalLike, Termination
from ._client import CLOSE_GRACE_SECONDS
from ._errors import HelperExited, error_from_response
from ._spawn import DEFAULT_SPIN, StderrTail, helper_argv
from ._watch import Watcher
from ._wire import decode_responses, encode_request

T = TypeVar("T")

#: Queued requests that trigger an immediate write and a wait for the pipe.
OUTBOX_LIMIT = 1024


class _HelperProtocol(asyncio.SubprocessProtocol):
    """The helper's pipes as asyncio delivers them: answers are decoded and
    handed to their futures as they arrive, with no task in between."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self.rest = b""  # a partial answer line
        self.paused = False  # the pipe to the helper is full
        self.resumed: list[asyncio.Future[None]] = []
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        """Deliver the answers in data (stdout), or keep it (stderr)."""
        if fd == 1:
            self.answers(data)
        else:
            self.client._stderr.add(data)

    def answers(self, data: bytes) -> None:
        """Decode the complete lines of data and deliver them."""
        lines = (self.rest + data).split(b"\n")
        self.rest = lines.pop()
        if lines:
            for resp in decode_responses(lines):
                self.client._deliver(resp)

    def pause_writing(self) -> None:
        """The pipe to the helper is full: writers wait in drain."""
        self.paused = True

    def resume_writing(self) -> None:
        """The pipe to the helper has room again."""
        self.paused = False
        self._wake_writers()

    def connection_lost(self, exc: Exception | None) -> None:
        """The helper has exited and its pipes are drained: fail what is left."""
        self.client._on_exit()
        self._wake_writers()
        if not self.finished.done():
            self.finished.set_result(None)

    def _wake_writers(self) -> None:
        """Let every writer waiting in drain go on."""
        waiters, self.resumed = self.resumed, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def drain(self) -> None:
        """Wait while the pipe to the helper is full (or until it is gone)."""
        while self.paused and not self.finished.done():
            waiter = asyncio.get_running_loop().create_future()
            self.resumed.append(waiter)
            await waiter


class AsyncClient:
    """A sigrpc helper process and an asyncio client for it.

    Create it with ``await AsyncClient.start(...)`` or ``async with
    AsyncClient(...)``. The helper is ``command`` if given, else
    ``$SIGRPC_BIN``, else ``sigrpc`` on ``PATH``. Any number of tasks may call
    methods concurrently (``asyncio.gather`` of thousands is fine). The methods
    and their errors are those of Client.

    ``spin`` is how long, in seconds, each side watches the pipe for the
    other's next message before sleeping on it (0 to 1 ms; 0 sleeps at
    once). The helper watches its input. The client watches for an answer
    only after writing a call that is alone in flight and answers at once
    (not ``wait`` or ``terminate``): it then holds the event loop for that
    long at most, usually a few microseconds, and spares the loop its sleep
    and wake-up. Like Client, it backs off while watching sees nothing.
    """

    def __init__(
        self,
        command: str | os.PathLike[str] | None = None,
        *,
        args: list[str] | tuple[str, ...] = (),
        spin: float = DEFAULT_SPIN,
    ) -> None:
        self._argv = helper_argv(command, args, spin)
        self._spin = spin
        self._transport: asyncio.SubprocessTransport | None = None
        self._protocol: _HelperProtocol | None = None
        self._stdin: asyncio.WriteTransport | None = None
        self._stdout: IO[bytes] | None = None  # the pipe asyncio reads answers from
        self._watcher: Watcher | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)
        self._dead: HelperExited | None = None
        self._stderr = StderrTail()
        self._outbox: list[bytes] = []
        self._outbox_quick = False  # the first queued request answers at once

    @classmethod
    async def start(
        cls,
        command: str | os.PathLike[str] | None = None,
        *,
        args: list[str] | tuple[str, ...] = (),
        spin: float = DEFAULT_SPIN,
    ) -> AsyncClient:
        """Spawn the helper and return a client for it."""
        client = cls(command, args=args, spin=spin)
        await client._spawn()
        return client

    async def _spawn(self) -> None:
        if self._transport is not None:
            return
        loop = asyncio.get_running_loop()
        self._transport, self._protocol = await loop.subprocess_exec(
            lambda: _HelperProtocol(self),
            *self._argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdin = self._transport.get_pipe_transport(0)
        stdout = self._transport.get_pipe_transport(1)
        assert isinstance(stdin, asyncio.WriteTransport) and stdout is not None
        self._stdin = stdin
        self._stdout = stdout.get_extra_info("pipe")
        self._watcher = Watcher(self._stdout.fileno(), self._spin)

    @property
    def pid(self) -> int:
        """The helper's process id."""
        if self._transport is None:
            raise RuntimeError("the client is not started")
        return self._transport.get_pid()

    async def __aenter__(self) -> AsyncClient:
        await self._spawn()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """End the helper cleanly (close stdin, wait, kill if it lingers). Idempotent.

        Pending and later calls raise HelperExited.
        """
        if self._dead is None:
            self._dead = HelperExited("the client is closed")
        transport, protocol = self._transport, self._protocol
        if transport is None or protocol is None:
            return
        self._flush()  # calls already made still go out and are answered
        if self._stdin is not None and not self._stdin.is_closing():
            self._stdin.close()
        try:
            await asyncio.wait_for(asyncio.shield(protocol.finished), CLOSE_GRACE_SECONDS)
        except TimeoutError:
            transport.kill()
            await protocol.finished
        transport.close()
        self._fail_all()

    def _on_exit(self) -> None:
        """The helper is gone: every pending and later call fails."""
        if self._dead is None:
            assert self._transport is not None
            self._dead = HelperExited(
                "the sigrpc helper exited", self._transport.get_returncode(), self._stderr.text()
            )
        self._fail_all()

    def _deliver(self, resp: dict[str, Any]) -> None:
        fut = self._pending.pop(resp.get("id"), None)  # type: ignore[arg-type]
        if fut is None or fut.done():
            return
        if "error" in resp:
            fut.set_exception(error_from_response(resp["error"]))
        else:
            fut.set_result(resp.get("result"))

    def _fail_all(self) -> None:
        assert self._dead is not None
        pending, self._pending = self._pending, {}
        for fut in pending.values():
            if not fut.done():
                fut.set_exception(self._dead)

    async def _invoke(self, call: _calls.Call[T], timeout: float | None) -> T:
        if self._dead is not None:
            raise self._dead
        if self._transport is None:
            await self._spawn()
        request_id = next(self._ids)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        self._pending[request_id] = fut
        self._outbox.append(encode_request(request_id, call.method, call.params))
        if len(self._outbox) == 1:
            self._outbox_quick = call.method in _calls.QUICK_METHODS
            loop.call_soon(self._flush)  # one write for every call made this tick
        elif len(self._outbox) >= OUTBOX_LIMIT:
            self._flush()
            assert self._protocol is not None
            await self._protocol.drain()
        try:
            result = await asyncio.wait_for(fut, timeout) if timeout is not None else await fut
        except TimeoutError:
            self._pending.pop(request_id, None)
            raise TimeoutError(f"sigrpc {call.method} did not answer within {timeout}s") from None
        return call.convert(result)

    def _await_in_place(self) -> None:
        """Watch for the answer before the loop sleeps, and deliver it if it comes.

        Reads what the helper wrote and delivers it as the loop would have;
        its caller's task then runs on the loop's next turn, and the loop
        never sleeps waiting for the answer.
        """
        assert self._watcher and self._protocol and self._stdout
        if self._stdout.closed:  # asyncio saw the end: its fd may be another file's now
            return
        if not self._watcher.watch():
            return
        try:
            data = os.read(self._stdout.fileno(), 1 << 16)
        except OSError:  # not readable after all: the loop will see to it
            return
        if data:  # at the end of output the loop sees the end too, and fails the calls
            self._protocol.answers(data)

    def _flush(self) -> None:
        """Write every queued request in one go.

        A quick call alone in flight is then awaited in place.
        """
        if not self._outbox:
            return
        alone = len(self._outbox) == 1 and len(self._pending) == 1 and self._outbox_quick
        data, self._outbox = b"".join(self._outbox), []
        if self._stdin is not None and not self._stdin.is_closing():
            self._stdin.write(data)
            if alone:
                self._await_in_place()

    async def call(self, method: str, params: dict[str, Any] | list[Any] | None = None, *,
                   timeout: float | None = None) -> Any:
        """Call any method; return its result as decoded JSON."""
        return await self._invoke(_calls.raw(method, params), timeout)

    async def signum(self, name: SignalLike, *, timeout: float | None = None) -> int | None:
        """See Client.signum."""
        return await self._invoke(_calls.signum(name), timeout)

    async def kill(self, pid: int, sig: SignalLike = "TERM", *, start_time: str | None = None,
                   timeout: float | None = None) -> None:
        """See Client.kill."""
        await self._invoke(_calls.kill(pid, sig, start_time), timeout)

    async def signals(self, *, timeout: float | None = None) -> dict[str, int]:
        """See Client.signals."""
        return await self._invoke(_calls.signals(), timeout)

    async def signame(self, number: int, *, exit_status: bool = False,
                      timeout: float | None = None) -> str | None:
        """See Client.signame."""
        return await self._invoke(_calls.signame(number, exit_status), timeout)

    async def inspect(self, pid: int, *, timeout: float | None = None) -> ProcessInfo:
        """See Client.inspect."""
        return await self._invoke(_calls.inspect(pid), timeout)

    async def wait(self, pid: int, seconds: float = 0.0, *,
                   timeout: float | None = None) -> bool:
        """See Client.wait."""
        return await self._invoke(_calls.wait(pid, _calls.millis(seconds)), timeout)

    async def terminate(
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
        """See Client.terminate."""
        call = _calls.terminate(pid, sig, _calls.millis(grace), escalate,
                                _calls.millis(escalate_grace), start_time)
        return await self._invoke(call, timeout)
