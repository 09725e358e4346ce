"""The asyncio AsyncClient against the real helper."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest
from conftest import ABSENT_PID

from sigrpc import AsyncClient, HelperExited, PolicyError


def run(coro: Coroutine[Any, Any, None]) -> None:
    asyncio.run(asyncio.wait_for(coro, 60))


def test_methods_and_errors(child: subprocess.Popen[bytes]) -> None:
    async def main() -> None:
        async with AsyncClient() as c:
            assert await c.signum("SIGINT") == 2
            assert await c.signame(137, exit_status=True) == "KILL"
            assert (await c.signals())["TERM"] == 15
            info = await c.inspect(child.pid)
            assert info.comm == "sleep"
            assert await c.wait(child.pid, 0) is False
            with pytest.raises(ProcessLookupError):
                await c.kill(ABSENT_PID, 0)
            with pytest.raises(ValueError):
                await c.kill(ABSENT_PID, "NOPE")
            with pytest.raises(PolicyError):
                await c.kill(-1, "NONE")
            with pytest.raises(TypeError):
                c.kill(1.5)  # type: ignore[arg-type, unused-coroutine]
            result = await c.terminate(child.pid, timeout=5)
            assert result.exited and not result.escalated
            assert await c.call("signum", ["HUP"]) == 1
            assert await c.wait(child.pid) is True  # no timeout: until it has gone

    run(main())
    assert child.wait(10) == -signal.SIGTERM


def test_gather_of_many_calls_matches_every_answer() -> None:
    async def main() -> None:
        c = await AsyncClient.start()
        try:
            got = await asyncio.gather(*(c.signum(i) for i in range(20_000)))
            assert got == list(range(20_000))
        finally:
            await c.close()

    run(main())


def test_helper_killed_mid_flight(child: subprocess.Popen[bytes]) -> None:
    async def main() -> None:
        c = await AsyncClient.start()
        waits = [asyncio.ensure_future(c.wait(child.pid)) for _ in range(5)]
        assert await c.signum("TERM") == 15  # the waits are in flight before it
        killed = time.monotonic()
        os.kill(c.pid, signal.SIGKILL)  # the helper is this test's child
        results = await asyncio.wait_for(asyncio.gather(*waits, return_exceptions=True), 1)
        assert time.monotonic() - killed < 1
        assert all(isinstance(r, HelperExited) and r.returncode == -9 for r in results)
        assert all("(killed by SIGKILL)" in str(r) for r in results)
        with pytest.raises(HelperExited):
            await c.signum("TERM")
        await c.close()

    run(main())


def test_rpc_timeout_and_close(child: subprocess.Popen[bytes]) -> None:
    async def main() -> None:
        c = await AsyncClient.start()
        with pytest.raises(TimeoutError, match=r"rpc_timeout=0\.05"):
            await c.wait(child.pid, 30, rpc_timeout=0.05)
        assert await c.signum("INT") == 2
        await c.close()
        await c.close()
        with pytest.raises(HelperExited):
            await c.signum("INT")

    run(main())


def test_close_ends_pending_calls_at_once(child: subprocess.Popen[bytes]) -> None:
    async def main() -> None:
        c = await AsyncClient.start()
        waits = [asyncio.ensure_future(c.wait(child.pid)) for _ in range(3)]
        queued = [asyncio.ensure_future(c.signum(i)) for i in range(100)]
        await asyncio.sleep(0.05)  # the waits are in the helper
        started = time.monotonic()
        closing = asyncio.ensure_future(c.close())
        results = await asyncio.wait_for(asyncio.gather(*waits, *queued,
                                                        return_exceptions=True), 1)
        assert time.monotonic() - started < 1
        assert all(isinstance(r, HelperExited) and "closed" in str(r) for r in results[:3])
        assert all(isinstance(r, (HelperExited, int)) for r in results[3:])
        await asyncio.wait_for(closing, 5)
        assert child.poll() is None

    run(main())


def test_other_tasks_run_while_calls_are_in_flight() -> None:
    async def main() -> None:
        ticks = 0
        stop = False

        async def ticker() -> None:
            nonlocal ticks
            while not stop:
                ticks += 1
                await asyncio.sleep(0)

        async with AsyncClient() as c:
            task = asyncio.create_task(ticker())
            await asyncio.sleep(0)
            before = ticks
            for i in range(500):
                assert await c.signum(i) == i
            stop = True
            await task
            assert ticks - before >= 500  # at least one turn per call

    run(main())


def test_first_calls_made_together_start_one_helper() -> None:
    starts = 0

    class Counting(AsyncClient):
        async def _start_helper(self) -> None:
            nonlocal starts
            starts += 1
            await super()._start_helper()

    async def main() -> None:
        c = Counting()  # not started: the first calls start it
        assert await asyncio.gather(*(c.signum(i) for i in range(10))) == list(range(10))
        await c.close()

    run(main())
    assert starts == 1


def test_helper_exit_status_and_stderr_reach_the_caller(tmp_path: Path) -> None:
    script = tmp_path / "dies"
    script.write_text("#!/bin/sh\nread line\necho 'something broke' >&2\nexit 3\n")
    script.chmod(0o755)

    async def main() -> None:
        async with AsyncClient(script) as c:
            with pytest.raises(HelperExited) as gone:
                await c.signum("TERM")
            assert gone.value.returncode == 3
            assert "something broke" in gone.value.stderr and "(exit status 3)" in str(gone.value)

    run(main())


def test_answers_written_before_the_helper_exits_are_delivered(tmp_path: Path) -> None:
    """The output is read to its end before the calls still pending are failed."""
    script = tmp_path / "answers-then-exits"
    script.write_text("#!/bin/sh\nread line\n"
                      "printf '%s\\n' '{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":15}'\nexit 0\n")
    script.chmod(0o755)

    async def main() -> None:
        async with AsyncClient(script) as c:
            assert await c.signum("TERM") == 15
            with pytest.raises(HelperExited):
                await c.signum("TERM")

    run(main())
