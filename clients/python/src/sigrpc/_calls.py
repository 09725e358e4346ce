"""The methods' requests and results, shared by Client and AsyncClient."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: Methods the helper answers at once, so that watching for the answer pays
#: (``wait`` and ``terminate`` take as long as the process does).
QUICK_METHODS = frozenset({"signum", "kill", "signals", "signame", "inspect"})

#: A signal as callers write it: a name ("TERM", "SIGTERM", "term"), a number,
#: or a ``signal.Signals`` member.
SignalLike = str | int


@dataclass(frozen=True)
class ProcessInfo:
    """What the system reports about a process (``inspect``; Linux only)."""

    pid: int
    ppid: int
    pgid: int
    sid: int
    uid: int
    state: str
    comm: str
    start_time: str


@dataclass(frozen=True)
class Termination:
    """The outcome of ``terminate``."""

    exited: bool
    escalated: bool
    elapsed_ms: int


class Call(Generic[T]):
    """One request: the method, its params, and how to convert its result.

    A plain class with slots rather than a frozen dataclass: one is built per
    call, and this is several times cheaper to build.
    """

    __slots__ = ("convert", "method", "params")

    def __init__(self, method: str, params: dict[str, Any], convert: Callable[[Any], T]) -> None:
        self.method = method
        self.params = params
        self.convert = convert


def signal_param(sig: SignalLike) -> str | int:
    """Return sig as the wire wants it: a name, or a plain int."""
    if isinstance(sig, bool) or not isinstance(sig, str | int):
        raise TypeError(f"a signal is a name or a number, not {type(sig).__name__}")
    if isinstance(sig, int):  # also signal.Signals, an IntEnum
        return int(sig)
    return sig


def _none(_: Any) -> None:
    return None


def _same(value: Any) -> Any:
    return value


def signum(name: SignalLike) -> Call[int | None]:
    """The number of a signal name; None if unknown; an int comes back as is."""
    return Call("signum", {"name": signal_param(name)}, _same)


def kill(pid: int, sig: SignalLike, start_time: str | None) -> Call[None]:
    """Send a signal."""
    params: dict[str, Any] = {"pid": pid, "signal": signal_param(sig)}
    if start_time is not None:
        params["start_time"] = start_time
    return Call("kill", params, _none)


def signals() -> Call[dict[str, int]]:
    """Every signal name the platform knows."""
    return Call("signals", {}, dict)


def signame(number: int, exit_status: bool) -> Call[str | None]:
    """The canonical name of a signal number."""
    return Call("signame", {"number": number, "exit_status": exit_status}, _same)


def inspect(pid: int) -> Call[ProcessInfo]:
    """What the system reports about a process."""
    return Call("inspect", {"pid": pid}, lambda r: ProcessInfo(**r))


def wait(pid: int, timeout_ms: int) -> Call[bool]:
    """Whether the process terminates within timeout_ms."""
    return Call("wait", {"pid": pid, "timeout_ms": timeout_ms}, lambda r: bool(r["exited"]))


def terminate(
    pid: int,
    sig: SignalLike,
    timeout_ms: int,
    escalate: SignalLike | None,
    escalate_timeout_ms: int,
    start_time: str | None,
) -> Call[Termination]:
    """Signal, wait, escalate, wait."""
    params: dict[str, Any] = {
        "pid": pid,
        "signal": signal_param(sig),
        "timeout_ms": timeout_ms,
        "escalate": None if escalate is None else signal_param(escalate),
        "escalate_timeout_ms": escalate_timeout_ms,
    }
    if start_time is not None:
        params["start_time"] = start_time
    return Call("terminate", params, lambda r: Termination(**r))


def raw(method: str, params: dict[str, Any] | list[Any] | None) -> Call[Any]:
    """Any method, with the result as decoded JSON."""
    return Call(method, params if params is not None else {}, _same)  # type: ignore[arg-type]


def millis(seconds: float) -> int:
    """Convert seconds to whole milliseconds for the wire."""
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return round(seconds * 1000)
