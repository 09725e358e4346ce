"""The ``sigrpc`` command that a wheel installs: runs the helper bundled with it."""

import os
import sys
from pathlib import Path

#: Where a platform wheel puts the helper.
BUNDLED_HELPER = Path(__file__).resolve().parent / "_bin" / "sigrpc"


def main() -> None:
    """Replace this process with the bundled helper, passing the arguments on."""
    if not os.access(BUNDLED_HELPER, os.X_OK):
        sys.exit(
            f"sigrpc: this installation carries no helper ({BUNDLED_HELPER} is missing):"
            " install a wheel for this platform, or build one from the sdist with Go installed"
        )
    os.execv(BUNDLED_HELPER, [str(BUNDLED_HELPER), *sys.argv[1:]])
