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

Every argument is checked here, before a request is built, so a bad one
raises Python's own error and nothing is sent: ``TypeError`` for a wrong
type, ``ValueError`` for a value out of range, ``OverflowError`` for a number
too large for the helper (as ``os.kill`` raises them). ``ARGS`` states the
kind of each argument of each call; the tests give every call each kind's
bad values and hold that nothing reaches the helper.

``_bind`` turns these functions into methods; ``METHODS`` maps each wire
method to its function, for the test that checks them against the helper's
``rpc.discover``.
"""

from __future__ import annotations

import math
import operator
import sys
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._wire import encode_params

if TYPE_CHECKING:
    from ._results import ChildInfo, ProcessInfo, Termination

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
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1  # the helper's integers
_SSIZE_MIN, _SSIZE_MAX = -sys.maxsize - 1, sys.maxsize  # C ssize_t, as os.kill's signal


# -- results ------------------------------------------------------------------
# The result types live in _results, imported on first use: see there.


def _process_info(r: Any) -> ProcessInfo:
    from ._results import ProcessInfo

    return ProcessInfo(r["pid"], r["ppid"], r["pgid"], r["sid"], r["uid"], r["state"],
                       r["comm"], r["start_time"])


def _children(r: Any) -> list[ChildInfo]:
    from ._results import ChildInfo

    return [ChildInfo(c["pid"], c["ppid"], c["start_time"], c["comm"]) for c in r]


def _termination(r: Any) -> Termination:
    from ._results import Termination, TreeMember

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

    ``rpc_timeout`` (seconds, or None) bounds the wait for the answer; it is
    checked here, for every call. A plain class with slots: one is built per
    call, and this is cheaper to build than a dataclass.
    """

    __slots__ = ("convert", "method", "params", "rpc_timeout")

    def __init__(self, method: str, params: dict[str, Any] | list[Any],
                 convert: Callable[[Any], T], rpc_timeout: float | None = None) -> None:
        self.method = method
        self.params = params
        self.convert = convert
        self.rpc_timeout = rpc_timeout if rpc_timeout is None else check_rpc_timeout(rpc_timeout)


class Steps(Generic[T]):
    """Several requests: a generator that yields each ``Call``, is sent its
    converted result (or has its error thrown in), and returns the outcome.

    ``rpc_timeout`` bounds the whole operation.
    """

    __slots__ = ("gen", "rpc_timeout")

    def __init__(self, gen: Generator[Call[Any], Any, T], rpc_timeout: float | None) -> None:
        self.gen = gen
        self.rpc_timeout = rpc_timeout if rpc_timeout is None else check_rpc_timeout(rpc_timeout)


#: What a call definition returns and a client runs.
Op = Call[T] | Steps[T]


# -- local argument checks, as os.kill makes them ------------------------------


class Arg:
    """A kind of argument, as ``ARGS`` assigns them: its name and what a bad
    value of it raises (before anything is sent)."""

    __slots__ = ("name", "raises")

    def __init__(self, name: str, *raises: type[Exception]) -> None:
        self.name = name
        self.raises = raises

    def __repr__(self) -> str:
        return f"Arg({self.name!r})"


#: A pid as ``os.kill`` takes it (``kill``: 0 and below are process groups).
PID = Arg("pid", TypeError, OverflowError)
#: One process: a pid as ``os.kill`` takes it, and positive.
PROCESS_ID = Arg("process id", TypeError, OverflowError, ValueError)
#: A signal: a name, a number or a ``signal.Signals``.
SIGNAL = Arg("signal", TypeError, OverflowError)
#: A signal, or None for none (``escalate``).
OPTIONAL_SIGNAL = Arg("signal or None", TypeError, OverflowError)
#: An integer the helper takes (64 bits).
INTEGER = Arg("integer", TypeError, OverflowError)
#: True or False, and nothing else.
FLAG = Arg("bool", TypeError)
#: A start time from ``inspect``, or None for no check.
START_TIME = Arg("start time", TypeError, ValueError)
#: Seconds the helper waits in one request: 0 to a day.
DURATION = Arg("seconds, at most a day", TypeError, ValueError, OverflowError)
#: Seconds to wait for a process, or None for as long as it takes: a wait
#: longer than a day is made of several requests.
WAIT_TIMEOUT = Arg("seconds or None", TypeError, ValueError)
#: Seconds to wait for the helper's answer, or None (every call's ``rpc_timeout``).
RPC_TIMEOUT = Arg("rpc_timeout", TypeError, ValueError)
#: A method name.
METHOD = Arg("method name", TypeError)
#: A method's params: an object (dict), an array (list, tuple) or None, of JSON values.
PARAMS = Arg("params", TypeError, ValueError)


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


def check_process_id(pid: object) -> int:
    """pid naming one process: as ``check_pid``, and positive, as the helper
    wants it for every method but ``kill``.

    Raises:
        TypeError: not an integer.
        OverflowError: outside the C int range.
        ValueError: 0 or negative (a process group, or every process).
    """
    if type(pid) is int and 0 < pid <= _INT_MAX:
        return pid
    pid = check_pid(pid)
    if pid <= 0:
        raise ValueError(f"pid must be a positive process id, not {pid}")
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
    if not _SSIZE_MIN <= sig <= _SSIZE_MAX:
        raise OverflowError("signal number does not fit in a C ssize_t")
    return sig


def check_int(value: object, name: str) -> int:
    """An integer param (anything with ``__index__``) the helper takes: 64 bits.

    Raises:
        TypeError: not an integer.
        OverflowError: outside 64 bits.
    """
    if type(value) is not int:
        try:
            value = operator.index(value)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(f"{name} must be an int, not {type(value).__name__}") from None
    assert isinstance(value, int)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise OverflowError(f"{name} does not fit in 64 bits")
    return value


def check_flag(value: object, name: str) -> bool:
    """A boolean param: True or False, nothing else (the helper takes only JSON's).

    Raises:
        TypeError: not a bool.
    """
    if type(value) is not bool:
        raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
    return value


def check_start_time(start_time: object) -> str:
    """start_time as the helper takes it: a start time from ``inspect``, 1 to
    20 decimal digits (an int is taken as its decimal form).

    Raises:
        TypeError: neither a str nor an int.
        ValueError: not 1 to 20 decimal digits, the empty string included,
            which would otherwise look like no guard at all.
    """
    if isinstance(start_time, str):
        text = str(start_time)
    elif isinstance(start_time, int) and not isinstance(start_time, bool):
        text = int.__repr__(start_time)
    else:
        raise TypeError(
            f"start_time must be a str (a start time from inspect), not {type(start_time).__name__}"
        )
    if not (0 < len(text) <= 20 and text.isascii() and text.isdigit()):
        raise ValueError(
            f"start_time must be a start time from inspect (decimal digits), not {start_time!r}")
    return text


def _seconds(seconds: object, name: str, what: str = "a number of seconds") -> float:
    """seconds, checked: a finite number (an int or float, not a bool), 0 or more.

    Raises:
        TypeError: not an int or float.
        ValueError: negative, NaN or infinite.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise TypeError(f"{name} must be {what}, not {type(seconds).__name__}")
    if not 0 <= seconds < math.inf:  # also refuses NaN
        raise ValueError(f"{name} must be a finite number of seconds >= 0, not {seconds!r}")
    return seconds


def _ms(seconds: float) -> int:
    """Checked seconds as whole milliseconds, rounded up (never shorter)."""
    if type(seconds) is int:
        return seconds * 1000
    return math.ceil(round(seconds * 1000, 6))


def millis(seconds: object, name: str) -> int:
    """seconds as whole milliseconds for one request, rounded up (never shorter).

    Raises:
        TypeError: not a number.
        ValueError: negative, NaN or infinite.
        OverflowError: longer than the helper waits in one request (a day).
    """
    ms = _ms(_seconds(seconds, name))
    if ms > MAX_TIMEOUT_MS:
        raise OverflowError(
            f"{name} must be at most {MAX_TIMEOUT_MS // 1000} seconds (a day), not {seconds!r}")
    return ms


def check_rpc_timeout(rpc_timeout: object) -> float:
    """rpc_timeout, when not None: seconds, 0 or more, finite.

    Raises:
        TypeError: not a number.
        ValueError: negative, NaN or infinite.
    """
    return _seconds(rpc_timeout, "rpc_timeout", "a number of seconds or None")


def wait_chunks(timeout: object) -> Iterator[int]:
    """The ``timeout_ms`` of each wait request making up a wait of timeout
    seconds: endless requests of ``MAX_TIMEOUT_MS`` for None, else as many as
    needed. The check happens now, not at the first request.

    Raises:
        TypeError: neither a number nor None.
        ValueError: negative, NaN or infinite.
    """
    if timeout is None:
        return _forever()
    return _chunks(_ms(_seconds(timeout, "timeout", "a number of seconds or None")))


def _chunks(total: int) -> Iterator[int]:
    while total > MAX_TIMEOUT_MS:
        yield MAX_TIMEOUT_MS
        total -= MAX_TIMEOUT_MS
    yield total


def _forever() -> Iterator[int]:
    while True:
        yield MAX_TIMEOUT_MS


def check_params(params: object) -> dict[str, Any] | list[Any]:
    """params for ``call``: a dict (named), a list or tuple (positional), or
    None (no params), of values that JSON can carry.

    Raises:
        TypeError: another type, or a value JSON cannot carry.
        ValueError: a float JSON cannot carry (NaN, infinity), or a
            container that contains itself.
    """
    if params is None:
        return {}
    if isinstance(params, tuple):
        params = list(params)
    if not isinstance(params, dict | list):
        raise TypeError(
            f"params must be a dict, a list, a tuple or None, not {type(params).__name__}")
    encode_params(params)  # raises what json raises; the request is encoded again when sent
    return params


# -- the calls ---------------------------------------------------------------


def call(method: str, params: dict[str, Any] | list[Any] | tuple[Any, ...] | None = None, *,
         rpc_timeout: float | None = None) -> Call[Any]:
    """Call any method of the helper; return its result as decoded JSON.

    params are named (a dict), positional (a list or tuple), or none (None).
    Errors are raised as for the named methods.

    Raises:
        TypeError: method is not a str, or params is not a dict, list, tuple
            or None of JSON values; nothing was sent.
        ValueError: params holds a float JSON cannot carry (NaN, infinity).
    """
    if type(method) is not str:
        raise TypeError(f"method must be a str, not {type(method).__name__}")
    return Call(method, check_params(params), _same, rpc_timeout)


def signum(name: SignalLike, *, rpc_timeout: float | None = None) -> Call[int | None]:
    """The number of a signal name ("TERM", "SIGTERM", "term"); None if this
    platform has no such signal. A number (or ``signal.Signals``) comes back
    as an int, unchanged.

    Raises:
        TypeError: name is neither a str nor an int.
        OverflowError: name is a number outside the C ssize_t range.
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

    Raises:
        TypeError: number is not an int, or exit_status not a bool.
        OverflowError: number does not fit in 64 bits.
    """
    return Call("signame", {"number": check_int(number, "number"),
                            "exit_status": check_flag(exit_status, "exit_status")},
                _same, rpc_timeout)


def inspect(pid: int, *, rpc_timeout: float | None = None) -> Call[ProcessInfo]:
    """What the system reports about pid (Linux): a ``ProcessInfo``.

    Raises:
        ProcessLookupError: no such process.
        RPCError: code -32002 on a platform without /proc.
        TypeError, OverflowError, ValueError: pid is not a positive C int;
            nothing was sent.
    """
    return Call("inspect", {"pid": check_process_id(pid)}, _process_info, rpc_timeout)


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

    Raises:
        TypeError, OverflowError, ValueError: pid is not a positive C int,
            or timeout not None or a finite number of seconds >= 0; nothing
            was sent.
    """
    pid = check_process_id(pid)
    if timeout is None:
        return Steps(_wait(pid, _forever()), rpc_timeout)
    ms = _ms(_seconds(timeout, "timeout", "a number of seconds or None"))
    if ms <= MAX_TIMEOUT_MS:
        return Call("wait", {"pid": pid, "timeout_ms": ms}, _exited, rpc_timeout)
    return Steps(_wait(pid, _chunks(ms)), rpc_timeout)


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
        as ``kill``; also, with nothing sent, ValueError for a pid that is
        not positive (terminate acts on one process) or a timeout that is
        negative, NaN or infinite, OverflowError for a timeout over a day,
        TypeError for a tree that is not a bool.
    """
    params: dict[str, Any] = {
        "pid": check_process_id(pid),
        "signal": check_signal(signal),
        "timeout_ms": millis(timeout, "timeout"),
        "escalate": None if escalate is None else check_signal(escalate),
        "escalate_timeout_ms": millis(escalate_timeout, "escalate_timeout"),
    }
    if start_time is not None:
        params["start_time"] = check_start_time(start_time)
    if check_flag(tree, "tree"):  # sent only when true: a helper without tree serves the rest
        params["tree"] = True
    return Call("terminate", params, _termination, rpc_timeout)


def children(pid: int, recursive: bool = False, *,
             rpc_timeout: float | None = None) -> Call[list[ChildInfo]]:
    """The children of pid (with recursive, all its descendants), as a list of
    ``ChildInfo`` (Linux; needs a helper with ``children``).

    Raises:
        TypeError, OverflowError, ValueError: pid is not a positive C int,
            or recursive not a bool; nothing was sent.
    """
    return Call("children", {"pid": check_process_id(pid),
                             "recursive": check_flag(recursive, "recursive")},
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

#: The kind of every argument of every call the clients have, by method name
#: and then parameter name (every call also takes ``rpc_timeout``,
#: ``RPC_TIMEOUT``). Each definition checks its arguments as these say before
#: it builds a request; tests/test_arguments.py gives every method of both
#: clients each kind's bad values, and holds that each raises the kind's error
#: and that nothing reaches the helper. ``_process.ARGS`` does the same for
#: the process handles.
ARGS: dict[str, dict[str, Arg]] = {
    "call": {"method": METHOD, "params": PARAMS},
    "signum": {"name": SIGNAL},
    "kill": {"pid": PID, "signal": SIGNAL, "start_time": START_TIME},
    "signals": {},
    "signame": {"number": INTEGER, "exit_status": FLAG},
    "inspect": {"pid": PROCESS_ID},
    "wait": {"pid": PROCESS_ID, "timeout": WAIT_TIMEOUT},
    "terminate": {"pid": PROCESS_ID, "signal": SIGNAL, "timeout": DURATION,
                  "escalate": OPTIONAL_SIGNAL, "escalate_timeout": DURATION,
                  "start_time": START_TIME, "tree": FLAG},
    "children": {"pid": PROCESS_ID, "recursive": FLAG},
    "process": {"pid": PROCESS_ID},
}
