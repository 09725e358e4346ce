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
"""

from ._aio import AsyncClient
from ._calls import ChildInfo, ProcessInfo, SignalLike, Termination, TreeMember
from ._client import Client
from ._errors import HelperExited, PolicyError, RPCError, TimeoutExpired
from ._process import AsyncProcess, Process
from ._spawn import DEFAULT_SPIN, find_helper
from ._version import __version__

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
