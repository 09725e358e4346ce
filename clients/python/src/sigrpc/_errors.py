"""Exceptions, and the mapping from JSON-RPC errors to them."""

from __future__ import annotations

from typing import Any

#: Application error codes of the sigrpc protocol.
CODE_OS_ERROR = -32000
CODE_POLICY = -32001
CODE_UNSUPPORTED = -32002
CODE_INVALID_PARAMS = -32602


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


class PolicyError(RPCError):
    """The helper's safety policy refused the request; nothing was sent.

    Attributes:
        reason: why: ``broadcast``, ``process-group``, ``self``, ``uid`` or
            ``not-descendant``.
    """

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(code, message, data)
        self.reason: str = data.get("reason", "") if isinstance(data, dict) else ""


class HelperExited(Exception):
    """The helper process is gone (or the client was closed).

    Raised for every call that was pending when the helper exited, and for
    every call after.

    Attributes:
        returncode: the helper's exit status (negative: killed by that signal),
            or None if it is not known.
        stderr: the last lines the helper wrote to stderr.
    """

    def __init__(self, message: str, returncode: int | None = None, stderr: str = "") -> None:
        detail = f"{message} (exit status {returncode})" if returncode is not None else message
        if stderr:
            detail += f"; stderr: {stderr.strip()}"
        super().__init__(detail)
        self.returncode = returncode
        self.stderr = stderr


def error_from_response(error: dict[str, Any]) -> Exception:
    """Return the exception for a JSON-RPC ``error`` member.

    OS errors become ``OSError(errnum, message)``, which Python turns into
    ``ProcessLookupError`` for ESRCH and ``PermissionError`` for EPERM, exactly
    as ``os.kill`` raises them; an unknown signal name becomes ``ValueError``;
    a policy refusal ``PolicyError``; anything else ``RPCError``.
    """
    code = int(error.get("code", 0))
    message = str(error.get("message", ""))
    data = error.get("data")
    if code == CODE_OS_ERROR and isinstance(data, dict) and "errnum" in data:
        exc = OSError(int(data["errnum"]), message)
        exc.reason = data.get("reason", "")  # type: ignore[attr-defined]
        return exc
    if code == CODE_INVALID_PARAMS and message == "unknown signal name":
        signal = data.get("signal") if isinstance(data, dict) else None
        return ValueError(f"unknown signal name: {signal!r}")
    if code == CODE_POLICY:
        return PolicyError(code, message, data)
    return RPCError(code, message, data)
