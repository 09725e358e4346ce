"""Exceptions, and the mapping from JSON-RPC errors to them."""

from __future__ import annotations

import signal
from typing import Any

#: Application error codes of the sigrpc protocol.
CODE_OS_ERROR = -32000
CODE_POLICY = -32001
CODE_UNSUPPORTED = -32002
CODE_INVALID_PARAMS = -32602

#: The ``data.reason`` of an unknown signal name (the only way to recognise it).
REASON_UNKNOWN_SIGNAL = "unknown-signal"


class RPCError(Exception):
    """A JSON-RPC error the helper answered with, not mapped to anything closer.

    Attributes:
        code: the JSON-RPC error code.
        message: the error message.
        data: the error's ``data`` member, or None.
    """

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{message} (JSON-RPC error {code})")
        self.code = code
        self.message = message
        self.data = data

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.code, self.message, self.data))


class PolicyError(RPCError):
    """The helper's safety policy refused the request; nothing was sent.

    Attributes:
        reason: why: ``broadcast``, ``process-group``, ``self``, ``init``,
            ``uid`` or ``not-descendant`` (for a tree's root also
            ``ancestor``); None if the helper gave none.
    """

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(code, message, data)
        self.reason: str | None = _reason(data)


def _reason(data: Any) -> str | None:
    """An error's ``data.reason``, or None if it has none."""
    reason = data.get("reason") if isinstance(data, dict) else None
    return None if reason is None else str(reason)


class HelperExited(Exception):
    """The helper process is gone, or the client was closed.

    Raised for every call that was pending when it happened, and for every
    call after.

    The message says how the helper ended: "(exit status 3)", or "(killed
    by SIGKILL)" for a helper a signal ended.

    Attributes:
        returncode: the helper's exit status (negative: killed by that signal,
            as ``subprocess`` gives it), or None if it is not known.
        stderr: the last lines the helper wrote to stderr.
    """

    def __init__(self, message: str, returncode: int | None = None, stderr: str = "") -> None:
        detail = message if returncode is None else f"{message} ({_how_it_ended(returncode)})"
        if stderr.strip():
            detail += f"; stderr: {stderr.strip()}"
        super().__init__(detail)
        self.message = message
        self.returncode = returncode
        self.stderr = stderr

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.returncode, self.stderr))


def _how_it_ended(returncode: int) -> str:
    """"exit status N", or "killed by SIGNAME" for a negative returncode."""
    if returncode >= 0:
        return f"exit status {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:  # a number this platform has no name for
        return f"killed by signal {-returncode}"
    return f"killed by {name}"


class TimeoutExpired(TimeoutError):
    """A process did not exit within the time it was given (``Process.wait``).

    Attributes:
        pid: the process id.
        timeout: the seconds waited.
    """

    def __init__(self, pid: int, timeout: float | None) -> None:
        super().__init__(f"process {pid} did not exit within {timeout} seconds")
        self.pid = pid
        self.timeout = timeout

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.pid, self.timeout))


def error_from_response(error: dict[str, Any]) -> Exception:
    """Return the exception for a JSON-RPC ``error`` member.

    OS errors become ``OSError(errnum, message)``, which Python turns into
    ``ProcessLookupError`` for ESRCH and ``PermissionError`` for EPERM, exactly
    as ``os.kill`` raises them (a ``data.reason``, such as ``"start_time
    mismatch"``, is kept as ``exc.reason``, which is None where there is
    none); an unknown signal name, known
    only by ``data.reason == "unknown-signal"``, becomes ``ValueError``; a
    policy refusal ``PolicyError``; anything else ``RPCError``.
    """
    code = error.get("code")
    code = code if type(code) is int else 0
    message = str(error.get("message", ""))
    data = error.get("data")
    reason = data.get("reason") if isinstance(data, dict) else None
    if code == CODE_OS_ERROR and isinstance(data, dict) and type(data.get("errnum")) is int:
        exc = OSError(data["errnum"], message)
        exc.reason = _reason(data)  # type: ignore[attr-defined]
        return exc
    if reason == REASON_UNKNOWN_SIGNAL:
        assert isinstance(data, dict)
        return ValueError(f"unknown signal name: {data.get('signal')!r}")
    if code == CODE_POLICY:
        return PolicyError(code, message, data)
    return RPCError(code, message, data)
