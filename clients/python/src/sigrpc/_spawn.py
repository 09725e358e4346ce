"""Finding the helper binary, and keeping the tail of its stderr."""

from __future__ import annotations

import os
import shutil
from collections import deque
from collections.abc import Sequence

#: How much of the helper's stderr a HelperExited carries.
STDERR_TAIL_BYTES = 4096

#: How long, in seconds, each side watches the pipe for the other's next
#: message before sleeping on it (the helper's ``--spin``). Waking a process
#: that sleeps costs tens of microseconds on a virtual machine; watching
#: costs CPU only while nothing arrives, at most this long per message.
DEFAULT_SPIN = 50e-6

#: The longest spin the helper accepts.
MAX_SPIN = 1e-3


def helper_argv(
    command: str | os.PathLike[str] | None, args: Sequence[str], spin: float
) -> list[str]:
    """The helper's command line: ndjson framing, spin, then the caller's args.

    Raises:
        FileNotFoundError: as find_helper.
        ValueError: spin is not between 0 and MAX_SPIN seconds.
    """
    if not 0 <= spin <= MAX_SPIN:  # also refuses NaN
        raise ValueError(f"spin must be between 0 and {MAX_SPIN} seconds, not {spin!r}")
    return [find_helper(command), "--framing", "ndjson", f"--spin={round(spin * 1e9)}ns", *args]


def find_helper(command: str | os.PathLike[str] | None) -> str:
    """Return the helper to run: command, else $SIGRPC_BIN, else the helper bundled
    in this package (sigrpc/_bin/sigrpc, from a platform wheel), else sigrpc on PATH.

    Raises:
        FileNotFoundError: none of them names an executable; the message says
            which were tried.
    """
    tried: list[str] = []
    if command is not None:
        path = os.fspath(command)
        resolved = shutil.which(path) if os.sep not in path else path
        if resolved and os.access(resolved, os.X_OK):
            return resolved
        raise FileNotFoundError(f"sigrpc helper not found: command={path!r} is not an executable")
    env = os.environ.get("SIGRPC_BIN")
    if env:
        if os.access(env, os.X_OK) and os.path.isfile(env):
            return env
        tried.append(f"$SIGRPC_BIN={env!r} (not an executable)")
    else:
        tried.append("$SIGRPC_BIN (not set)")
    bundled = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_bin", "sigrpc")
    if os.access(bundled, os.X_OK):
        return bundled
    tried.append(f"the bundled helper {bundled!r} (not in this installation)")
    found = shutil.which("sigrpc")
    if found:
        return found
    tried.append("'sigrpc' on PATH (not found)")
    raise FileNotFoundError("sigrpc helper not found; tried " + ", ".join(tried))


class StderrTail:
    """Keeps the last STDERR_TAIL_BYTES of the helper's stderr."""

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
        return b"".join(self._chunks)[-STDERR_TAIL_BYTES:].decode("utf-8", "replace")
