"""sigrpc's version: the helper's, from ``internal/version/VERSION`` in the repository.

A wheel replaces this file with one that spells the version out (see
``hatch_build.py``). Run from a clone (``PYTHONPATH=src`` or ``pip install
-e``) or an unpacked sdist, it reads that file, so the two cannot differ.
``import sigrpc`` does not import this module: ``sigrpc.__version__`` does,
when first asked for.
"""

import os


def _read() -> str:
    here = os.path.dirname(os.path.realpath(__file__))  # .../src/sigrpc
    src = os.path.dirname(here)
    # a clone: clients/python/src/sigrpc; an unpacked sdist: src/sigrpc beside go/
    for module in (os.path.join(src, "..", "..", ".."), os.path.join(src, "..", "go")):
        path = os.path.join(module, "internal", "version", "VERSION")
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                return f.read().strip()
    from importlib import metadata  # an installed package without either: its metadata

    return metadata.version("sigrpc")


__version__ = _read()
