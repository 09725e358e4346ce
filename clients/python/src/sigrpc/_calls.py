"""Every call the clients make, defined once.

Each public function here is one method of both ``Client`` and
``AsyncClient``: its signature (with the defaults, in Python units), its
docstring, the local argument checks, the wire params and the conversion of
the result. It runs nothing: it returns an operation, which the client runs:

- a ``Call``: one request (method, params, how to convert the result);
- ``Steps``: a generator that yields ``Call`` objects and is sent their
  converted results (an error is thrown into it), for the methods that need
  more than one request, such as a ``wait`` longer than the helper's
  longest ``timeout_ms``.

``_bind`` turns these functions into methods; ``METHODS`` maps each wire
method to its function, for the test that checks them against the helper's
``rpc.discover``.
"""

from __future__ import annotations

import math
import operator
import sys
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")

#: A signal as callers write it: a name ("TERM", "SIGTERM", "term"), a number,
#: or a ``signal.Signals`` member (an int).
SignalLike = str | int

#: The longest ``timeout_ms`` the helper accepts (one day). A longer wait is
#: made of several requests.
MAX_TIMEOUT_MS = 86_400_000

#: Defaults of terminate (and Process.stop), in seconds.
TERMINATE_TIMEOUT = 5.0
ESCALATE_TIMEOUT = 1.0

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1  # C int, as os.kill's pid


# -- results ------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessInfo:
    """What the system reports about a process (``inspect``; Linux).

    ``state`` is the one-letter state of ``/proc/<pid>/stat`` (``R``, ``S``,
    ``Z`` for a zombie, ...); ``start_time`` identifies the process together
    with its pid (stat field 22, as a decimal string).
    """

    pid: int
    ppid: int
    pgid: int
    sid: int
    uid: int
    state: str
    comm: str
    start_time: str


@dataclass(frozen=True)
class ChildInfo:
    """A child (or descendant) of a process (``children``; Linux)."""

    pid: int
    ppid: int
    start_time: str
    comm: str


@dataclass(frozen=True)
class TreeMember:
    """One process of a tree that ``terminate(tree=True)`` acted on.

    ``refused`` is the policy's reason when the process could not be
    signalled (it was then neither stopped nor signalled), else None.
    """

    pid: int
    start_time: str
    exited: bool
    escalated: bool
    refused: str | None = None


#: How ``terminate(tree=True)`` found the members of the tree.
TreeMethod = Literal["listing", "fork-events"]


@dataclass(frozen=True)
class Termination:
    """The outcome of ``terminate`` (and ``Process.stop``).

    ``exited``: the process (with ``tree``, every member) has gone.
    ``escalated``: the escalation signal was delivered. ``refused``: the
    policy's reason when the escalation was refused (nothing was sent).
    ``members``: with ``tree``, what happened to each process of the tree.
    ``method``: with ``tree``, how the members were found, ``"listing"``
    or ``"fork-events"``; ``complete``: whether that method rules out a
    process forked by a member during the call escaping the tree (a
    double fork), rather than making it only unlikely.
    """

    exited: bool
    escalated: bool
    elapsed_ms: int
    refused: str | None = None
    members: tuple[TreeMember, ...] | None = None
    complete: bool | None = None
    method: TreeMethod | None = None


def _process_info(r: Any) -> ProcessInfo:
    return ProcessInfo(r["pid"], r["ppid"], r["pgid"], r["sid"], r["uid"], r["state"],
                       r["comm"], r["start_time"])


def _children(r: Any) -> list[ChildInfo]:
    return [ChildInfo(c["pid"], c["ppid"], c["start_time"], c["comm"]) for c in r]


def _termination(r: Any) -> Termination:
    members = r.get("members")
    return Termination(
        r["exited"], r["escalated"], r["elapsed_ms"], r.get("refused"),
        None if members is None else tuple(
            TreeMember(m["pid"], m["start_time"], m["exited"], m["escalated"], m.get("refused"))
            for m in members
        ),
        r.get("complete"), r.get("method"),
    )


def _exited(r: Any) -> bool:
    return bool(r["exited"])


def _none(_: Any) -> None:
    return None


def _same(value: Any) -> Any:
    return value


# -- operations ---------------------------------------------------------------


class Call(Generic[T]):
    """One request: the method, its params, and how to convert its result.

    ``rpc_timeout`` (seconds, or None) bounds the wait for the answer. A
    plain class with slots: one is built per call, and this is cheaper to
    build than a dataclass.
    """

    __slots__ = ("convert", "method", "params", "rpc_timeout")

    def __init__(self, method: str, params: dict[str, Any] | list[Any],
                 convert: Callable[[Any], T], rpc_timeout: float | None = None) -> None:
        self.method = method
        self.params = params
        self.convert = convert
        self.rpc_timeout = rpc_timeout


class Steps(Generic[T]):
    """Several requests: a generator that yields each ``Call``, is sent its
    converted result (or has its error thrown in), and returns the outcome.

    ``rpc_timeout`` bounds the whole operation.
    """

    __slots__ = ("gen", "rpc_timeout")

    def __init__(self, gen: Generator[Call[Any], Any, T], rpc_timeout: float | None) -> None:
        self.gen = gen
        self.rpc_timeout = rpc_timeout


#: What a call definition returns and a client runs.
Op = Call[T] | Steps[T]


# -- local argument checks, as os.kill makes them ------------------------------


def check_pid(pid: object) -> int:
    """pid as ``os.kill`` takes it: an integer (anything with ``__index__``,
    so also a bool, as os.kill) within the C ``int`` range.

    Raises:
        TypeError: not an integer.
        OverflowError: outside the C int range.
    """
    if type(pid) is not int:
        try:
            pid = operator.index(pid)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(f"pid must be an int, not {type(pid).__name__}") from None
    assert isinstance(pid, int)
    if pid > _INT_MAX:
        raise OverflowError("pid: signed integer is greater than maximum")
    if pid < _INT_MIN:
        raise OverflowError("pid: signed integer is less than minimum")
    return pid


def check_signal(sig: object) -> str | int:
    """sig as the wire wants it: a name (str), or a number (anything with
    ``__index__``, such as ``signal.Signals``) within C ``ssize_t``, as os.kill.

    Raises:
        TypeError: neither a str nor an integer.
        OverflowError: a number outside the C ssize_t range.
    """
    kind = type(sig)
    if kind is str:
        return sig  # type: ignore[return-value]
    if kind is not int:
        if isinstance(sig, str):
            return str(sig)
        try:
            sig = operator.index(sig)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(
                f"a signal is a str or an int (or signal.Signals), not {kind.__name__}"
            ) from None
    assert isinstance(sig, int)
    if not -sys.maxsize - 1 <= sig <= sys.maxsize:
        raise OverflowError("signal number does not fit in a C ssize_t")
    return sig


def check_int(value: object, name: str) -> int:
    """An integer param (anything with ``__index__``), else TypeError."""
    if isinstance(value, int):
        return int(value)
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must be an int, not {type(value).__name__}") from None


def check_start_time(start_time: object) -> str:
    """start_time as the helper takes it: a start time from ``inspect``, 1 to
    20 decimal digits (an int is taken as its decimal form).

    Raises:
        ValueError: anything else, the empty string included, which would
            otherwise look like no guard at all.
    """
    text = str(start_time)
    if not (0 < len(text) <= 20 and text.isascii() and text.isdigit()):
        raise ValueError(
            f"start_time must be a start time from inspect (decimal digits), not {start_time!r}")
    return text


def millis(seconds: object, name: str) -> int:
    """seconds as whole milliseconds for the wire, rounded up (never shorter).

    Raises:
        TypeError: not a number.
        ValueError: negative, NaN, or longer than the helper accepts.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise TypeError(f"{name} must be a number of seconds, not {type(seconds).__name__}")
    if not 0 <= seconds <= MAX_TIMEOUT_MS / 1000:  # also refuses NaN
        raise ValueError(
            f"{name} must be between 0 and {MAX_TIMEOUT_MS // 1000} seconds, not {seconds!r}"
        )
    return math.ceil(round(seconds * 1000, 6))


def wait_chunks(timeout: float | None) -> Iterator[int]:
    """The ``timeout_ms`` of each wait request making up a wait of timeout
    seconds: endless requests of ``MAX_TIMEOUT_MS`` for None, else as many as
    needed. The check happens now, not at the first request.
    """
    if timeout is None:
        return _forever()
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise TypeError(
            f"timeout must be a number of seconds or None, not {type(timeout).__name__}"
        )
    if not timeout >= 0 or math.isinf(timeout):
        raise ValueError(f"timeout must be a finite number of seconds >= 0, not {timeout!r}")
    total = math.ceil(round(timeout * 1000, 6))
    chunks = [MAX_TIMEOUT_MS] * (total // MAX_TIMEOUT_MS)
    if total % MAX_TIMEOUT_MS or not chunks:
        chunks.append(total % MAX_TIMEOUT_MS)
    return iter(chunks)


def _forever() -> Iterator[int]:
    while True:
        yield MAX_TIMEOUT_MS


# -- the calls ---------------------------------------------------------------


def call(method: str, params: dict[str, Any] | list[Any] | None = None, *,
         rpc_timeout: float | None = None) -> Call[Any]:
    """Call any method of the helper; return its result as decoded JSON.

    Errors are raised as for the named methods.
    """
    if not isinstance(method, str):
        raise TypeError(f"method must be a str, not {type(method).__name__}")
    return Call(method, {} if params is None else params, _same, rpc_timeout)


def signum(name: SignalLike, *, rpc_timeout: float | None = None) -> Call[int | None]:
    """The number of a signal name ("TERM", "SIGTERM", "term"); None if this
    platform has no such signal. A number (or ``signal.Signals``) comes back
    as an int, unchanged.

    Raises:
        TypeError: name is neither a str nor an int.
    """
    return Call("signum", {"name": check_signal(name)}, _same, rpc_timeout)


def kill(pid: int, signal: SignalLike = "TERM", *, start_time: str | None = None,
         rpc_timeout: float | None = None) -> Call[None]:
    """Send signal to pid, like ``os.kill`` (0 or "NONE" checks that it exists).

    With start_time (from ``inspect``), send only if the process still has
    it; otherwise raise ProcessLookupError (``exc.reason`` is "start_time
    mismatch") and send nothing. ``Client.process`` does this for you.

    Raises:
        ProcessLookupError: no such process (ESRCH).
        PermissionError: not permitted (EPERM).
        OSError: another OS error, such as EINVAL for a bad signal number.
        ValueError: an unknown signal name, or a start_time that is not one.
        PolicyError: the helper's policy refused; nothing was sent.
        TypeError, OverflowError: as os.kill, for a bad pid or signal;
            nothing was sent.
    """
    params: dict[str, Any] = {"pid": check_pid(pid), "signal": check_signal(signal)}
    if start_time is not None:
        params["start_time"] = check_start_time(start_time)
    return Call("kill", params, _none, rpc_timeout)


def signals(*, rpc_timeout: float | None = None) -> Call[dict[str, int]]:
    """Every signal name the helper's platform knows, with its number:
    ``{"NONE": 0, "HUP": 1, ...}`` (canonical names, no "SIG", no RT names)."""
    return Call("signals", {}, dict, rpc_timeout)


def signame(number: int, *, exit_status: bool = False,
            rpc_timeout: float | None = None) -> Call[str | None]:
    """The canonical name of a signal number (15 -> "TERM"), or None.

    With exit_status, number is a shell exit status: 143 -> "TERM" (128 + 15).
    """
    return Call("signame", {"number": check_int(number, "number"),
                            "exit_status": bool(exit_status)}, _same, rpc_timeout)


def inspect(pid: int, *, rpc_timeout: float | None = None) -> Call[ProcessInfo]:
    """What the system reports about pid (Linux): a ``ProcessInfo``.

    Raises:
        ProcessLookupError: no such process.
        RPCError: code -32002 on a platform without /proc.
    """
    return Call("inspect", {"pid": check_pid(pid)}, _process_info, rpc_timeout)


def wait_call(pid: int, timeout_ms: int) -> Call[bool]:
    """One ``wait`` request (pid already checked)."""
    return Call("wait", {"pid": pid, "timeout_ms": timeout_ms}, _exited)


def wait(pid: int, timeout: float | None = None, *,
         rpc_timeout: float | None = None) -> Op[bool]:
    """Wait until pid has terminated; return True once it has, False if it
    still runs after timeout seconds (0: check once; None: wait as long as it
    takes). Works for any process, not only children; a zombie counts as
    terminated, and so does a pid with no process.

    On the wire, None is a series of ``wait`` requests of the longest
    ``timeout_ms`` the helper takes (one day each), as is a timeout over a
    day. The pid is not pinned to one process between those requests: use
    ``Client.process(pid).wait()`` for that.
    """
    pid = check_pid(pid)
    chunks = wait_chunks(timeout)
    if timeout is not None and timeout * 1000 <= MAX_TIMEOUT_MS:
        return Call("wait", {"pid": pid, "timeout_ms": next(chunks)}, _exited, rpc_timeout)
    return Steps(_wait(pid, chunks), rpc_timeout)


def _wait(pid: int, chunks: Iterator[int]) -> Generator[Call[Any], Any, bool]:
    for ms in chunks:
        if (yield wait_call(pid, ms)):
            return True
    return False


def terminate(
    pid: int,
    signal: SignalLike = "TERM",
    *,
    timeout: float = TERMINATE_TIMEOUT,
    escalate: SignalLike | None = "KILL",
    escalate_timeout: float = ESCALATE_TIMEOUT,
    start_time: str | None = None,
    tree: bool = False,
    rpc_timeout: float | None = None,
) -> Call[Termination]:
    """Send signal, wait up to timeout seconds for pid to go, then send
    escalate (unless None) and wait up to escalate_timeout; a ``Termination``.

    On Linux every signal goes through one pidfd, so the escalation cannot
    reach a process that reused the pid. With start_time, act only if the
    process still has it (else ProcessLookupError). With tree, the whole tree
    rooted at pid is stopped from growing, signalled, and escalated (needs a
    helper with ``terminate(tree)``; the result then has ``members``).

    Raises:
        as ``kill``; ValueError also for a timeout out of range (0 to 86400 s).
    """
    params: dict[str, Any] = {
        "pid": check_pid(pid),
        "signal": check_signal(signal),
        "timeout_ms": millis(timeout, "timeout"),
        "escalate": None if escalate is None else check_signal(escalate),
        "escalate_timeout_ms": millis(escalate_timeout, "escalate_timeout"),
    }
    if start_time is not None:
        params["start_time"] = check_start_time(start_time)
    if tree:  # sent only when true, so that a helper without tree still serves the rest
        params["tree"] = True
    return Call("terminate", params, _termination, rpc_timeout)


def children(pid: int, recursive: bool = False, *,
             rpc_timeout: float | None = None) -> Call[list[ChildInfo]]:
    """The children of pid (with recursive, all its descendants), as a list of
    ``ChildInfo`` (Linux; needs a helper with ``children``)."""
    return Call("children", {"pid": check_pid(pid), "recursive": bool(recursive)},
                _children, rpc_timeout)


def process(pid: int, *, rpc_timeout: float | None = None) -> Call[ProcessInfo]:
    """The ``inspect`` that captures a process handle's identity."""
    return inspect(pid, rpc_timeout=rpc_timeout)


#: The wire methods and the calls that make them.
METHODS: dict[str, Callable[..., Op[Any]]] = {
    "signum": signum,
    "kill": kill,
    "signals": signals,
    "signame": signame,
    "inspect": inspect,
    "wait": wait,
    "terminate": terminate,
    "children": children,
}
