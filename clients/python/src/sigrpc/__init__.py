"""Send UNIX signals safely from Python through the sigrpc helper.

sigrpc is a small helper process that speaks JSON-RPC on its stdin and
stdout. This package spawns it and gives Python the whole API: ``kill`` and
``signum`` as in OpenResty's lua-resty-signal, plus ``inspect``, ``wait`` and
``terminate`` with pidfd-based identity checks on Linux.

    >>> from sigrpc import Client
    >>> with Client() as c:
    ...     c.signum("TERM")
    15

Errors are raised as ``os.kill`` raises them: ``ProcessLookupError``,
``PermissionError``, ``OSError``; an unknown signal name is ``ValueError``.
"""

from ._aio import AsyncClient
from ._calls import ProcessInfo, SignalLike, Termination
from ._client import Client
from ._errors import HelperExited, PolicyError, RPCError
from ._spawn import DEFAULT_SPIN
from ._version import __version__

__all__ = [
    "DEFAULT_SPIN",
    "AsyncClient",
    "Client",
    "HelperExited",
    "PolicyError",
    "ProcessInfo",
    "RPCError",
    "SignalLike",
    "Termination",
    "__version__",
]
