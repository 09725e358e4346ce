"""Load and faults: many pipelined calls, and a client killed mid-flight."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sigrpc import AsyncClient


def vm_hwm_kib(pid: int) -> int:
    """The peak resident memory of pid."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def gone_or_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat[stat.rindex(")") + 2] == "Z"


@pytest.mark.timeout(120)
def test_pipelined_calls_none_lost() -> None:
    # 200,000: hundreds of times the window, at a fifth of a million's time
    # (the helper's own million is cmd/sigrpc's TestMillionPipelinedRequests)
    total, workers = 200_000, 256

    async def main() -> tuple[int, int]:
        async with AsyncClient() as c:
            await c.signum(0)
            before = vm_hwm_kib(c.pid)
            mismatched = 0

            async def work(first: int) -> None:  # every workers-th number from first
                nonlocal mismatched
                for i in range(first, total, workers):
                    if await c.signum(i) != i:
                        mismatched += 1

            await asyncio.gather(*(work(w) for w in range(workers)))
            assert mismatched == 0
            return before, vm_hwm_kib(c.pid)

    before, after = asyncio.run(main())
    print(f"helper VmHWM {before} KiB before, {after} KiB after {total} calls")
    assert after < before + 8 * 1024


def test_client_killed_mid_flight_ends_the_helper(tmp_path: Path) -> None:
    script = tmp_path / "client.py"
    script.write_text(textwrap.dedent("""
        import subprocess, sys, threading
        from sigrpc import Client
        c = Client()
        sleeper = subprocess.Popen(["sleep", "60"])
        threading.Thread(target=c.wait, args=(sleeper.pid, 60), daemon=True).start()
        print(c.pid, sleeper.pid, flush=True)
        threading.Event().wait()
    """))
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    client = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, env=env)
    assert client.stdout is not None
    helper_pid, sleeper_pid = map(int, client.stdout.readline().split())
    try:
        client.send_signal(signal.SIGKILL)  # the client is this test's child
        client.wait(10)
        deadline = time.monotonic() + 3
        while not gone_or_zombie(helper_pid):
            assert time.monotonic() < deadline, "the helper outlived its client by 3 s"
            time.sleep(0.01)
    finally:
        # The sleeper was started by the client, itself started here.
        comm = Path(f"/proc/{sleeper_pid}/comm")
        if not gone_or_zombie(sleeper_pid) and comm.read_text().strip() == "sleep":
            os.kill(sleeper_pid, signal.SIGKILL)
