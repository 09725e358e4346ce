"""The asyncio AsyncClient against the real helper."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time

import pytest
from conftest import ABSENT_PID

from sigrpc import DEFAULT_SPIN, AsyncClient, HelperExited, PolicyError


def run(coro: object) -> None:
    asyncio.run(asyncio.wait_for(coro, 60))  # type: ignore[arg-type]


@pytest.mark.parametrize("spin", [DEFAULT_SPIN, 0.0], ids=["spin", "no-spin"])
def test_methods_and_errors(child: subprocess.Popen[bytes], spin: float) -> None:
    async def main() -> None:
        async with AsyncClient(spin=spin) as c:
            assert await c.signum("SIGINT") == 2
            assert await c.signame(137, exit_status=True) == "KILL"
            assert (await c.signals())["TERM"] == 15
            info = await c.inspect(child.pid)
            assert info.comm == "sleep"
            assert await c.wait(child.pid) is False
            with pytest.raises(ProcessLookupError):
                await c.kill(ABSENT_PID, 0)
            with pytest.raises(ValueError):
                await c.kill(ABSENT_PID, "NOPE")
            with pytest.raises(PolicyError):
                await c.kill(-1, "NONE")
            result = await c.terminate(child.pid, grace=5)
            assert result.exited and not result.escalated
            assert await c.call("signum", ["HUP"]) == 1

    run(main())
    assert child.wait(10) == -signal.SIGTERM


def test_gather_of_many_calls_matches_every_answer() -> None:
    async def main() -> None:
        c = await AsyncClient.start()
        try:
            got = await asyncio.gather(*(c.signum(i) for i in range(50_000)))
            assert got == list(range(50_000))
        finally:
            await c.close()

    run(main())


def test_helper_killed_mid_flight(child: subprocess.Popen[bytes]) -> None:
    async def main() -> None:
        c = await AsyncClient.start()
        waits = [asyncio.create_task(c.wait(child.pid, 30)) for _ in range(5)]
        assert await c.signum("TERM") == 15  # the waits are in flight behind it
        killed = time.monotonic()
        os.kill(c.pid, signal.SIGKILL)  # the helper is this test's child
        results = await asyncio.wait_for(asyncio.gather(*waits, return_exceptions=True), 1)
        assert time.monotonic() - killed < 1
        assert all(isinstance(r, HelperExited) for r in results)
        with pytest.raises(HelperExited):
            await c.signum("TERM")
        await c.close()

    run(main())


def test_timeout_and_close(child: subprocess.Popen[bytes]) -> None:
    async def main() -> None:
        c = await AsyncClient.start()
        with pytest.raises(TimeoutError):
            await c.wait(child.pid, 30, timeout=0.05)
        assert await c.signum("INT") == 2
        await c.close()
        await c.close()
        with pytest.raises(HelperExited):
            await c.signum("INT")

    run(main())


def test_close_answers_calls_already_made() -> None:
    async def main() -> None:
        c = await AsyncClient.start()
        calls = [asyncio.ensure_future(c.signum(i)) for i in range(100)]
        await asyncio.sleep(0)  # the calls are made and queued, not yet written
        await c.close()
        assert await asyncio.gather(*calls) == list(range(100))

    run(main())


def test_calls_alone_in_flight_still_let_other_tasks_run() -> None:
    """A call answered in place yields to the loop once, like any other await."""

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
            for i in range(1000):
                assert await c.signum(i) == i
            stop = True
            await task
            assert ticks - before >= 1000  # at least one turn per call

    run(main())


def test_answers_read_in_place_and_by_the_loop_agree(child: subprocess.Popen[bytes]) -> None:
    """Calls alone in flight (read in place) mixed with calls behind a slow one."""

    async def main() -> None:
        async with AsyncClient() as c:
            for i in range(200):
                assert await c.signum(i) == i  # alone: read in place
            slow = asyncio.create_task(c.wait(child.pid, 0.2))
            await asyncio.sleep(0)
            for i in range(200):
                assert await c.signum(i) == i  # behind the wait: read by the loop
            assert await slow is False
            for i in range(200):
                assert await c.signum(i) == i

    run(main())

