"""The synchronous Client against the real helper."""

from __future__ import annotations

import gc
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import ABSENT_PID, HELPER

import sigrpc
import sigrpc._watch
from sigrpc import Client, HelperExited, PolicyError, RPCError
from sigrpc._client import _Slot
from sigrpc._watch import Watcher

Spawn = Callable[..., subprocess.Popen[bytes]]


def run_threads(pool: list[threading.Thread], seconds: float) -> None:
    """Start the threads and wait for them all; fail if one is still waiting after seconds."""
    for t in pool:
        t.start()
    deadline = time.monotonic() + seconds
    for t in pool:
        t.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in pool), "a caller was left waiting"


@pytest.fixture(params=[sigrpc.DEFAULT_SPIN, 0.0], ids=["spin", "no-spin"])
def client(request: pytest.FixtureRequest) -> Iterator[Client]:
    """A client that watches the pipe before sleeping, and one that sleeps at once."""
    with Client(spin=request.param) as c:
        yield c


@pytest.mark.parametrize("spin", [-1e-6, 0.0011, float("nan")])
def test_spin_out_of_range_is_refused(spin: float) -> None:
    with pytest.raises(ValueError, match=r"spin must be between 0 and 0\.001"):
        Client(spin=spin)
    with pytest.raises(ValueError, match=r"spin must be between 0 and 0\.001"):
        sigrpc.AsyncClient(spin=spin)


def test_watching_backs_off_while_the_helper_is_slow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sigrpc._watch, "usable_cpus", lambda: 2)
    r, w = os.pipe()
    try:
        watcher = Watcher(r, 1e-6)
        skipped = []
        for _ in range(8):
            assert watcher.watch() is False  # sees nothing: the window passes
            skipped.append(watcher.skip)
            while watcher.skip:
                assert watcher.watch() is False  # at once, without watching
        assert skipped == [1, 3, 7, 15, 31, 63, 63, 63]
        os.write(w, b"x")
        assert watcher.watch() is True
        assert watcher.misses == watcher.skip == 0
    finally:
        os.close(r)
        os.close(w)


def test_one_usable_cpu_means_no_watching(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sigrpc._watch, "usable_cpus", lambda: 1)
    with Client(spin=1e-3) as c:
        assert c._conn.watcher.spin == 0
        assert c.signum("TERM") == 15


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
@pytest.mark.parametrize(("spin", "flag"), [(0.0, "--spin=0ns"), (1e-3, "--spin=1000000ns")])
def test_spin_is_the_helpers_too(spin: float, flag: str) -> None:
    with Client(spin=spin) as c:
        argv = Path(f"/proc/{c.pid}/cmdline").read_bytes().split(b"\0")
        assert flag.encode() in argv
        assert c.signum("TERM") == 15


def test_signum_accepts_names_numbers_and_signals_members(client: Client) -> None:
    assert client.signum("TERM") == 15
    assert client.signum("SIGTERM") == 15
    assert client.signum("term") == 15
    assert client.signum(signal.SIGKILL) == 9
    assert client.signum(999) == 999
    assert client.signum("BLAH") is None


def test_signame_and_signals(client: Client) -> None:
    assert client.signame(15) == "TERM"
    assert client.signame(143, exit_status=True) == "TERM"
    assert client.signame(999) is None
    table = client.signals()
    assert table["NONE"] == 0
    assert table["KILL"] == signal.SIGKILL


def test_kill_signals_a_child(client: Client, child: subprocess.Popen[bytes]) -> None:
    client.kill(child.pid, 0)
    assert child.poll() is None
    client.kill(child.pid, signal.SIGUSR1)
    assert child.wait(10) == -signal.SIGUSR1


def test_kill_defaults_to_term(client: Client, child: subprocess.Popen[bytes]) -> None:
    client.kill(child.pid)
    assert child.wait(10) == -signal.SIGTERM


def test_errors_are_raised_as_os_kill_raises_them(client: Client) -> None:
    with pytest.raises(ProcessLookupError) as lookup:
        client.kill(ABSENT_PID, 0)
    assert lookup.value.errno == 3
    assert lookup.value.strerror == "No such process"
    with pytest.raises(OSError) as invalid:
        client.kill(ABSENT_PID, 999)
    assert invalid.value.errno == 22
    with pytest.raises(ValueError, match="unknown signal name"):
        client.kill(ABSENT_PID, "FOO")
    with pytest.raises(TypeError):
        client.kill(ABSENT_PID, 1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(("pid", "reason"), [(-1, "broadcast"), (0, "process-group")])
def test_policy_refusals(client: Client, pid: int, reason: str) -> None:
    with pytest.raises(PolicyError) as refused:
        client.kill(pid, "NONE")
    assert refused.value.reason == reason
    assert refused.value.code == -32001


def test_permission_error(spawn: Spawn, child: subprocess.Popen[bytes], tmp_path: Path) -> None:
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
    with pytest.raises(ProcessLookupError) as mismatch:
        client.kill(child.pid, "TERM", start_time=info.start_time + "1")
    assert mismatch.value.reason == "start_time mismatch"  # type: ignore[attr-defined]
    assert child.poll() is None
    client.kill(child.pid, "TERM", start_time=info.start_time)
    assert child.wait(10) == -signal.SIGTERM
    with pytest.raises(ProcessLookupError):
        client.inspect(ABSENT_PID)


def test_wait_and_terminate(client: Client, spawn: Spawn) -> None:
    first = spawn()
    assert client.wait(first.pid) is False
    result = client.terminate(first.pid, grace=5)
    assert (result.exited, result.escalated) == (True, False)
    assert first.wait(10) == -signal.SIGTERM
    stubborn = spawn("sh", "-c", 'trap "" TERM; exec sleep 60')
    deadline = time.monotonic() + 10
    while client.inspect(stubborn.pid).comm != "sleep":  # TERM is ignored once sleep runs
        assert time.monotonic() < deadline
        time.sleep(0.001)
    result = client.terminate(stubborn.pid, grace=0.1, escalate_grace=5)
    assert result.exited and result.escalated and result.elapsed_ms >= 100
    assert stubborn.wait(10) == -signal.SIGKILL
    assert client.wait(ABSENT_PID) is True


def test_call_and_rpc_errors(client: Client) -> None:
    assert client.call("signum", ["INT"]) == 2
    assert client.call("signum", {"name": "HUP"}) == 1
    with pytest.raises(RPCError) as missing:
        client.call("nope")
    assert missing.value.code == -32601
    assert missing.value.data == {"method": "nope"}


def test_many_threads_get_their_own_answers(client: Client) -> None:
    threads, calls = 16, 10_000
    errors: list[str] = []

    def work(base: int) -> None:
        for i in range(calls):
            n = base * calls + i
            got = client.signum(n)
            if got != n:
                errors.append(f"asked {n}, got {got}")
                return

    run_threads([threading.Thread(target=work, args=(t,)) for t in range(threads)], 120)
    assert not errors


def test_tiny_timeouts_among_threads_strand_no_one(client: Client) -> None:
    """Calls that time out at once, mixed with calls that wait, from many threads."""
    errors: list[str] = []

    def work(seed: int) -> None:
        for i in range(500):
            n = seed * 1000 + i
            try:
                if i % 5 == 0:
                    client.signum(n, timeout=1e-6 * (seed + 1))
                elif (got := client.signum(n)) != n:
                    errors.append(f"asked {n}, got {got}")
            except TimeoutError:
                pass

    run_threads([threading.Thread(target=work, args=(t,)) for t in range(8)], 60)
    assert not errors
    assert client.signum("TERM") == 15


def test_helper_killed_mid_flight_fails_every_pending_call(child: subprocess.Popen[bytes]) -> None:
    c = Client()
    outcomes: list[BaseException] = []
    done = threading.Event()

    def wait_long() -> None:
        try:
            c.wait(child.pid, 30)
        except BaseException as exc:
            outcomes.append(exc)
            if len(outcomes) == 5:
                done.set()

    pool = [threading.Thread(target=wait_long) for _ in range(5)]
    for t in pool:
        t.start()
    deadline = time.monotonic() + 10
    while len(c._conn.pending) < 5 and time.monotonic() < deadline:
        time.sleep(0.001)
    killed = time.monotonic()
    os.kill(c.pid, signal.SIGKILL)  # the helper is this test's child
    assert done.wait(1), "pending calls were not failed within 1 s"
    assert time.monotonic() - killed < 1
    assert all(isinstance(e, HelperExited) for e in outcomes)
    assert isinstance(outcomes[0], HelperExited) and outcomes[0].returncode == -signal.SIGKILL
    with pytest.raises(HelperExited):
        c.signum("TERM")
    c.close()
    with Client() as fresh:
        assert fresh.signum("TERM") == 15


def test_close_leaves_stdout_to_a_reader_still_reading() -> None:
    """Closing the pipe under a reader would free its fd for another file."""
    c = Client()
    conn = c._conn
    with conn.lock:
        conn.reading = True  # a caller is reading, about to read again
    c.close()
    assert conn.proc.stdout is not None and not conn.proc.stdout.closed
    done = _Slot()
    done.set(None, None)
    conn._lead(done, None, True)  # the reader finds its call done and leaves
    assert conn.proc.stdout.closed


def test_timeout_discards_the_late_answer(client: Client, child: subprocess.Popen[bytes]) -> None:
    with pytest.raises(TimeoutError):
        client.wait(child.pid, 30, timeout=0.1)
    child.kill()  # the late answer to the wait arrives now, and is dropped
    child.wait()
    assert client.wait(child.pid, 5) is True
    assert client.signum("INT") == 2


def test_callers_that_time_out_hand_the_reading_on(
    client: Client, child: subprocess.Popen[bytes]
) -> None:
    """Callers time out while others wait on them to read: nobody is stranded."""
    timeouts: list[int] = []
    errors: list[str] = []

    def impatient() -> None:
        for _ in range(5):
            try:
                client.wait(child.pid, 30, timeout=0.02)
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
def test_a_waiting_caller_takes_over_the_reading(
    client: Client, child: subprocess.Popen[bytes], first_times_out: bool
) -> None:
    """The reading caller leaves first (answered, or timed out); the one still waiting
    must take over the reading."""
    results: dict[str, object] = {}

    def first() -> None:
        timeout = 0.15 if first_times_out else None
        try:  # the child lives, so wait answers False after its seconds
            results["first"] = client.wait(child.pid, 0.3, timeout=timeout)
        except TimeoutError as e:
            results["first"] = e

    def second() -> None:
        results["second"] = client.wait(child.pid, 0.6)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    deadline = time.monotonic() + 5
    while not client._conn.reading:  # until first reads; second will then wait for it
        assert time.monotonic() < deadline
        time.sleep(0.001)
    threads[1].start()
    for t in threads:
        t.join(10)
    assert not threads[1].is_alive(), "the waiting caller was never handed the reading"
    assert results["second"] is False
    if first_times_out:
        assert isinstance(results["first"], TimeoutError)
    else:
        assert results["first"] is False


def test_close_is_idempotent_and_leaves_no_process() -> None:
    c = Client()
    proc = c._conn.proc
    c.close()
    c.close()
    assert proc.returncode == 0
    with pytest.raises(HelperExited):
        c.signum("TERM")


def test_garbage_collection_ends_the_helper() -> None:
    c = Client()
    proc = c._conn.proc
    del c
    gc.collect()
    assert proc.returncode is not None


def test_missing_helper_says_what_it_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(FileNotFoundError, match="command='/nonexistent/sigrpc'"):
        Client("/nonexistent/sigrpc")
    monkeypatch.setenv("SIGRPC_BIN", "/nonexistent/sigrpc")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(FileNotFoundError, match=r"SIGRPC_BIN.*PATH"):
        Client()


def test_version_tracks_the_helper() -> None:
    out = subprocess.run([HELPER, "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["sigrpc", sigrpc.__version__]


def test_any_method_name_is_sent_intact(client: Client) -> None:
    with pytest.raises(RPCError) as missing:
        client.call('we"ird\nméthod')
    assert missing.value.data == {"method": 'we"ird\nméthod'}
