"""The shared conformance vectors (rpc/testdata/conformance.json), run raw."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from conftest import HELPER, ROOT

VECTORS = ROOT / "rpc" / "testdata" / "conformance.json"
GOOS = {"linux": "linux", "darwin": "darwin"}.get(sys.platform, sys.platform.rstrip("0123456789"))


def _frame(framing: str, bodies: list[str]) -> bytes:
    out = b""
    for body in bodies:
        data = body.encode()
        if framing == "lsp":
            out += b"Content-Length: %d\r\n\r\n" % len(data) + data
        else:
            out += data + b"\n"
    return out


def _runs() -> list[Any]:
    cases = json.loads(VECTORS.read_text())["cases"]
    runs = []
    for case in cases:
        if case.get("platform") not in (None, GOOS) or case.get("open_only"):
            continue  # open_only cases run with stdin kept open (the Go suite)
        flags = case.get("flags", [])
        if "framing" in case:
            args = ["--framing", case["framing"], *flags]
            runs.append(pytest.param(args, case["input"].encode(), case["output"].encode(),
                                     id=case["name"]))
            continue
        for framing in ("ndjson", "lsp"):
            runs.append(pytest.param(["--framing", framing, *flags],
                                     _frame(framing, case["requests"]),
                                     _frame(framing, case["responses"]),
                                     id=f"{case['name']} [{framing}]"))
    return runs


@pytest.mark.parametrize(("args", "given", "expected"), _runs())
def test_vector(args: list[str], given: bytes, expected: bytes) -> None:
    done = subprocess.run([HELPER, *args], input=given, capture_output=True, timeout=20)
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected
