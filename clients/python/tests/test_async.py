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
from sigrpc._watch import Watch, usable_cpus


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


async def turns_of_the_loop(calls: int, spin: float | None) -> list[bool]:
    """For each of calls signum calls awaited one after another through
    AsyncClient(spin=spin): whether the event loop turned during it."""
    turned: list[bool] = []
    async with AsyncClient(spin=spin) as c:
        loop = asyncio.get_running_loop()
        for i in range(calls):
            ran: list[None] = []
            loop.call_soon(ran.append, None)  # runs at the loop's next turn
            assert await c.signum(i) == i
            turned.append(bool(ran))
    return turned


def longest_run_without_a_turn(turned: list[bool]) -> int:
    longest = run_ = 0
    for t in turned:
        run_ = 0 if t else run_ + 1
        longest = max(longest, run_)
    return longest


@pytest.mark.parametrize("spin", [0.0, None])
def test_without_a_watch_every_call_turns_the_loop(spin: float | None) -> None:
    async def main() -> None:
        assert all(await turns_of_the_loop(200, spin))

    run(main())


@pytest.mark.parametrize("spin", [50e-6, 1e-3])
def test_watched_calls_still_let_other_tasks_run(spin: float) -> None:
    async def main() -> None:
        # Every call either waits in the loop or, answered while watched,
        # is at most the 16th in a row not to turn it.
        assert longest_run_without_a_turn(await turns_of_the_loop(200, spin)) <= 15

    run(main())


def test_overlapping_calls_are_not_watched(monkeypatch: pytest.MonkeyPatch) -> None:
    # While a call was watched, the tasks about to join it would wait: calls
    # pipelined by many tasks would go one at a time.
    watched = 0
    wait = Watch.wait

    def counting(self: Watch, poll: Any) -> Any:
        nonlocal watched
        watched += 1
        return wait(self, poll)

    monkeypatch.setattr(Watch, "wait", counting)

    async def main() -> None:
        async with AsyncClient(spin=1e-3) as c:
            async def worker() -> None:
                for i in range(100):
                    assert await c.signum(i) == i

            await asyncio.gather(*(worker() for _ in range(8)))

    run(main())
    assert watched <= 8


@pytest.mark.skipif(usable_cpus() < 2, reason="the client watches only with two CPUs")
def test_a_watched_answer_skips_the_loop() -> None:
    async def main() -> None:
        # A 1 ms watch sees the helper's answer to signum come, but on a
        # machine so loaded that not one of 200 calls is answered within it.
        turned = await turns_of_the_loop(200, 1e-3)
        assert not all(turned)

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
