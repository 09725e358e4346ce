"""Send UNIX signals safely from Python through the sigrpc helper.

sigrpc is a small helper process that speaks JSON-RPC on its stdin and
stdout. This package spawns it and gives Python the whole API: ``kill`` and
``signum`` as in OpenResty's lua-resty-signal, plus ``inspect``, ``wait``,
``terminate``, ``children`` and process handles pinned by their start time
(pidfd-based on Linux), so that a reused pid is never signalled.

    >>> from sigrpc import Client
    >>> with Client() as c:
    ...     c.signum("TERM")
    15

Errors are raised as ``os.kill`` raises them: ``ProcessLookupError``,
``PermissionError``, ``OSError``; an unknown signal name is ``ValueError``.

``import sigrpc`` is cheap: ``AsyncClient`` (and with it ``asyncio``), the
result types (and with them ``dataclasses``) and ``__version__`` are imported
when first asked for (see ``__getattr__``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._calls import SignalLike
from ._client import Client
from ._errors import HelperExited, PolicyError, RPCError, TimeoutExpired
from ._process import AsyncProcess, Process
from ._spawn import DEFAULT_SPIN, find_helper

if TYPE_CHECKING:  # imported on first use (see __getattr__); type checkers see them now
    from ._aio import AsyncClient
    from ._results import ChildInfo, ProcessInfo, Termination, TreeMember
    from ._version import __version__

#: What __getattr__ imports when first asked for, and from where.
_LAZY = {
    "AsyncClient": "_aio",
    "ChildInfo": "_results",
    "ProcessInfo": "_results",
    "Termination": "_results",
    "TreeMember": "_results",
    "__version__": "_version",
}

__all__ = [
    "DEFAULT_SPIN",
    "AsyncClient",
    "AsyncProcess",
    "ChildInfo",
    "Client",
    "HelperExited",
    "PolicyError",
    "Process",
    "ProcessInfo",
    "RPCError",
    "SignalLike",
    "Termination",
    "TimeoutExpired",
    "TreeMember",
    "__version__",
    "find_helper",
]


if not TYPE_CHECKING:  # hidden from type checkers, which would take any name for Any

    def __getattr__(name: str) -> Any:
        """``AsyncClient``, the result types and ``__version__``, imported
        when first asked for.

        A program that never uses asyncio does not pay for importing it
        (about as long as the rest of the package and ``subprocess``
        together), nor for ``dataclasses`` (and the ``inspect`` it imports)
        before it meets a result type; the version is read only by those who
        ask. Each is then an attribute of the package like any other.
        """
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__all__))
