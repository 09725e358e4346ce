"""Process handles, sync and async: identity, signals, waits and stops."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import threading
from collections.abc import Iterator

import pytest
from conftest import ABSENT_PID, Spawn, wait_until

import sigrpc
from sigrpc import AsyncClient, Client, Process, TimeoutExpired


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with Client() as c:
        yield c


def test_a_handle_pins_the_process(client: Client, child: subprocess.Popen[bytes]) -> None:
    proc = client.process(child.pid)
    info = client.inspect(child.pid)
    assert (proc.pid, proc.start_time) == (child.pid, info.start_time)
    assert proc == client.process(child.pid) and hash(proc) == hash(client.process(child.pid))
    assert repr(proc) == f"sigrpc.Process(pid={child.pid}, start_time={info.start_time!r})"
    assert proc.is_running() is True
    assert proc.info().comm == "sleep"
    with pytest.raises(ProcessLookupError):
        client.process(ABSENT_PID)
    with pytest.raises(TypeError):
        client.process("1")  # type: ignore[arg-type]


def test_a_pid_naming_another_process_is_never_signalled(
    client: Client, child: subprocess.Popen[bytes]
) -> None:
    # A handle whose start time is not the process's: what a handle sees once
    # its process has gone and the pid names another.
    stale = Process(client, child.pid, client.inspect(child.pid).start_time + "0")
    with pytest.raises(ProcessLookupError) as gone:
        stale.send_signal(signal.SIGKILL)
    assert gone.value.reason == "start_time mismatch"  # type: ignore[attr-defined]
    for action in (stale.terminate, stale.kill, stale.stop, stale.info):
        with pytest.raises(ProcessLookupError):
            action()
    assert stale.is_running() is False
    stale.wait(0)  # its process has gone: nothing to wait for
    assert child.poll() is None  # the live process was never touched


def test_signals_and_wait(client: Client, spawn: Spawn) -> None:
    first = spawn()
    proc = client.process(first.pid)
    with pytest.raises(TimeoutExpired) as expired:
        proc.wait(0.05)
    assert isinstance(expired.value, TimeoutError)
    assert (expired.value.pid, expired.value.timeout) == (first.pid, 0.05)
    proc.send_signal("USR1")
    proc.wait()  # no timeout: until it has gone
    assert first.wait(10) == -signal.SIGUSR1
    for method, signum in (("terminate", signal.SIGTERM), ("kill", signal.SIGKILL)):
        other = spawn()
        getattr(client.process(other.pid), method)()
        assert other.wait(10) == -signum


def test_a_zombie_is_not_running(client: Client, child: subprocess.Popen[bytes]) -> None:
    proc = client.process(child.pid)
    child.send_signal(signal.SIGKILL)  # our child: it stays a zombie until reaped
    wait_until(lambda: client.inspect(child.pid).state == "Z", what="the zombie")
    assert proc.is_running() is False
    proc.wait(5)  # a zombie has exited
    child.wait()
    assert proc.is_running() is False


def test_wait_returns_when_another_thread_kills_it(client: Client, spawn: Spawn) -> None:
    sleeper = spawn()
    proc = client.process(sleeper.pid)
    done = threading.Event()

    def waiter() -> None:
        proc.wait()
        done.set()

    threading.Thread(target=waiter).start()
    assert not done.wait(0.1)
    proc.kill()
    assert done.wait(5)


def test_stop_escalates_and_reports(client: Client, spawn: Spawn) -> None:
    stubborn = spawn("sh", "-c", 'trap "" TERM; exec sleep 60')
    wait_until(lambda: client.inspect(stubborn.pid).comm == "sleep", what="exec sleep")
    result = client.process(stubborn.pid).stop(timeout=0.1)
    assert (result.exited, result.escalated, result.members) == (True, True, None)
    assert stubborn.wait(10) == -signal.SIGKILL
    polite = spawn()
    assert client.process(polite.pid).stop(escalate=None).exited
    assert polite.wait(10) == -signal.SIGTERM


def test_stop_tree_asks_the_helper_for_tree(client: Client, child: subprocess.Popen[bytes]) -> None:
    """tree=True is sent as the helper's tree param (a helper without it refuses it)."""
    proc = client.process(child.pid)
    try:
        result = proc.stop(tree=True)
    except sigrpc.RPCError as refused:  # this helper has no tree yet
        assert refused.code == -32602 and child.poll() is None
    else:
        assert result.exited and result.members is not None
        assert [m.pid for m in result.members] == [child.pid]
        assert result.method in ("listing", "fork-events")
        assert result.complete is (result.method == "fork-events")


def test_async_handles(spawn: Spawn) -> None:
    first, second = spawn(), spawn()

    async def main() -> None:
        async with AsyncClient() as c:
            proc = await c.process(first.pid)
            assert isinstance(proc, sigrpc.AsyncProcess)
            assert await proc.is_running() is True
            assert (await proc.info()).pid == first.pid
            with pytest.raises(TimeoutExpired):
                await proc.wait(0.01)
            await proc.terminate()
            await proc.wait()
            assert await proc.is_running() is False  # a zombie until reaped
            assert first.wait(10) == -signal.SIGTERM
            with pytest.raises(ProcessLookupError):
                await proc.send_signal(0)
            result = await (await c.process(second.pid)).stop()
            assert result.exited
            with pytest.raises(ProcessLookupError):
                await c.process(ABSENT_PID)

    asyncio.run(asyncio.wait_for(main(), 60))
    assert second.wait(10) == -signal.SIGTERM
