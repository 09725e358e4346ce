"""``import sigrpc`` is cheap: asyncio, importlib.metadata (and what else is
heavy and not needed to send a signal) are imported only when first used.

Each check runs in a fresh interpreter, with the package from src/.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import HELPER, OTHER_PYTHONS, need_python

SRC = Path(__file__).resolve().parents[1] / "src"

#: Modules ``import sigrpc`` must leave unimported, and why.
NOT_IMPORTED = {
    "asyncio": "AsyncClient is imported when first used",
    "importlib.metadata": "the version is read when first asked for, and not from metadata",
    "sigrpc._aio": "AsyncClient is imported when first used",
    "sigrpc._version": "the version is read when first asked for",
    "sigrpc._results": "the result types (and dataclasses) are imported when first used",
    "dataclasses": "it imports inspect, which costs more than the rest of import sigrpc",
    "inspect": "the methods' signatures are made when first asked for",
}


def fresh(code: str, version: str = "default") -> str:
    """What code prints, run by a fresh interpreter of version that finds
    sigrpc in src/."""
    env = dict(os.environ, PYTHONPATH=str(SRC), SIGRPC_BIN=HELPER)
    done = subprocess.run([need_python(version), "-c", code], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("version", ["default", *OTHER_PYTHONS])
def test_import_sigrpc_imports_neither_asyncio_nor_importlib_metadata(version: str) -> None:
    loaded = json.loads(fresh(
        f"import sys, json, sigrpc; print(json.dumps([m for m in {list(NOT_IMPORTED)!r}"
        " if m in sys.modules]))", version))
    assert loaded == [], {m: NOT_IMPORTED[m] for m in loaded}


@pytest.mark.parametrize("version", ["default", *OTHER_PYTHONS])
def test_a_one_shot_kill_imports_neither(version: str) -> None:
    """Client(), a kill and close: what a short script does."""
    loaded = json.loads(fresh(
        "import sys, json\n"
        "from sigrpc import Client\n"
        "with Client() as c:\n"
        "    try:\n"
        "        c.kill(2147483647, 0)\n"
        "    except ProcessLookupError:\n"
        "        pass\n"
        f"print(json.dumps([m for m in {list(NOT_IMPORTED)!r} if m in sys.modules]))", version))
    assert not set(loaded) & {"asyncio", "importlib.metadata", "sigrpc._aio"}, loaded


@pytest.mark.parametrize("name", ["AsyncClient", "ProcessInfo", "ChildInfo", "Termination",
                                  "TreeMember", "__version__"])
def test_what_is_imported_later_is_there_when_asked_for(name: str) -> None:
    out = fresh(f"import sigrpc\nfrom sigrpc import {name}\n"
                f"assert sigrpc.{name} is {name}\nprint(repr({name}))")
    assert out.strip()


def test_every_public_name_is_there() -> None:
    out = fresh("import sigrpc\nfrom sigrpc import *\n"
                "missing = [n for n in sigrpc.__all__ if n not in globals()]\n"
                "assert not missing, missing\n"
                "assert set(sigrpc.__all__) <= set(dir(sigrpc))\n"
                "import asyncio, sys\n"
                "assert sigrpc.AsyncClient.__module__ == 'sigrpc._aio'\n"
                "print(sigrpc.__version__)")
    version = (Path(__file__).resolve().parents[3] / "internal" / "version" / "VERSION")
    assert out.strip() == version.read_text().strip()
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        import sigrpc

        sigrpc.nothing  # type: ignore[attr-defined]  # noqa: B018
