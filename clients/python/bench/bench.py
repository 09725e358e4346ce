"""Throughput of the Python client: signum calls per second.

Prints one-in-flight and pipelined rates (threads and asyncio) and compares
them with os.kill in-process and with spawning /bin/kill per call. Run it
with `make bench-python`; it is a benchmark, not a test.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time
from collections.abc import Callable

from sigrpc import AsyncClient, Client


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


async def gathered(n: int) -> float:
    """asyncio.gather of n calls, all in flight at once: a task per call."""
    async with AsyncClient() as c:
        start = time.perf_counter()
        await asyncio.gather(*(c.signum("TERM") for _ in range(n)))
        return n / (time.perf_counter() - start)


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
    rows: list[tuple[str, float]] = []
    with Client() as c:
        rows.append(("sigrpc one in flight",
                     best(lambda: rate(20_000, lambda: one_in_flight(c, 20_000)))))
        rows.append(("sigrpc 16 threads", best(lambda: rate(n, lambda: threaded(c, n, 16)))))
    rows.append(("sigrpc asyncio, 256 tasks in flight", best(lambda: asyncio.run(workers(n, 256)))))
    rows.append(("sigrpc asyncio.gather, a task per call", best(lambda: asyncio.run(gathered(n)))))
    rows.append(("os.kill(pid, 0) in-process", rate(n, lambda: os_kill(n))))
    rows.append(("spawn /bin/kill per call", rate(200, lambda: spawn_kill(200))))
    spawn_rate = rows[-1][1]
    print(f"{'what':40} {'calls/s':>12} {'µs/call':>10} {'vs /bin/kill':>13}")
    for name, r in rows:
        print(f"{name:40} {r:12,.0f} {1e6 / r:10.1f} {r / spawn_rate:12.0f}x")


if __name__ == "__main__":
    main()
