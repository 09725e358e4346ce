"""The synchronous Client against the real helper."""

from __future__ import annotations

import gc
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ABSENT_PID, HELPER, Spawn, run_threads, wait_until

import sigrpc
from sigrpc import Client, HelperExited, PolicyError, RPCError


@pytest.fixture
def client() -> Iterator[Client]:
    with Client() as c:
        yield c


@pytest.mark.parametrize("spin", [-1e-6, 0.0011, float("nan")])
def test_spin_out_of_range_is_refused(spin: float) -> None:
    with pytest.raises(ValueError, match=r"spin must be between 0 and 0\.001"):
        Client(spin=spin)
    with pytest.raises(ValueError, match=r"spin must be between 0 and 0\.001"):
        sigrpc.AsyncClient(spin=spin)


@pytest.mark.parametrize(("spin", "flag"), [("default", "--spin=50000ns"), (None, None),
                                            (5e-5, "--spin=50000ns"), (1e-3, "--spin=1000000ns")])
def test_spin_is_the_helpers_flag(spin: float | str | None, flag: str | None) -> None:
    with Client() if spin == "default" else Client(spin=spin) as c:  # type: ignore[arg-type]
        argv = Path(f"/proc/{c.pid}/cmdline").read_bytes().split(b"\0")
        spins = [a for a in argv if a.startswith(b"--spin")]
        assert spins == ([] if flag is None else [flag.encode()])
        assert c.signum("TERM") == 15


def test_signum_signame_signals(client: Client) -> None:
    assert client.signum("TERM") == 15
    assert client.signum("SIGTERM") == 15
    assert client.signum("term") == 15
    assert client.signum(signal.SIGKILL) == 9
    assert client.signum(999) == 999
    assert client.signum("BLAH") is None
    assert client.signame(15) == "TERM"
    assert client.signame(143, exit_status=True) == "TERM"
    assert client.signame(999) is None
    table = client.signals()
    assert table["NONE"] == 0 and table["KILL"] == signal.SIGKILL


def test_kill_signals_a_child(client: Client, child: subprocess.Popen[bytes]) -> None:
    assert client.kill(child.pid, 0) is None
    assert child.poll() is None
    client.kill(child.pid, signal.SIGUSR1)
    assert child.wait(10) == -signal.SIGUSR1


def test_kill_defaults_to_term(client: Client, child: subprocess.Popen[bytes]) -> None:
    client.kill(child.pid)
    assert child.wait(10) == -signal.SIGTERM


def test_errors_are_raised_as_os_kill_raises_them(client: Client) -> None:
    with pytest.raises(ProcessLookupError) as lookup:
        client.kill(ABSENT_PID, 0)
    assert (lookup.value.errno, lookup.value.strerror) == (3, "No such process")
    with pytest.raises(OSError) as invalid:
        client.kill(ABSENT_PID, 999)
    assert type(invalid.value) is OSError and invalid.value.errno == 22
    with pytest.raises(ValueError, match="unknown signal name: 'FOO'"):
        client.kill(ABSENT_PID, "FOO")
    with pytest.raises(ValueError, match="unknown signal name"):
        client.terminate(ABSENT_PID, escalate="FOO")


def test_bad_arguments_send_nothing(tmp_path: Path) -> None:
    """Checked before sending, as os.kill checks them: the helper sees no byte."""
    record = tmp_path / "stdin"
    recorder = tmp_path / "recorder"
    recorder.write_text(f"#!/bin/sh\nexec cat > {record}\n")
    recorder.chmod(0o755)
    with Client(recorder) as c:
        with pytest.raises(TypeError):
            c.kill(1.5, 0)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            c.kill("123", 0)  # type: ignore[arg-type]
        with pytest.raises(OverflowError):
            c.kill(2**31, 0)
        with pytest.raises(TypeError):
            c.kill(ABSENT_PID, 1.5)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            c.terminate(ABSENT_PID, escalate=b"KILL")  # type: ignore[arg-type]
        with pytest.raises(OverflowError):
            c.process(-(2**31) - 1)
        with pytest.raises(ValueError):
            c.wait(ABSENT_PID, -1)
    assert record.read_bytes() == b""


@pytest.mark.parametrize(("pid", "reason"), [(-1, "broadcast"), (0, "process-group")])
def test_policy_refusals(client: Client, pid: int, reason: str) -> None:
    with pytest.raises(PolicyError) as refused:
        client.kill(pid, "NONE")
    assert (refused.value.reason, refused.value.code) == (reason, -32001)


def test_descendants_only_names_this_process(child: subprocess.Popen[bytes]) -> None:
    """--descendants-only reaches the helper as --descendants-of this process,
    so that a helper adopted by another process refuses to start."""
    with Client(args=["--descendants-only"]) as c:
        argv = Path(f"/proc/{c.pid}/cmdline").read_bytes().split(b"\0")
        assert f"--descendants-of={os.getpid()}".encode() in argv
        assert b"--descendants-only" not in argv
        c.kill(child.pid, "NONE")  # a child of this process: allowed
        with pytest.raises(PolicyError) as refused:
            c.kill(os.getpid(), "NONE")  # the helper's parent, not its descendant
        assert refused.value.reason == "not-descendant"


def test_permission_error(child: subprocess.Popen[bytes], tmp_path: Path) -> None:
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to run the helper as another user")
    wrapper = tmp_path / "sigrpc-as-nobody"
    wrapper.write_text(
        f'#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups {HELPER} "$@"\n'
    )
    wrapper.chmod(0o755)
    with Client(wrapper) as c, pytest.raises(PermissionError) as denied:
        c.kill(child.pid, "TERM")
    assert denied.value.errno == 1
    assert child.poll() is None


def test_inspect_and_start_time(client: Client, child: subprocess.Popen[bytes]) -> None:
    info = client.inspect(child.pid)
    assert (info.pid, info.ppid, info.comm) == (child.pid, os.getpid(), "sleep")
    assert info.state in ("R", "S")  # running until sleep blocks
    with pytest.raises(ProcessLookupError) as mismatch:
        client.kill(child.pid, "TERM", start_time=info.start_time + "1")
    assert mismatch.value.reason == "start_time mismatch"  # type: ignore[attr-defined]
    for bad in ["", " 1", "+1", "1a", "1" * 21]:  # no guard at all: refused, as the helper would
        with pytest.raises(ValueError, match="start_time"):
            client.kill(child.pid, "TERM", start_time=bad)
        with pytest.raises(ValueError, match="start_time"):
            client.terminate(child.pid, start_time=bad)
    assert child.poll() is None
    client.kill(child.pid, "TERM", start_time=info.start_time)
    assert child.wait(10) == -signal.SIGTERM
    with pytest.raises(ProcessLookupError):
        client.inspect(ABSENT_PID)


def test_wait(client: Client, child: subprocess.Popen[bytes]) -> None:
    assert client.wait(child.pid, 0) is False
    started = time.monotonic()
    assert client.wait(child.pid, 0.2) is False
    assert time.monotonic() - started >= 0.2
    waiter = threading.Thread(target=lambda: results.append(client.wait(child.pid)))
    results: list[bool] = []
    waiter.start()  # wait forever: returns when the child dies
    child.kill()
    waiter.join(10)
    assert results == [True]
    assert client.wait(ABSENT_PID) is True


def test_terminate(client: Client, spawn: Spawn) -> None:
    first = spawn()
    result = client.terminate(first.pid, timeout=5)
    assert (result.exited, result.escalated) == (True, False)
    assert first.wait(10) == -signal.SIGTERM
    stubborn = spawn("sh", "-c", 'trap "" TERM; exec sleep 60')
    wait_until(lambda: client.inspect(stubborn.pid).comm == "sleep", what="exec sleep")
    result = client.terminate(stubborn.pid, timeout=0.1, escalate_timeout=5)
    assert result.exited and result.escalated and result.elapsed_ms >= 100
    assert stubborn.wait(10) == -signal.SIGKILL


def test_call_and_rpc_errors(client: Client) -> None:
    assert client.call("signum", ["INT"]) == 2
    assert client.call("signum", {"name": "HUP"}) == 1
    with pytest.raises(RPCError) as missing:
        client.call('we"ird\nméthod')
    assert missing.value.code == -32601
    assert missing.value.data == {"method": 'we"ird\nméthod'}


def test_rpc_timeout_drops_the_late_answer(client: Client, child: subprocess.Popen[bytes]) -> None:
    with pytest.raises(TimeoutError, match=r"rpc_timeout=0\.1"):
        client.wait(child.pid, 30, rpc_timeout=0.1)
    child.kill()  # the late answer to the wait arrives now, and is dropped
    child.wait()
    assert client.wait(child.pid, 5) is True
    assert client.signum("INT") == 2


def test_many_threads_get_their_own_answers(client: Client) -> None:
    threads, calls = 16, 3_000
    errors: list[str] = []

    def work(base: int) -> None:
        for i in range(calls):
            n = base * calls + i
            if (got := client.signum(n)) != n:
                errors.append(f"asked {n}, got {got}")
                return

    run_threads([threading.Thread(target=work, args=(t,)) for t in range(threads)], 60)
    assert not errors


def test_tiny_rpc_timeouts_among_threads_strand_no_one(client: Client) -> None:
    errors: list[str] = []

    def work(seed: int) -> None:
        for i in range(500):
            n = seed * 1000 + i
            try:
                if i % 5 == 0:
                    client.signum(n, rpc_timeout=1e-6 * (seed + 1))
                elif (got := client.signum(n)) != n:
                    errors.append(f"asked {n}, got {got}")
            except TimeoutError:
                pass

    run_threads([threading.Thread(target=work, args=(t,)) for t in range(8)], 60)
    assert not errors
    assert client.signum("TERM") == 15


def test_callers_that_time_out_hand_the_reading_on(
    client: Client, child: subprocess.Popen[bytes]
) -> None:
    """Callers time out while others wait on them to read: nobody is stranded."""
    timeouts: list[int] = []
    errors: list[str] = []

    def impatient() -> None:
        for _ in range(5):
            try:
                client.wait(child.pid, 30, rpc_timeout=0.02)
            except TimeoutError:
                timeouts.append(1)

    def patient(base: int) -> None:
        for i in range(2_000):
            if (got := client.signum(base + i)) != base + i:
                errors.append(f"asked {base + i}, got {got}")

    pool = [threading.Thread(target=impatient) for _ in range(4)]
    pool += [threading.Thread(target=patient, args=(n * 10_000,)) for n in range(4)]
    run_threads(pool, 30)
    assert not errors
    assert len(timeouts) == 20


@pytest.mark.parametrize("first_times_out", [False, True])
def test_a_sleeping_caller_takes_over_the_reading(
    client: Client, child: subprocess.Popen[bytes], first_times_out: bool
) -> None:
    """The reading caller leaves first (answered, or timed out); the one still
    sleeping must take over the reading."""
    results: dict[str, object] = {}

    def first() -> None:
        try:  # the child lives, so wait answers False after its timeout
            results["first"] = client.wait(child.pid, 0.3,
                                           rpc_timeout=0.15 if first_times_out else None)
        except TimeoutError as e:
            results["first"] = e

    def second() -> None:
        results["second"] = client.wait(child.pid, 0.6)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    wait_until(lambda: client._conn._reading, what="the first caller to read")
    threads[1].start()
    for t in threads:
        t.join(10)
    assert not threads[1].is_alive(), "the sleeping caller was never handed the reading"
    assert results["second"] is False
    if first_times_out:
        assert isinstance(results["first"], TimeoutError)
    else:
        assert results["first"] is False


def _blocked_waits(c: Client, pid: int, count: int) -> tuple[list[BaseException], threading.Event,
                                                                  list[threading.Thread]]:
    """count threads blocked in c.wait(pid) with no timeout."""
    outcomes: list[BaseException] = []
    done = threading.Event()

    def wait_forever() -> None:
        try:
            c.wait(pid)
        except BaseException as exc:
            outcomes.append(exc)
        else:
            outcomes.append(AssertionError("wait returned"))
        if len(outcomes) == count:
            done.set()

    pool = [threading.Thread(target=wait_forever) for _ in range(count)]
    for t in pool:
        t.start()
    wait_until(lambda: len(c._conn._pending) == count, what="the waits to be pending")
    return outcomes, done, pool


def test_close_ends_pending_waits_at_once(child: subprocess.Popen[bytes]) -> None:
    c = Client()
    outcomes, done, pool = _blocked_waits(c, child.pid, 3)
    closer = threading.Thread(target=c.close)
    started = time.monotonic()
    closer.start()
    assert done.wait(1), "pending waits were not ended within 1 s of close()"
    assert all(isinstance(e, HelperExited) and "closed" in str(e) for e in outcomes)
    with pytest.raises(HelperExited):  # while close may still be ending the helper
        c.signum("TERM")
    closer.join(5)
    assert time.monotonic() - started < 2.5
    for t in pool:
        t.join(1)
    assert c._conn._proc.returncode is not None
    assert c._conn._proc.stdout is not None and c._conn._proc.stdout.closed  # by the last reader
    assert child.poll() is None  # the helper's cancelled waits touched nothing


def test_helper_killed_mid_flight_fails_every_pending_call(child: subprocess.Popen[bytes]) -> None:
    c = Client()
    outcomes, done, _ = _blocked_waits(c, child.pid, 5)
    os.kill(c.pid, signal.SIGKILL)  # the helper is this test's child
    assert done.wait(1), "pending calls were not failed within 1 s"
    assert all(isinstance(e, HelperExited) for e in outcomes)
    assert isinstance(outcomes[0], HelperExited) and outcomes[0].returncode == -signal.SIGKILL
    assert "(killed by SIGKILL)" in str(outcomes[0])
    with pytest.raises(HelperExited):
        c.signum("TERM")
    c.close()


def test_helper_exit_status_and_stderr_reach_the_caller(tmp_path: Path) -> None:
    script = tmp_path / "dies"
    script.write_text("#!/bin/sh\nread line\necho 'something broke' >&2\nexit 3\n")
    script.chmod(0o755)
    with Client(script) as c, pytest.raises(HelperExited) as gone:
        c.signum("TERM")
    assert gone.value.returncode == 3
    assert "something broke" in gone.value.stderr and "exit status 3" in str(gone.value)


def test_close_is_idempotent_and_leaves_no_process() -> None:
    c = Client()
    assert c.signum("TERM") == 15
    proc = c._conn._proc
    c.close()
    c.close()
    assert proc.returncode == 0
    with pytest.raises(HelperExited):
        c.signum("TERM")


def test_garbage_collection_ends_the_helper() -> None:
    c = Client()
    proc = c._conn._proc
    del c
    gc.collect()
    assert proc.returncode is not None


def test_version_tracks_the_helper() -> None:
    out = subprocess.run([HELPER, "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["sigrpc", sigrpc.__version__]


def test_rpc_timeout_bounds_a_wait_of_several_requests(
    client: Client, child: subprocess.Popen[bytes]
) -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        client.wait(child.pid, rpc_timeout=0.1)  # forever: a series of one-day waits
    with pytest.raises(TimeoutError):
        client.process(child.pid).wait(rpc_timeout=0.1)
    assert time.monotonic() - started < 2
    assert client.signum("TERM") == 15


def test_children(client: Client, spawn: Spawn) -> None:
    """children(pid) lists a child with its identity (once the helper has children)."""
    parent = spawn("sh", "-c", "sleep 60 & wait")
    listing = Path(f"/proc/{parent.pid}/task/{parent.pid}/children")
    wait_until(lambda: listing.read_text().strip(), what="the grandchild")
    grandchild = int(listing.read_text().split()[0])
    # The fork shows before the exec: wait until the grandchild is sleep, not sh.
    comm = Path(f"/proc/{grandchild}/comm")
    wait_until(lambda: comm.read_text().strip() == "sleep", what="the grandchild's exec")
    try:
        try:
            found = client.children(parent.pid)
        except RPCError as missing:  # an older helper without children
            assert missing.code == -32601
            pytest.skip("this helper has no children method: checked only that it says so")
        assert [(c.pid, c.ppid, c.comm) for c in found] == [(grandchild, parent.pid, "sleep")]
        assert found[0].start_time == client.inspect(grandchild).start_time
        assert grandchild in [c.pid for c in client.children(os.getpid(), recursive=True)]
    finally:
        # Still the child of the live sh, so the pid is still this test's grandchild.
        os.kill(grandchild, signal.SIGKILL)
        assert parent.wait(10) is not None
