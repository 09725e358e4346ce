"""The asyncio client.

How answers are read: the event loop's own subprocess transport reads the
helper's pipes and calls ``_HelperProtocol.pipe_data_received``, which
decodes the answers and sets each call's future. There is no reader task
and no polling: the loop sleeps until the pipe has data. Requests made in
one turn of the loop go out in one write.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import time
from types import TracebackType
from typing import Any, TypeVar

from . import _calls
from ._bind import async_method
from ._calls import Call, Op, Steps
from ._connection import CLOSE_GRACE_SECONDS
from ._errors import HelperExited, error_from_response
from ._process import AsyncProcess
from ._spawn import StderrTail, helper_argv
from ._wire import decode_responses, encode_request

T = TypeVar("T")

#: Queued requests that trigger an immediate write and a wait for the pipe.
OUTBOX_LIMIT = 1024


class _HelperProtocol(asyncio.SubprocessProtocol):
    """The helper's pipes as asyncio delivers them."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self.rest = b""  # a partial answer line
        self.paused = False  # the pipe to the helper is full
        self.resumed: list[asyncio.Future[None]] = []
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        """Deliver the answers in data (stdout), or keep it (stderr)."""
        if fd == 1:
            lines = (self.rest + data).split(b"\n")
            self.rest = lines.pop()
            if lines:
                self.client._deliver(decode_responses(lines))
        else:
            self.client._stderr.add(data)

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
    AsyncClient(...) as c``; the arguments are those of Client. Any number of
    tasks may call methods concurrently (``asyncio.gather`` of thousands is
    fine); a client belongs to the event loop that started it. The methods,
    their ``rpc_timeout`` and their errors are those of Client, awaited.
    Arguments are checked when a method is called, before it is awaited.
    ``spin`` defaults to 0 here: an event loop never busy-waits, and a
    helper that watches for a client that does not only takes its CPU.
    """

    def __init__(
        self,
        command: str | os.PathLike[str] | None = None,
        *,
        args: list[str] | tuple[str, ...] = (),
        spin: float | None = 0.0,
    ) -> None:
        self._argv = helper_argv(command, args, spin)
        self._transport: asyncio.SubprocessTransport | None = None
        self._protocol: _HelperProtocol | None = None
        self._stdin: asyncio.WriteTransport | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._unanswered = 0  # requests written whose answers have not been read
        self._ids = itertools.count(1)
        self._closed = False
        self._dead: HelperExited | None = None
        self._stderr = StderrTail()
        self._outbox: list[bytes] = []
        self._starting: asyncio.Future[None] | None = None

    @classmethod
    async def start(
        cls,
        command: str | os.PathLike[str] | None = None,
        *,
        args: list[str] | tuple[str, ...] = (),
        spin: float | None = 0.0,
    ) -> AsyncClient:
        """Spawn the helper and return a client for it."""
        client = cls(command, args=args, spin=spin)
        await client._spawn()
        return client

    async def _spawn(self) -> None:
        """Start the helper, once, however many first calls await it together."""
        if self._transport is not None:
            return
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._start_helper())
        await asyncio.shield(self._starting)

    async def _start_helper(self) -> None:
        loop = asyncio.get_running_loop()
        self._transport, self._protocol = await loop.subprocess_exec(
            lambda: _HelperProtocol(self),
            *self._argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdin = self._transport.get_pipe_transport(0)
        assert isinstance(stdin, asyncio.WriteTransport)
        self._stdin = stdin

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
        """End every pending call (they raise HelperExited) and the helper.

        Closes the helper's stdin; if it had requests to finish, also sends
        it SIGTERM, which makes it cancel them; waits up to 2 s for it to
        exit, then kills it. Later calls raise HelperExited. Idempotent.
        """
        if self._closed:
            return
        self._closed = True
        self._fail(HelperExited("the client is closed"))
        self._outbox.clear()
        transport, protocol = self._transport, self._protocol
        if transport is None or protocol is None:
            return
        if self._stdin is not None and not self._stdin.is_closing():
            self._stdin.close()
        if self._unanswered > 0 and transport.get_returncode() is None:
            with contextlib.suppress(ProcessLookupError):
                transport.terminate()
        try:
            await asyncio.wait_for(asyncio.shield(protocol.finished), CLOSE_GRACE_SECONDS)
        except asyncio.TimeoutError:  # not the builtin TimeoutError on 3.10
            with contextlib.suppress(ProcessLookupError):
                transport.kill()
            await protocol.finished
        transport.close()

    def _on_exit(self) -> None:
        """The helper is gone: every pending and later call fails."""
        assert self._transport is not None
        self._fail(HelperExited(
            "the sigrpc helper exited", self._transport.get_returncode(), self._stderr.text()
        ))

    def _fail(self, error: HelperExited) -> None:
        if self._dead is None:
            self._dead = error
        pending, self._pending = self._pending, {}
        for fut in pending.values():
            if not fut.done():
                fut.set_exception(self._dead)

    def _deliver(self, responses: list[dict[str, Any]]) -> None:
        self._unanswered -= len(responses)
        pending = self._pending
        for resp in responses:
            fut = pending.pop(resp.get("id"), None)  # type: ignore[arg-type]
            if fut is None or fut.done():
                continue  # timed out or cancelled: the answer is dropped
            if "error" in resp:
                error = resp["error"]
                fut.set_exception(error_from_response(error if isinstance(error, dict) else {}))
            else:
                fut.set_result(resp.get("result"))

    def _flush(self) -> None:
        """Write every queued request in one go."""
        if not self._outbox:
            return
        data, self._outbox = b"".join(self._outbox), []
        if self._stdin is not None and not self._stdin.is_closing():
            self._stdin.write(data)

    def _expire(self, request_id: int, method: str, rpc_timeout: float | None) -> None:
        fut = self._pending.pop(request_id, None)
        if fut is not None and not fut.done():
            fut.set_exception(
                TimeoutError(f"sigrpc {method}: no answer within rpc_timeout={rpc_timeout}s")
            )

    async def _call(self, method: str, params: Any, deadline: float | None,
                    rpc_timeout: float | None) -> Any:
        """Send a request and await its result (deadline: a time.monotonic())."""
        if self._dead is not None:
            raise self._dead
        if self._transport is None:
            await self._spawn()
            if self._dead is not None:
                raise self._dead
        loop = asyncio.get_running_loop()
        request_id = next(self._ids)
        fut: asyncio.Future[Any] = loop.create_future()
        self._pending[request_id] = fut
        self._unanswered += 1
        outbox = self._outbox
        outbox.append(encode_request(request_id, method, params))
        if len(outbox) == 1:
            loop.call_soon(self._flush)  # one write for every call made this turn
        elif len(outbox) >= OUTBOX_LIMIT:
            self._flush()
            assert self._protocol is not None
            await self._protocol.drain()
        if deadline is None:
            return await fut
        # loop.time() is time.monotonic() for the default loops.
        timer = loop.call_at(loop.time() + (deadline - time.monotonic()),
                             self._expire, request_id, method, rpc_timeout)
        try:
            return await fut
        finally:
            timer.cancel()

    async def _run(self, op: Op[T]) -> T:
        """Run an operation built by a definition of ``_calls``."""
        if type(op) is Call:
            timeout = op.rpc_timeout
            deadline = None if timeout is None else time.monotonic() + timeout
            return op.convert(await self._call(op.method, op.params, deadline, timeout))
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
                value = step.convert(await self._call(step.method, step.params, deadline, timeout))
                error = None
            except Exception as exc:  # the step's error is the generator's to handle
                value, error = None, exc

    call = async_method(_calls.call)
    signum = async_method(_calls.signum)
    kill = async_method(_calls.kill)
    signals = async_method(_calls.signals)
    signame = async_method(_calls.signame)
    inspect = async_method(_calls.inspect)
    wait = async_method(_calls.wait)
    terminate = async_method(_calls.terminate)
    children = async_method(_calls.children)

    async def process(self, pid: int, *, rpc_timeout: float | None = None) -> AsyncProcess:
        """A handle on the process pid now is, pinned by its start time.

        Raises:
            ProcessLookupError: there is no such process.
            TypeError, OverflowError: as os.kill, for a bad pid.
        """
        info = await self._run(_calls.process(pid, rpc_timeout=rpc_timeout))
        return AsyncProcess(self, _calls.check_pid(pid), info.start_time)
