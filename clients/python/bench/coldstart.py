"""Cold start: what ``import sigrpc`` and a one-shot script cost, against subprocess.

Each row runs a fresh interpreter (this one, ``sys.executable``) many times,
the rows taking turns so that a change in the machine's load touches them
alike, and prints the median wall-clock time of a run with its ratio to the
row it is measured against:

- ``python -c 'import sigrpc'`` against ``python -c 'import subprocess'``
  (the issue's target: at most 3x), with ``python -c pass`` for scale;
- a one-shot script that imports sigrpc, starts a child, kills it through a
  ``Client`` and closes the client, against one that kills the same child
  with ``subprocess.run(["kill", pid])`` (target: within 2x).

The package is imported from this tree's ``src`` (``--installed``: from
wherever the interpreter finds it) and the helper is ``$SIGRPC_BIN`` (by
default the repository's ``bin/sigrpc``, from ``make build``). Modules are
imported from compiled bytecode, as from an installed package (pip compiles
it on install), kept in a temporary ``PYTHONPYCACHEPREFIX`` that the first
runs fill: without it (``PYTHONDONTWRITEBYTECODE``, or a read-only tree)
every run would compile the package's source again. Run it from
clients/python::

    SIGRPC_BIN=$PWD/../../bin/sigrpc python bench/coldstart.py --runs 21

It is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
ROOT = HERE.parents[2]

ONE_SHOT_SIGRPC = """
import subprocess
from sigrpc import Client
child = subprocess.Popen(["sleep", "60"])
with Client() as c:
    c.kill(child.pid, "TERM")
child.wait()
"""

ONE_SHOT_KILL = """
import subprocess
child = subprocess.Popen(["sleep", "60"])
subprocess.run(["kill", str(child.pid)], check=True)
child.wait()
"""

#: (name, code run with -c, the row it is compared with, the target ratio).
ROWS: list[tuple[str, str, str | None, float | None]] = [
    ("python -c pass", "pass", None, None),
    ("python -c 'import subprocess'", "import subprocess", None, None),
    ("python -c 'import sigrpc'", "import sigrpc", "python -c 'import subprocess'", 3.0),
    ("one-shot: subprocess.run(['kill', pid])", ONE_SHOT_KILL, None, None),
    ("one-shot: sigrpc Client().kill(pid)", ONE_SHOT_SIGRPC,
     "one-shot: subprocess.run(['kill', pid])", 2.0),
]


def run_once(code: str, env: dict[str, str]) -> float:
    """Seconds a fresh interpreter takes to run code, start to exit."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="runs of each row (default 21)")
    parser.add_argument("--installed", action="store_true",
                        help="import sigrpc as installed, not from this tree's src")
    opts = parser.parse_args()
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cache = tempfile.mkdtemp(prefix="sigrpc-coldstart-")
    env["PYTHONPYCACHEPREFIX"] = cache
    try:
        measure(opts.runs, opts.installed, env)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def measure(runs: int, installed: bool, env: dict[str, str]) -> None:
    """Run every row runs times, taking turns, and print the table."""
    if not installed:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    env.setdefault("SIGRPC_BIN", str(ROOT / "bin" / "sigrpc"))
    if not os.access(env["SIGRPC_BIN"], os.X_OK):
        sys.exit(f"no helper at {env['SIGRPC_BIN']}: run `make build` or set SIGRPC_BIN")
    for _, code, _, _ in ROWS:  # fill the bytecode and file caches; check that each row runs
        run_once(code, env)
    times: dict[str, list[float]] = {name: [] for name, _, _, _ in ROWS}
    for _ in range(runs):
        for name, code, _, _ in ROWS:
            times[name].append(run_once(code, env))
    medians = {name: statistics.median(t) for name, t in times.items()}
    print(f"{sys.executable} (Python {sys.version.split()[0]}), {runs} runs each,"
          f" {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print(f"{'what':42} {'median ms':>10} {'min ms':>8} {'max ms':>8}  ratio")
    for name, _, against, target in ROWS:
        ratio = ""
        if against is not None:
            ratio = f"{medians[name] / medians[against]:.2f}x {against}"
            ratio += f" (target <= {target:g}x)" if target is not None else ""
        t = times[name]
        print(f"{name:42} {medians[name] * 1e3:10.1f} {min(t) * 1e3:8.1f}"
              f" {max(t) * 1e3:8.1f}  {ratio}")


if __name__ == "__main__":
    main()
