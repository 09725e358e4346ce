"""The asyncio client.

How answers are read: the client reads the helper's stdout itself, with the
event loop's ``add_reader`` on a pipe of its own (``_read_ready``), decodes
the answers and sets each call's future. There is no reader task and no
polling: the loop sleeps until the pipe has data. The loop's subprocess
transport still starts the helper, writes its stdin and reads its stderr.

Why not the transport's stdout pipe: it reads up to 256 KiB at a time, a
buffer that size is mapped and unmapped by the C library for every read, and
the page faults and unmapping (with its TLB flushes) took about a third of
the client's CPU per call (``perf``, on the project's 2-core VM). Reading
64 KiB, as ``Client`` does, stays within the heap.

A request made when nothing is in flight is written at once; while answers
are awaited, requests made in one turn of the loop go out in one write.

A request written when nothing else is in flight, after one that was alone
in flight too, is watched for, as ``Client`` watches (``_watch``): for up
to ``spin`` the client polls the helper's output without sleeping, and an
answer that comes in that window is read and delivered at once, with no
turn of the loop. The loop sleeping
in ``epoll`` and being woken for the answer costs about as much as a whole
``os.kill`` through psutil; watching holds the loop for at most ``spin``
(with ``Client``'s back-off when it does not pay). So that a task whose
calls are all answered this way cannot keep the loop from its other tasks,
every ``YIELD_EVERY``-th such answer in a row yields to the loop first.
Calls that overlap are never watched: while one was watched, the tasks
about to join it would wait, and pipelined calls would go one at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import select
import time
from collections.abc import Coroutine
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from . import _calls
from ._bind import async_method
from ._calls import Call, Op, Steps
from ._connection import CLOSE_GRACE_SECONDS
from ._errors import HelperExited, error_from_response
from ._process import AsyncProcess
from ._spawn import DEFAULT_SPIN, StderrTail, helper_argv
from ._watch import Watch
from ._wire import decode_responses, encode_params, message_limit, request_line, too_large

if TYPE_CHECKING:
    from ._results import ProcessInfo

T = TypeVar("T")

#: Queued requests that trigger an immediate write and a wait for the pipe.
OUTBOX_LIMIT = 1024

#: Calls answered in a row without a turn of the loop, at most: the next
#: such call yields to the loop before it returns.
YIELD_EVERY = 16

#: The most bytes of answers read at once (below the C library's threshold
#: for mapping a buffer of its own).
READ_SIZE = 1 << 16


class _HelperProtocol(asyncio.SubprocessProtocol):
    """The helper's stdin and stderr, and its exit, as asyncio delivers them."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self.paused = False  # the pipe to the helper is full
        self.resumed: list[asyncio.Future[None]] = []
        self.exited = False  # the helper has exited and its pipes are closed

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        """Keep the tail of the helper's stderr (stdout is read by the client)."""
        if fd == 2:
            self.client._stderr.add(data)

    def pause_writing(self) -> None:
        """The pipe to the helper is full: writers wait in drain."""
        self.paused = True

    def resume_writing(self) -> None:
        """The pipe to the helper has room again."""
        self.paused = False
        self._wake_writers()

    def connection_lost(self, exc: Exception | None) -> None:
        """The helper has exited and its pipes are closed."""
        self.exited = True
        self._wake_writers()
        self.client._maybe_gone()

    def _wake_writers(self) -> None:
        waiters, self.resumed = self.resumed, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def drain(self) -> None:
        """Wait while the pipe to the helper is full (or until it is gone)."""
        while self.paused and not self.exited:
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
    A call made while nothing else is in flight holds the loop for up to
    ``spin`` (50 µs by default) watching for its answer, and one that comes
    in time is returned without a turn of the loop; every 16th such call
    in a row yields to the loop. ``spin=0`` (or None) never holds the loop.
    """

    def __init__(
        self,
        command: str | os.PathLike[str] | None = None,
        *,
        args: list[str] | tuple[str, ...] = (),
        spin: float | None = DEFAULT_SPIN,
    ) -> None:
        self._argv = helper_argv(command, args, spin)
        self._limit = message_limit(self._argv)
        self._watch = Watch(spin or 0.0)
        self._poll: select.poll | None = None  # the helper's stdout, while watched
        self._held = 0  # calls answered in a row without a turn of the loop
        self._alone = False  # no call has joined the last one written alone
        self._loop: asyncio.AbstractEventLoop | None = None
        self._transport: asyncio.SubprocessTransport | None = None
        self._protocol: _HelperProtocol | None = None
        self._stdin: asyncio.WriteTransport | None = None
        self._stdout_fd = -1  # the read end of the helper's stdout, until its end
        self._rest = b""  # a partial answer line
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._unanswered = 0  # requests written or queued whose answers have not been read
        self._ids = itertools.count(1)
        self._closed = False
        self._dead: HelperExited | None = None
        self._stderr = StderrTail()
        self._outbox: list[bytes] = []
        self._starting: asyncio.Future[None] | None = None
        self._finished: asyncio.Future[None] | None = None  # the helper is gone, output read

    @classmethod
    async def start(
        cls,
        command: str | os.PathLike[str] | None = None,
        *,
        args: list[str] | tuple[str, ...] = (),
        spin: float | None = DEFAULT_SPIN,
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
        read_fd, write_fd = os.pipe()  # the helper's stdout, read by _read_ready
        try:
            self._transport, self._protocol = await loop.subprocess_exec(
                lambda: _HelperProtocol(self),
                *self._argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=write_fd,
                stderr=asyncio.subprocess.PIPE,
            )
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)  # the helper has its own: its exit ends the output
        self._loop = loop
        self._finished = loop.create_future()
        stdin = self._transport.get_pipe_transport(0)
        assert isinstance(stdin, asyncio.WriteTransport)
        self._stdin = stdin
        os.set_blocking(read_fd, False)
        self._stdout_fd = read_fd
        loop.add_reader(read_fd, self._read_ready)
        if self._watch.watches:
            self._poll = select.poll()
            self._poll.register(read_fd, select.POLLIN)

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
        assert self._finished is not None
        try:
            await asyncio.wait_for(asyncio.shield(self._finished), CLOSE_GRACE_SECONDS)
        except asyncio.TimeoutError:  # not the builtin TimeoutError on 3.10
            with contextlib.suppress(ProcessLookupError):
                transport.kill()
            await self._finished
        transport.close()

    def _read_ready(self) -> None:
        """Read the answers the helper's stdout has, and deliver them."""
        try:
            data = os.read(self._stdout_fd, READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the end of the helper's output
            assert self._loop is not None
            self._loop.remove_reader(self._stdout_fd)
            self._poll = None
            os.close(self._stdout_fd)
            self._stdout_fd = -1
            self._maybe_gone()
            return
        lines = (self._rest + data).split(b"\n")
        self._rest = lines.pop()
        if lines:
            self._deliver(decode_responses(lines))

    def _maybe_gone(self) -> None:
        """Once the helper has exited and its output is read: fail what is left."""
        protocol = self._protocol
        if self._stdout_fd >= 0 or protocol is None or not protocol.exited:
            return
        assert self._transport is not None and self._finished is not None
        self._fail(HelperExited(
            "the sigrpc helper exited", self._transport.get_returncode(), self._stderr.text()
        ))
        if not self._finished.done():
            self._finished.set_result(None)

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
        body = encode_params(params)  # may raise: before anything is registered
        if self._dead is not None:
            raise self._dead
        if self._transport is None:
            await self._spawn()
            if self._dead is not None:
                raise self._dead
        request_id = next(self._ids)
        data = request_line(request_id, method, body)
        if len(data) > self._limit + 1:  # the limit is without the newline
            raise too_large(method, len(data) - 1, self._limit)
        loop = self._loop
        assert loop is not None and self._stdin is not None
        fut: asyncio.Future[Any] = loop.create_future()
        self._pending[request_id] = fut
        if not self._unanswered:  # nothing in flight: write it now
            self._unanswered = 1
            poll = self._poll if self._alone else None  # watch for the answer
            self._alone = True
            if not self._stdin.is_closing():
                self._stdin.write(data)
                if poll is not None and self._watch.wait(poll.poll):
                    self._read_ready()
                    if fut.done():  # answered while watched
                        return await self._answered(fut)
        else:
            self._unanswered += 1
            self._alone = False
            outbox = self._outbox
            outbox.append(data)
            if len(outbox) == 1:
                loop.call_soon(self._flush)  # one write for every call made this turn
            elif len(outbox) >= OUTBOX_LIMIT:
                self._flush()
                assert self._protocol is not None
                await self._protocol.drain()
        self._held = 0  # awaiting fut turns the loop
        if deadline is None:
            return await fut
        # loop.time() is time.monotonic() for the default loops.
        timer = loop.call_at(loop.time() + (deadline - time.monotonic()),
                             self._expire, request_id, method, rpc_timeout)
        try:
            return await fut
        finally:
            timer.cancel()

    async def _answered(self, fut: asyncio.Future[Any]) -> Any:
        """The result of a call answered without a turn of the loop, after
        yielding to the loop if YIELD_EVERY calls in a row have not."""
        self._held += 1
        if self._held >= YIELD_EVERY:
            self._held = 0
            await asyncio.sleep(0)
        return fut.result()

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

    def process(self, pid: int, *,
                rpc_timeout: float | None = None) -> Coroutine[Any, Any, AsyncProcess]:
        """A handle on the process pid now is, pinned by its start time.

        The arguments are checked when it is called, before it is awaited.

        Raises:
            ProcessLookupError: there is no such process.
            TypeError, OverflowError, ValueError: pid is not a positive C
                int; nothing was sent.
        """
        return self._process(_calls.process(pid, rpc_timeout=rpc_timeout))

    async def _process(self, op: Call[ProcessInfo]) -> AsyncProcess:
        info = await self._run(op)
        assert isinstance(op.params, dict)
        return AsyncProcess(self, op.params["pid"], info.start_time)
