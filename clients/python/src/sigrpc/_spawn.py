"""Finding the helper binary, its command line, and the tail of its stderr."""

from __future__ import annotations

import os
import shutil
from collections import deque
from collections.abc import Sequence

from ._cli import installed_helper

#: How much of the helper's stderr a HelperExited carries.
STDERR_TAIL_BYTES = 4096

#: The longest ``spin`` the helper accepts, in seconds.
MAX_SPIN = 1e-3

#: The clients' default ``spin``: 50 µs. The helper watches its input this
#: long after answering (``--spin``), and the client watches the helper's
#: output as long before it sleeps (``AsyncClient`` only for a call alone in
#: flight, holding its event loop), so that a call alone in flight costs no
#: wake-up on either side (see ``_watch``).
DEFAULT_SPIN = 50e-6

#: How to get a helper, as the not-found errors say it: every command in it
#: works before the first release reaches PyPI.
INSTALL_HINT = (
    "install a platform wheel, which carries the helper: pip install sigrpc "
    "once sigrpc is released on PyPI; until then, in a clone of the repository, "
    "make dist builds the wheels and pip install --no-index --find-links dist sigrpc "
    "installs this platform's; or build the helper alone (go build ./cmd/sigrpc) "
    "and set SIGRPC_BIN to the binary, or pass Client(command=...)"
)


def helper_argv(
    command: str | os.PathLike[str] | None, args: Sequence[str], spin: float | None
) -> list[str]:
    """The helper's command line: ndjson framing, ``--spin`` if given, then args.

    ``--descendants-only`` in args is passed as ``--descendants-of`` this
    process's pid: the helper then refuses to start unless this process is
    its parent, rather than serving whichever process adopted it.

    Raises:
        FileNotFoundError: as find_helper.
        ValueError: spin is not between 0 and MAX_SPIN seconds.
        TypeError: args is a single string.
    """
    if isinstance(args, str | bytes):
        raise TypeError("args is a sequence of arguments, not one string")
    argv = [find_helper(command), "--framing", "ndjson"]
    if spin is not None:
        if not 0 <= spin <= MAX_SPIN:  # also refuses NaN
            raise ValueError(f"spin must be between 0 and {MAX_SPIN} seconds, not {spin!r}")
        argv.append(f"--spin={round(spin * 1e9)}ns")
    return [*argv, *(_descendants_of() if a == "--descendants-only" else a for a in args)]


def _descendants_of() -> str:
    return f"--descendants-of={os.getpid()}"


def _executable(path: str | os.PathLike[str]) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_helper(command: str | os.PathLike[str] | None = None) -> str:
    """Return the helper to run, trying in this order:

    1. ``command``, if given (a path, or a name looked up on PATH);
    2. ``$SIGRPC_BIN``, if set;
    3. the helper its platform wheel installed as the ``sigrpc`` command,
       wherever the installer put it (see ``installed_helper``);
    4. ``sigrpc`` on ``PATH``.

    An explicit ``command`` or ``$SIGRPC_BIN`` that does not name an
    executable is an error: a typo there never falls through to another helper.

    Raises:
        FileNotFoundError: no helper found; the message lists what was tried
            and how to install one.
    """
    if command is not None:
        path = os.fspath(command)
        found = shutil.which(path) if os.sep not in path else path
        if found and _executable(found):
            return found
        raise FileNotFoundError(
            f"sigrpc helper not found: command={path!r} is not an executable; {INSTALL_HINT}"
        )
    tried: list[str] = []
    env = os.environ.get("SIGRPC_BIN")
    if env:
        if _executable(env):
            return env
        raise FileNotFoundError(
            f"sigrpc helper not found: $SIGRPC_BIN={env!r} is not an executable; {INSTALL_HINT}"
        )
    tried.append("$SIGRPC_BIN (not set)")
    installed = installed_helper()  # where a platform wheel puts it: the sigrpc command
    if _executable(installed):
        return str(installed)
    tried.append(f"the helper installed with the package {str(installed)!r} (not there)")
    found = shutil.which("sigrpc")
    if found:
        return found
    tried.append("'sigrpc' on PATH (not found)")
    raise FileNotFoundError(f"sigrpc helper not found; tried {', '.join(tried)}; {INSTALL_HINT}")


class StderrTail:
    """Keeps the last STDERR_TAIL_BYTES of the helper's stderr (thread-safe
    enough: one writer, and readers that copy)."""

    def __init__(self) -> None:
        self._chunks: deque[bytes] = deque()
        self._size = 0

    def add(self, chunk: bytes) -> None:
        """Append chunk, dropping the oldest bytes beyond the limit."""
        self._chunks.append(chunk)
        self._size += len(chunk)
        while self._size > STDERR_TAIL_BYTES and len(self._chunks) > 1:
            self._size -= len(self._chunks.popleft())

    def text(self) -> str:
        """The tail as text."""
        return b"".join(list(self._chunks))[-STDERR_TAIL_BYTES:].decode("utf-8", "replace")
