"""The ``sigrpc`` command that a platform wheel installs: the helper itself.

A platform wheel carries the helper as its script ``sigrpc``
(``sigrpc-<version>.data/scripts/sigrpc``, as ruff's and uv's wheels carry
their binaries), so pip puts the helper binary itself in the scripts
directory of wherever it installs the package: a virtual environment's
``bin/``, ``~/.local/bin`` for ``--user``, ``<prefix>/bin`` for ``--prefix``.
There it is the ``sigrpc`` command, with no Python wrapper to start first;
the client runs the same file, whether or not that directory is on ``PATH``.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

#: The directory that holds the installed ``sigrpc`` package and its .dist-info.
_SITE = Path(__file__).resolve().parent.parent


def installed_helper() -> Path:
    """The helper that the wheel installed alongside this package.

    The installer's record (``sigrpc-*.dist-info/RECORD``, paths relative to
    the package's site directory) says where it wrote the script, whatever
    the install scheme. With no record naming one (``pip install --target
    DIR`` moves the scripts to ``DIR/bin``; a source tree has none), it is
    ``bin/sigrpc`` beside the package. The path may not exist: the caller
    checks.
    """
    for record in sorted(_SITE.glob("sigrpc-*.dist-info/RECORD")):
        try:
            lines = record.read_text("utf-8").splitlines()
        except OSError:
            continue
        for line in lines:
            path = PurePosixPath(line.rsplit(",", 2)[0])
            # the package's own files are under sigrpc/; the script is not
            if path.name == "sigrpc" and path.parts[0] != "sigrpc":
                found = Path(os.path.normpath(_SITE / path))
                if os.access(found, os.X_OK):
                    return found
    return _SITE / "bin" / "sigrpc"
