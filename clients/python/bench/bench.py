"""Throughput of the Python client: signum calls per second.

Prints one-in-flight and pipelined rates (threads and asyncio) and compares
them with os.kill in-process and with spawning /bin/kill per call. With
$SIGRPC_ECHO set to a pipe echo (`sigrpc-bench -fixture echo`), it also
measures the pipe floor from Python: a bare loop of os.write, poll and
os.read on the echo's pipes, one request in flight and 256 in flight (and
one in flight from an event loop, as AsyncClient reads), and
shows each sigrpc row's ratio to the floor of its kind. Like the client, the
floor sleeps in poll until the answer comes, and the echo sleeps at once
after answering. Rows marked "both watch" have each side watch its input
for up to 50 µs before sleeping, as both clients and their helper do by
default (spin=50e-6; the helper's --spin; AsyncClient watches only for a
call alone in flight); "spin 0" rows watch on neither side. The spawn row
times Client() and its first answer (µs/call is then µs per spawn). The
kill rows time ``kill(pid, 0)`` to a child, one call at a time (the
median of five rounds, taking turns), from Client and AsyncClient, and,
when psutil can be imported (it is no dependency: install it beside the
client to compare), ``psutil.Process(pid).send_signal(0)``, which checks
that the pid still names the process and calls os.kill. Run it with `make
bench-python`; it is a benchmark, not a test.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import select
import statistics
import subprocess
import threading
import time
from collections.abc import Callable

from sigrpc import AsyncClient, Client
from sigrpc._watch import Watch

#: Client's default spin, in seconds: the helper's --spin and the client's
#: own watch.
SPIN = 50e-6


def rate(n: int, fn: Callable[[], None]) -> float:
    """Run fn (which makes n calls) and return calls per second."""
    start = time.perf_counter()
    fn()
    return n / (time.perf_counter() - start)


def best(measure: Callable[[], float], rounds: int = 3) -> float:
    """The best of rounds measurements: the machine is shared and noisy."""
    return max(measure() for _ in range(rounds))


def one_in_flight(c: Client, n: int) -> None:
    for _ in range(n):
        c.signum("TERM")


def threaded(c: Client, n: int, threads: int) -> None:
    def work() -> None:
        for _ in range(n // threads):
            c.signum("TERM")

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


async def workers(n: int, tasks: int) -> float:
    """tasks tasks, each making n // tasks calls one after another."""
    async with AsyncClient() as c:

        async def work() -> None:
            for _ in range(n // tasks):
                await c.signum("TERM")

        start = time.perf_counter()
        await asyncio.gather(*(work() for _ in range(tasks)))
        return n // tasks * tasks / (time.perf_counter() - start)


async def async_one_in_flight(n: int, spin: float = SPIN) -> float:
    """AsyncClient calls awaited one after another."""
    async with AsyncClient(spin=spin) as c:
        start = time.perf_counter()
        for _ in range(n):
            await c.signum("TERM")
        return n / (time.perf_counter() - start)


async def gathered(n: int) -> float:
    """asyncio.gather of n calls, all in flight at once: a task per call."""
    async with AsyncClient() as c:
        start = time.perf_counter()
        await asyncio.gather(*(c.signum("TERM") for _ in range(n)))
        return n / (time.perf_counter() - start)


REQUEST = b'{"jsonrpc":"2.0","id":1,"method":"signum","params":["TERM"]}\n'


def echo_floor(echo: str, n: int, depth: int, spin: float = 0.0) -> float:
    """Calls per second through a bare pipe echo, depth lines in flight.

    Like Client, the loop and the echo each watch their input for up to spin
    seconds before sleeping (Client's watch, the helper's --spin).
    """
    proc = subprocess.Popen([echo, "-fixture", "echo", f"-spin={round(spin * 1e9)}ns"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    fd_in, fd_out = proc.stdin.fileno(), proc.stdout.fileno()
    poll = select.poll()
    poll.register(fd_out, select.POLLIN)
    watch = Watch(spin)
    burst = REQUEST * depth
    start = time.perf_counter()
    for _ in range(n // depth):
        os.write(fd_in, burst)
        want = len(burst)
        while want:
            watch.wait(poll.poll) or poll.poll()
            want -= len(os.read(fd_out, want))
    elapsed = time.perf_counter() - start
    proc.stdin.close()
    proc.wait()
    return n // depth * depth / elapsed


async def async_echo_floor(echo: str, n: int) -> float:
    """Calls per second through a bare pipe echo from an event loop, one line
    in flight: the loop sleeps in epoll until the line is back (add_reader),
    as AsyncClient does, and the echo sleeps at once after answering."""
    proc = subprocess.Popen([echo, "-fixture", "echo", "-spin=0"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    fd_in, fd_out = proc.stdin.fileno(), proc.stdout.fileno()
    os.set_blocking(fd_out, False)
    loop = asyncio.get_running_loop()
    back: asyncio.Future[None] | None = None
    want = 0

    def readable() -> None:
        nonlocal want
        want -= len(os.read(fd_out, want))
        if want == 0 and back is not None and not back.done():
            back.set_result(None)

    loop.add_reader(fd_out, readable)
    start = time.perf_counter()
    for _ in range(n):
        back, want = loop.create_future(), len(REQUEST)
        os.write(fd_in, REQUEST)
        await back
    elapsed = time.perf_counter() - start
    loop.remove_reader(fd_out)
    proc.stdin.close()
    proc.wait()
    return n / elapsed


def spawn_to_first() -> float:
    """Spawns per second: start a Client and wait for its first answer (close untimed)."""
    start = time.perf_counter()
    c = Client()
    c.signum("TERM")
    elapsed = time.perf_counter() - start
    c.close()
    return 1 / elapsed


def kill_rows(n: int, rounds: int = 5) -> list[tuple[str, float, str]]:
    """kill(pid, 0) to a child of this process, one call at a time: each
    contender's median over rounds, the contenders taking turns."""
    child = subprocess.Popen(["sleep", "600"])
    pid = child.pid
    try:
        with Client() as c:
            def sync_kill() -> float:
                start = time.perf_counter()
                for _ in range(n):
                    c.kill(pid, 0)
                return n / (time.perf_counter() - start)

            async def async_kill(spin: float) -> float:
                async with AsyncClient(spin=spin) as ac:
                    start = time.perf_counter()
                    for _ in range(n):
                        await ac.kill(pid, 0)
                    return n / (time.perf_counter() - start)

            contenders: list[tuple[str, Callable[[], float], str]] = [
                ("sigrpc kill(pid, 0) one in flight", sync_kill, "one"),
                ("sigrpc asyncio kill(pid, 0), spin 0",
                 lambda: asyncio.run(async_kill(0.0)), "one"),
                ("sigrpc asyncio kill(pid, 0) (both watch)",
                 lambda: asyncio.run(async_kill(SPIN)), "one"),
            ]
            try:
                psutil = importlib.import_module("psutil")
            except ImportError:
                pass
            else:
                proc = psutil.Process(pid)

                def psutil_kill() -> float:
                    start = time.perf_counter()
                    for _ in range(n):
                        proc.send_signal(0)
                    return n / (time.perf_counter() - start)

                contenders.append((f"psutil {psutil.__version__} send_signal(0)", psutil_kill, ""))
            results: list[list[float]] = [[] for _ in contenders]
            for _ in range(rounds):
                for (_, measure, _), got in zip(contenders, results, strict=True):
                    got.append(measure())
            return [(name, statistics.median(got), kind)
                    for (name, _, kind), got in zip(contenders, results, strict=True)]
    finally:
        child.kill()
        child.wait()


def os_kill(n: int) -> None:
    pid = os.getpid()
    for _ in range(n):
        os.kill(pid, 0)


def spawn_kill(n: int) -> None:
    pid = str(os.getpid())
    for _ in range(n):
        subprocess.run(["/bin/kill", "-0", pid], check=True)


def main() -> None:
    n = 50_000
    echo = os.environ.get("SIGRPC_ECHO")
    # (name, calls/s, kind): rows of a kind share a floor.
    rows: list[tuple[str, float, str]] = []
    if echo:
        rows.append(("pipe echo one in flight (floor)",
                     best(lambda: echo_floor(echo, 20_000, 1)), "one"))
        rows.append(("pipe echo 256 in flight (floor)",
                     best(lambda: echo_floor(echo, n, 256)), "many"))
    if echo:
        rows.append(("pipe echo one in flight, both watch",
                     best(lambda: echo_floor(echo, 20_000, 1, spin=SPIN)), "one"))
        rows.append(("pipe echo one in flight, from asyncio",
                     best(lambda: asyncio.run(async_echo_floor(echo, 20_000))), "one"))
    with Client(spin=0) as c:
        rows.append(("sigrpc one in flight, spin 0",
                     best(lambda: rate(20_000, lambda: one_in_flight(c, 20_000))), "one"))
    with Client() as c:
        rows.append(("sigrpc one in flight (both watch)",
                     best(lambda: rate(20_000, lambda: one_in_flight(c, 20_000))), "one"))
        rows.append(("sigrpc 16 threads",
                     best(lambda: rate(n, lambda: threaded(c, n, 16))), "many"))
    rows.append(("sigrpc asyncio one in flight, spin 0",
                 best(lambda: asyncio.run(async_one_in_flight(20_000, 0.0))), "one"))
    rows.append(("sigrpc asyncio one in flight (both watch)",
                 best(lambda: asyncio.run(async_one_in_flight(20_000))), "one"))
    rows.append(("sigrpc asyncio, 256 tasks in flight",
                 best(lambda: asyncio.run(workers(n, 256))), "many"))
    rows.append(("sigrpc asyncio, 1024 tasks in flight",
                 best(lambda: asyncio.run(workers(n, 1024))), "many"))
    rows.append(("sigrpc asyncio.gather, a task per call",
                 best(lambda: asyncio.run(gathered(n))), "many"))
    rows.extend(kill_rows(10_000))
    rows.append(("spawn helper, first answer", best(spawn_to_first, 5), ""))
    rows.append(("os.kill(pid, 0) in-process", rate(n, lambda: os_kill(n)), ""))
    rows.append(("spawn /bin/kill per call", rate(200, lambda: spawn_kill(200)), ""))
    spawn_rate = rows[-1][1]
    floors = {kind: r for name, r, kind in rows if name.endswith("(floor)")}
    print(f"{'what':42} {'calls/s':>12} {'µs/call':>10} {'vs /bin/kill':>13} {'vs floor':>9}")
    for name, r, kind in rows:
        vs_floor = f"{floors[kind] / r:8.2f}x" if kind in floors else f"{'—':>9}"
        print(f"{name:42} {r:12,.0f} {1e6 / r:10.1f} {r / spawn_rate:12.0f}x {vs_floor}")


if __name__ == "__main__":
    main()
