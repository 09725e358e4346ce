"""The asyncio client."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from types import TracebackType
from typing import Any, TypeVar

from . import _calls
from ._calls import ProcessInfo, SignalLike, Termination
from ._client import CLOSE_GRACE_SECONDS
from ._errors import HelperExited, error_from_response
from ._spawn import DEFAULT_SPIN, StderrTail, helper_argv
from ._wire import decode_responses, encode_request

T = TypeVar("T")

#: The longest response line the reader accepts.
LINE_LIMIT = 16 << 20
#: Queued requests that trigger an immediate write and a wait for the pipe.
OUTBOX_LIMIT = 1024


class AsyncClient:
    """A sigrpc helper process and an asyncio client for it.

    Create it with ``await AsyncClient.start(...)`` or ``async with
    AsyncClient(...)``. The helper is ``command`` if given, else
    ``$SIGRPC_BIN``, else ``sigrpc`` on ``PATH``. Any number of tasks may call
    methods concurrently (``asyncio.gather`` of thousands is fine). The methods
    and their errors are those of Client.

    ``spin`` is how long, in seconds, the helper watches its input for the
    next request before sleeping (0 to 1 ms; 0 sleeps at once). The event
    loop itself always sleeps: asyncio has no way to watch without it.
    """

    def __init__(
        self,
        command: str | os.PathLike[str] | None = None,
        *,
        args: list[str] | tuple[str, ...] = (),
        spin: float = DEFAULT_SPIN,
    ) -> None:
        self._argv = helper_argv(command, args, spin)
        self._proc: asyncio.subprocess.Process | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)
        self._dead: HelperExited | None = None
        self._stderr = StderrTail()
        self._tasks: list[asyncio.Task[None]] = []
        self._outbox: list[bytes] = []

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
        if self._proc is not None:
            return
        self._proc = await asyncio.create_subprocess_exec(
            *self._argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=LINE_LIMIT,
        )
        self._tasks = [
            asyncio.create_task(self._read_stdout()),
            asyncio.create_task(self._read_stderr()),
        ]

    @property
    def pid(self) -> int:
        """The helper's process id."""
        if self._proc is None:
            raise RuntimeError("the client is not started")
        return self._proc.pid

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
        proc = self._proc
        if proc is None:
            return
        self._flush()  # calls already made still go out and are answered
        if proc.stdin is not None and not proc.stdin.is_closing():
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), CLOSE_GRACE_SECONDS)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._fail_all()

    async def _read_stdout(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        stdout = self._proc.stdout
        rest = b""
        while chunk := await stdout.read(1 << 16):
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            if lines:
                for resp in decode_responses(lines):
                    self._deliver(resp)
        if self._dead is None:
            returncode = await self._proc.wait()
            await asyncio.sleep(0)  # let the stderr reader take the last bytes
            self._dead = HelperExited("the sigrpc helper exited", returncode, self._stderr.text())
        self._fail_all()

    async def _read_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        while chunk := await self._proc.stderr.read(4096):
            self._stderr.add(chunk)

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
        if self._proc is None:
            await self._spawn()
        request_id = next(self._ids)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        self._pending[request_id] = fut
        self._outbox.append(encode_request(request_id, call.method, call.params))
        if len(self._outbox) == 1:
            loop.call_soon(self._flush)  # one write for every call made this tick
        elif len(self._outbox) >= OUTBOX_LIMIT:
            self._flush()
            await self._drain()
        try:
            result = await asyncio.wait_for(fut, timeout) if timeout is not None else await fut
        except TimeoutError:
            self._pending.pop(request_id, None)
            raise TimeoutError(f"sigrpc {call.method} did not answer within {timeout}s") from None
        return call.convert(result)

    def _flush(self) -> None:
        """Write every queued request in one go."""
        if not self._outbox:
            return
        data, self._outbox = b"".join(self._outbox), []
        assert self._proc is not None and self._proc.stdin is not None
        if not self._proc.stdin.is_closing():
            self._proc.stdin.write(data)

    async def _drain(self) -> None:
        """Wait while the pipe to the helper is full."""
        assert self._proc is not None and self._proc.stdin is not None
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self._proc.stdin.drain()  # if the helper is gone, the reader fails the calls

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
