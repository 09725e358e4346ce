"""sigrpc's version: the helper's, from ``internal/version/VERSION`` in the repository.

A wheel replaces this file with one that spells the version out (see
``hatch_build.py``). Run from a clone (``PYTHONPATH=src`` or ``pip install
-e``) or an unpacked sdist, it reads that file, so the two cannot differ.
"""

from importlib import metadata
from pathlib import Path


def _read() -> str:
    src = Path(__file__).resolve().parents[1]
    # a clone: clients/python/src/sigrpc; an unpacked sdist: src/sigrpc beside go/
    for module in (src.parents[2], src.parent / "go"):
        path = module / "internal" / "version" / "VERSION"
        if path.is_file():
            return path.read_text("utf-8").strip()
    return metadata.version("sigrpc")


__version__ = _read()
