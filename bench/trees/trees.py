"""Ending a process tree: sigrpc terminate(tree) against psutil, tree-kill and kill(-pgid).

Run it with `make bench-trees` (as root on a host, so that sigrpc follows
the kernel's fork events); it is a benchmark, not a test. Linux only.

Every tree runs under a child subreaper started for it (this file with
`subreaper`: prctl(PR_SET_CHILD_SUBREAPER)), whose root leads a session and
process group of its own. Whatever a tree orphans is reparented to that
subreaper, where it can be found and, at the end of each trial, killed: the
subreaper sends SIGKILL only to its own children, which it has not reaped
and whose pids therefore cannot have been reused, until it has none.

Trees:

- plain: `sh` running 4 shells that start 50 `sleep 1000` each (205
  members). Measured: the wall time from the call to every member gone (an
  exited process counts as gone, reaped or not), through pidfds opened on
  every member beforehand.
- forker: a Python root with 3 workers, each forking a child about every
  millisecond; a child lives 30 ms, unless its parent dies first: then it
  lives on (60 s) so that a child that escaped is still there to be counted.
- double-forker: a Python root with 2 workers, each running `sh -c 'sleep
  1000 & exit 0'` over and over, about every millisecond: the sleep is
  orphaned at once.

Methods (each sends SIGTERM first):

- sigrpc: Client().terminate(root, tree=True) (timeout 5 s, then KILL).
- psutil: p.children(recursive=True), terminate() each and the root,
  wait_procs(timeout=5), kill() the survivors: psutil's documented recipe.
- tree-kill: npm tree-kill 1.2 through treekill.mjs (one node process for
  the whole run; its start-up is not measured).
- killpg: os.killpg(root, SIGTERM); the root leads its own process group.

Survivors, for the forking trees: processes under the subreaper that were
not there (as its children: earlier orphans) just before the call and are
still alive 0.3 s after the call returned and the tree's members at the call
were all gone (or 6 s had passed).

Arguments: --rounds N (plain tree, default 7), --fork-rounds N (each forking
tree, default 7), --treekill PATH (the tree-kill package's directory; without
it tree-kill is left out), --json FILE (every trial's numbers).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import resource
import select
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
THIS = os.path.abspath(__file__)
PR_SET_CHILD_SUBREAPER = 36
#: No process of a tree, nor its subreaper, outlives this many seconds.
LIFETIME = 90

PLAIN_SHELLS, PLAIN_SLEEPS = 4, 50
PLAIN_SIZE = 1 + PLAIN_SHELLS + PLAIN_SHELLS * PLAIN_SLEEPS
PLAIN_SH = (
    f"i=0; while [ $i -lt {PLAIN_SHELLS} ]; do "
    f"sh -c 'j=0; while [ $j -lt {PLAIN_SLEEPS} ]; do sleep 1000 & j=$((j+1)); done; wait' & "
    "i=$((i+1)); done; wait"
)
FORKER_WORKERS, FORKER_PERIOD, FORKER_LIFE = 3, 0.001, 0.03
DOUBLE_WORKERS, DOUBLE_PERIOD = 2, 0.001
#: How long a forking tree runs before the call.
WARMUP = 0.5
#: How long to wait for a tree's members to go after the call returned.
GONE_TIMEOUT = 6.0
METHODS = ("sigrpc", "psutil", "tree-kill", "killpg")


# ---- /proc -----------------------------------------------------------------

def stat(pid: int) -> tuple[str, int] | None:
    """(state, start time in ticks) of pid, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = data[data.rindex(b")") + 2:].split()
    return fields[0].decode(), int(fields[19])


def boot_tick() -> int:
    """The clock tick since boot now, as /proc/<pid>/stat counts start times."""
    return int(time.clock_gettime(time.CLOCK_BOOTTIME) * os.sysconf("SC_CLK_TCK"))


def alive(pid: int) -> bool:
    s = stat(pid)
    return s is not None and s[0] not in ("Z", "X")


def children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out.extend(int(p) for p in f.read().split())
        except FileNotFoundError:
            pass
    return out


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        kids = children(todo.pop())
        out.extend(kids)
        todo.extend(kids)
    return out


# ---- the trees' own processes (run by this file) ---------------------------

def role_subreaper(cmd: list[str]) -> None:
    """Become a child subreaper, start cmd in a new session, print its pid,
    reap whatever ends; on "cleanup" or end of input, kill every child until
    none is left (answering "clean")."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit(f"prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(ctypes.get_errno())}")

    def reap(*_: object) -> None:
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    return
            except ChildProcessError:
                return

    def cleanup(*_: object) -> None:
        # SIGCHLD blocked: only this loop reaps, so a pid read from our
        # children list stays ours until we reap it.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            kids = children(os.getpid())
            if not kids:
                break
            for k in kids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(k, signal.SIGKILL)
            time.sleep(0.005)
            reap()
        reap()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})

    def expire(*_: object) -> None:
        cleanup()
        os._exit(1)

    signal.signal(signal.SIGCHLD, reap)
    signal.signal(signal.SIGALRM, expire)
    signal.alarm(LIFETIME)
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, 0)
            os.dup2(null, 1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    print(pid, flush=True)
    for line in sys.stdin:
        if line.strip() == "cleanup":
            cleanup()
            print("clean", flush=True)
    cleanup()


def role_forker() -> None:
    def worker() -> None:
        r, w = os.pipe()
        end = time.monotonic() + LIFETIME
        while time.monotonic() < end:
            if os.fork() == 0:
                os.close(w)
                signal.alarm(LIFETIME)
                # EOF on r: the worker has gone; live on, to be counted.
                if select.select([r], [], [], FORKER_LIFE)[0]:
                    time.sleep(60)
                os._exit(0)
            with contextlib.suppress(ChildProcessError):
                while os.waitpid(-1, os.WNOHANG)[0]:
                    pass
            time.sleep(FORKER_PERIOD)

    run_workers(FORKER_WORKERS, worker)


def role_doubleforker() -> None:
    argv = ["sh", "-c", "sleep 1000 & exit 0"]

    def worker() -> None:
        end = time.monotonic() + LIFETIME
        while time.monotonic() < end:
            os.waitpid(os.posix_spawn("/bin/sh", argv, os.environ), 0)
            time.sleep(DOUBLE_PERIOD)

    run_workers(DOUBLE_WORKERS, worker)


def run_workers(n: int, worker: Callable[[], None]) -> None:
    signal.alarm(LIFETIME)
    for _ in range(n):
        if os.fork() == 0:
            try:
                signal.alarm(LIFETIME)
                worker()
            finally:
                os._exit(0)
    with contextlib.suppress(ChildProcessError):
        while True:
            os.wait()


# ---- the driver ------------------------------------------------------------

class Tree:
    """One tree under its own subreaper, cleaned up on exit."""

    def __init__(self, kind: str) -> None:
        root_cmd = {
            "plain": ["sh", "-c", PLAIN_SH],
            "forker": [sys.executable, THIS, "forker"],
            "double-forker": [sys.executable, THIS, "doubleforker"],
        }[kind]
        self.kind = kind
        self.reaper = subprocess.Popen(
            [sys.executable, THIS, "subreaper", *root_cmd],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.reaper.stdout is not None
        self.root = int(self.reaper.stdout.readline())

    def __enter__(self) -> Tree:
        return self

    def __exit__(self, *_: object) -> None:
        try:
            assert self.reaper.stdin is not None and self.reaper.stdout is not None
            self.reaper.stdin.write("cleanup\n")
            self.reaper.stdin.flush()
            self.reaper.stdout.readline()
            left = children(self.reaper.pid)
            if left:
                print(f"warning: {len(left)} processes left under the subreaper",
                      file=sys.stderr)
            self.reaper.stdin.close()
            self.reaper.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.reaper.kill()  # our own child
            self.reaper.wait()

    def ready(self) -> None:
        deadline = time.monotonic() + 20
        if self.kind == "plain":
            while len(descendants(self.root)) < PLAIN_SIZE - 1:
                if time.monotonic() > deadline:
                    raise RuntimeError("plain tree not complete after 20 s")
                time.sleep(0.01)
        else:
            time.sleep(WARMUP)
        if not alive(self.root) or os.getpgid(self.root) != self.root:
            raise RuntimeError("tree root gone or not leading its group")


class Methods:
    """The four ways to end a tree; each returns notes for the trial."""

    def __init__(self, treekill: str | None) -> None:
        import psutil  # the bench's own venv: never a dependency of the clients
        from sigrpc import Client
        self.psutil = psutil
        self.client = Client()
        self.node: subprocess.Popen[str] | None = None
        if treekill:
            self.node = subprocess.Popen(
                ["node", os.path.join(HERE, "treekill.mjs"), treekill],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def close(self) -> None:
        self.client.close()
        if self.node:
            assert self.node.stdin is not None
            self.node.stdin.close()
            try:
                self.node.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.node.kill()
                self.node.wait()

    def available(self) -> list[str]:
        return [m for m in METHODS if m != "tree-kill" or self.node]

    def sigrpc(self, root: int) -> dict[str, Any]:
        r = self.client.terminate(root, tree=True, timeout=5, rpc_timeout=30)
        return {"sigrpc_method": r.method, "complete": r.complete, "exited": r.exited,
                "members": len(r.members or ()), "escalated": r.escalated}

    def psutil_recipe(self, root: int) -> dict[str, Any]:
        ps = self.psutil
        parent = ps.Process(root)
        procs = parent.children(recursive=True)
        procs.append(parent)
        for p in procs:
            with contextlib.suppress(ps.NoSuchProcess):
                p.terminate()
        _, survivors = ps.wait_procs(procs, timeout=5)
        for p in survivors:
            with contextlib.suppress(ps.NoSuchProcess):
                p.kill()
        return {"members": len(procs), "killed": len(survivors)}

    def tree_kill(self, root: int) -> dict[str, Any]:
        assert self.node and self.node.stdin and self.node.stdout
        self.node.stdin.write(f"{root}\n")
        self.node.stdin.flush()
        # Bounded: past 30 s the node process is ended, which stops tree-kill.
        ready = select.select([self.node.stdout], [], [], 30)[0]
        if not ready:
            self.node.kill()
            self.node.wait()
            self.node = None
            raise RuntimeError("tree-kill took over 30 s; node ended")
        answer = self.node.stdout.readline().strip()
        if answer != "ok":
            raise RuntimeError(f"tree-kill: {answer}")
        return {}

    def killpg(self, root: int) -> dict[str, Any]:
        # The root leads the group: its session was made by our subreaper.
        os.killpg(root, signal.SIGTERM)
        return {}

    def run(self, name: str, root: int) -> dict[str, Any]:
        return {"sigrpc": self.sigrpc, "psutil": self.psutil_recipe,
                "tree-kill": self.tree_kill, "killpg": self.killpg}[name](root)


def pidfds(pids: list[int]) -> list[int]:
    fds = []
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            fds.append(os.pidfd_open(pid))
    return fds


def wait_gone(fds: list[int], deadline: float) -> bool:
    """Wait until every pidfd's process has exited; False at the deadline."""
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    left = len(fds)
    while left:
        ms = int((deadline - time.perf_counter()) * 1000)
        if ms <= 0:
            return False
        for fd, _ in poller.poll(ms):
            poller.unregister(fd)
            left -= 1
    return True


def trial(methods: Methods, kind: str, name: str) -> dict[str, Any]:
    rec: dict[str, Any] = {"tree": kind, "method": name}
    with Tree(kind) as tree:
        tree.ready()
        members = [tree.root, *descendants(tree.root)]
        fds = pidfds(members)
        rec["size"] = len(members)
        try:
            before = set(children(tree.reaper.pid))
            t0 = time.perf_counter()
            tick0 = boot_tick()
            try:
                rec.update(methods.run(name, tree.root))
            except Exception as e:
                rec["error"] = f"{type(e).__name__}: {e}"
            t1 = time.perf_counter()
            rec["call_ms"] = (t1 - t0) * 1000
            rec["gone"] = wait_gone(fds, t1 + GONE_TIMEOUT)
            rec["gone_ms"] = (time.perf_counter() - t0) * 1000
            if kind != "plain" or not rec["gone"]:
                time.sleep(0.05)
            candidates = [p for p in descendants(tree.reaper.pid)
                          if p not in before and p != tree.root and alive(p)]
            if candidates:
                time.sleep(0.3)
            survivors = [p for p in candidates if alive(p)]
            rec["survivors"] = len(survivors)
            # Born two ticks (at least 10 ms) after the call began, when
            # the request had long reached the helper: what a method that
            # follows the tree from its call on must not leave.
            rec["late_survivors"] = sum(1 for p in survivors if (stat(p) or ("", 0))[1] > tick0 + 1)
            rec["orphans_before"] = len(before) - (tree.root in before)
        finally:
            for fd in fds:
                os.close(fd)
    return rec


def spread(xs: list[float], fmt: str) -> str:
    if not xs:
        return "—"
    med = statistics.median(xs)
    if len(xs) == 1:
        return fmt.format(med)
    return f"{fmt.format(med)} ({fmt.format(min(xs))}–{fmt.format(max(xs))})"  # noqa: RUF001


def report(recs: list[dict[str, Any]], names: list[str]) -> None:
    def rows(kind: str, name: str) -> list[dict[str, Any]]:
        return [r for r in recs if r["tree"] == kind and r["method"] == name]

    print("\n| method | 205 sleeps: all gone, ms | forker: survivors / born 10 ms into the call "
          "| double-forker: survivors / born 10 ms into the call |")
    print("| --- | --- | --- | --- |")
    for name in names:
        plain = rows("plain", name)
        cells = [spread([r["gone_ms"] for r in plain if r["gone"] and "error" not in r],
                        "{:.0f}")]
        bad = sum(1 for r in plain if not r["gone"] or "error" in r or r["survivors"])
        if bad:
            cells[0] += f", {bad} of {len(plain)} runs left members"
        for kind in ("forker", "double-forker"):
            rs = rows(kind, name)
            cell = spread([r["survivors"] for r in rs], "{:.0f}")
            if rs:
                cell += " / " + spread([r.get("late_survivors", 0) for r in rs], "{:.0f}")
            errs = sum(1 for r in rs if "error" in r)
            if errs:
                cell += f", {errs} of {len(rs)} calls failed"
            cells.append(cell)
        print(f"| {name} | " + " | ".join(cells) + " |")

    print("\nMedians (min–max) over the runs. Forking trees, the call itself and the tree "  # noqa: RUF001
          "at its start:")
    print("\n| method | forker: call, ms | forker: members | double-forker: call, ms "
          "| double-forker: members |")
    print("| --- | --- | --- | --- | --- |")
    for name in names:
        cells = []
        for kind in ("forker", "double-forker"):
            rs = rows(kind, name)
            cells.append(spread([r["call_ms"] for r in rs], "{:.0f}"))
            cells.append(spread([r["size"] for r in rs], "{:.0f}"))
        print(f"| {name} | " + " | ".join(cells) + " |")
    sig = [r for r in recs if r["method"] == "sigrpc" and "error" not in r]
    seen = sorted({f'"method": "{r["sigrpc_method"]}", "complete": {json.dumps(r["complete"])}'
                   for r in sig})
    print(f"\nsigrpc's results said: {'; '.join(seen) or 'nothing'}")
    errors = [r for r in recs if "error" in r]
    for r in errors:
        print(f"error: {r['tree']} {r['method']}: {r['error']}")


def rounds(kinds: list[tuple[str, int]], names: list[str]) -> Iterator[tuple[str, str]]:
    """Round-robin, so that every method meets the same moments of the machine."""
    for kind, n in kinds:
        for i in range(n):
            order = names[i % len(names):] + names[:i % len(names)]
            for name in order:
                yield kind, name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--fork-rounds", type=int, default=7)
    ap.add_argument("--treekill")
    ap.add_argument("--json")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("note: not root, so sigrpc works by listing, not fork events", file=sys.stderr)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))

    methods = Methods(args.treekill)
    names = methods.available()
    recs: list[dict[str, Any]] = []
    try:
        # One round of each, not counted: caches, node's JIT, the helper.
        for _, name in rounds([("plain", 1)], names):
            trial(methods, "plain", name)
        plan = [("plain", args.rounds), ("forker", args.fork_rounds),
                ("double-forker", args.fork_rounds)]
        for kind, name in rounds(plan, names):
            try:
                rec = trial(methods, kind, name)
            except RuntimeError as e:  # the tree would not start: recorded, and on
                rec = {"tree": kind, "method": name, "error": str(e), "gone": False,
                       "survivors": 0, "call_ms": 0.0, "gone_ms": 0.0, "size": 0}
            recs.append(rec)
            shown = {k: (round(v, 1) if isinstance(v, float) else v) for k, v in rec.items()}
            print(json.dumps(shown), file=sys.stderr)
            if name == "tree-kill" and methods.node is None:
                names.remove("tree-kill")
    finally:
        methods.close()
    report(recs, [n for n in METHODS if any(r["method"] == n for r in recs)])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(recs, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "subreaper":
        role_subreaper(sys.argv[2:])
    elif len(sys.argv) > 1 and sys.argv[1] == "forker":
        role_forker()
    elif len(sys.argv) > 1 and sys.argv[1] == "doubleforker":
        role_doubleforker()
    else:
        main()
