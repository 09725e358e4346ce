"""The shared conformance vectors (rpc/testdata/conformance.json), run raw.

Every run is made twice:

- closed: write the whole input, close stdin, read stdout to its end; the
  output must be exactly the expected bytes and the exit status 0;
- open: write the whole input and keep stdin open; exactly the expected
  bytes must arrive within OPEN_WAIT_SECONDS (answers never wait for more
  input); then close stdin: no further output, exit status 0. Cases marked
  ``"needs_eof": true`` (their answers come only at the end of input) run
  only closed; cases marked ``"open_only": true`` (their input ends with the
  start of a message, which the end of input would answer too) run only
  open, and may answer more once stdin closes.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from typing import Any

import pytest
from conftest import HELPER, ROOT

VECTORS = ROOT / "rpc" / "testdata" / "conformance.json"
GOOS = {"linux": "linux", "darwin": "darwin"}.get(sys.platform, sys.platform.rstrip("0123456789"))

#: How long the open mode waits for the expected answers.
OPEN_WAIT_SECONDS = 2.0

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
        if case.get("platform") not in (None, GOOS):
            continue
        flags = case.get("flags", [])
        if "framing" in case:
            variants = [(case["name"], ["--framing", case["framing"], *flags],
                         case["input"].encode(), case["output"].encode())]
        else:
            variants = [(f"{case['name']} [{framing}]", ["--framing", framing, *flags],
                         _frame(framing, case["requests"]), _frame(framing, case["responses"]))
                        for framing in ("ndjson", "lsp")]
        for name, args, given, expected in variants:
            if not case.get("open_only"):
                runs.append(pytest.param("closed", args, given, expected, id=f"closed: {name}"))
            if not case.get("needs_eof"):
                mode = "open_only" if case.get("open_only") else "open"
                runs.append(pytest.param(mode, args, given, expected, id=f"open: {name}"))
    return runs


def _open_mode(args: list[str], given: bytes, expected: bytes, more_at_eof: bool) -> None:
    proc = subprocess.Popen([HELPER, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdin and proc.stdout
    stdin, stdout = proc.stdin.fileno(), proc.stdout.fileno()
    os.set_blocking(stdin, False)
    got, rest = b"", memoryview(given)
    deadline = time.monotonic() + OPEN_WAIT_SECONDS
    try:
        # Write the input and read at the same time, so that neither pipe fills.
        while len(got) < len(expected) and (remaining := deadline - time.monotonic()) > 0:
            readable, writable, _ = select.select([stdout], [stdin] if rest else [], [], remaining)
            if writable:
                rest = rest[os.write(stdin, rest):]
            if readable:
                chunk = os.read(stdout, len(expected) - len(got))
                if not chunk:
                    break
                got += chunk
        assert not rest, "the helper did not take the whole input"
        assert got == expected, f"with input kept open, {len(got)} of {len(expected)} bytes came"
    finally:
        os.set_blocking(stdin, True)
        after, stderr = proc.communicate(timeout=20)  # closes stdin, reads to the end
    assert more_at_eof or after == b"", "output after the expected answers"
    assert proc.returncode == 0, stderr


@pytest.mark.parametrize(("mode", "args", "given", "expected"), _runs())
def test_vector(mode: str, args: list[str], given: bytes, expected: bytes) -> None:
    if mode != "closed":
        _open_mode(args, given, expected, more_at_eof=mode == "open_only")
        return
    done = subprocess.run([HELPER, *args], input=given, capture_output=True, timeout=20)
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected
