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

Every successful result in the output of a closed run is also held to its
method's result schema from the helper's rpc.discover (``openrpc``).
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
from typing import Any

import pytest
from conftest import HELPER, ROOT
from openrpc import result_schemas

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
    framing = args[args.index("--framing") + 1]
    problems = [p for method, result in answered(framing, given, done.stdout)
                for p in result_schemas().problems(method, result)]
    assert not problems, "\n".join(problems)


# -- the results in the answers --------------------------------------------------

_HEADER = re.compile(rb"Content-Length: *(\d+)\r\n\r\n")


def _bodies(data: bytes, framing: str) -> list[bytes]:
    """The message bodies of a stream in one framing (lsp: every well-formed frame)."""
    if framing == "lsp":
        return [data[m.end():m.end() + int(m.group(1))] for m in _HEADER.finditer(data)]
    return data.split(b"\n")


def _messages(bodies: list[bytes], strict: bool) -> list[Any]:
    """The JSON-RPC messages in bodies, a batch counting as its members. A body
    that is not JSON is an error with strict, else skipped (blank lines, the
    vectors' deliberately broken input)."""
    out: list[Any] = []
    for body in bodies:
        if strict and not body.strip():
            continue
        try:
            value = json.loads(body)
        except ValueError:
            assert not strict, f"an answer that is not JSON: {body!r}"
            continue
        out += value if isinstance(value, list) else [value]
    return out


def answered(framing: str, given: bytes, output: bytes) -> list[tuple[str, Any]]:
    """Each successful result in output with the method that made it: the
    request with its id, or, where ids do not tell (an id echoed as U+FFFD),
    the one method the input calls."""
    if framing == "auto":  # ndjson answers (to lines before detection) until lsp frames
        start = m.start() if (m := _HEADER.search(output)) else len(output)
        bodies = _bodies(output[:start], "ndjson") + _bodies(output[start:], "lsp")
    else:
        bodies = _bodies(output, framing)
    requests = [m for m in _messages(_bodies(given, "lsp") + given.split(b"\n"), strict=False)
                if isinstance(m, dict) and isinstance(m.get("method"), str)]
    by_id: dict[str, set[str]] = {}
    for request in requests:
        if "id" in request:
            by_id.setdefault(json.dumps(request["id"]), set()).add(request["method"])
    called = {r["method"] for r in requests}
    out = []
    for answer in _messages(bodies, strict=True):
        if not isinstance(answer, dict) or "result" not in answer:
            continue
        methods = by_id.get(json.dumps(answer.get("id"))) or called
        assert len(methods) == 1, f"which method answered {answer}? one of {methods}"
        out.append((methods.pop(), answer["result"]))
    return out


def test_the_vectors_hold_results_of_several_methods() -> None:
    """The schema check above sees results of signum, signame, signals and
    wait (test_results.py holds the other methods' real answers)."""
    seen: set[str] = set()
    for case in json.loads(VECTORS.read_text())["cases"]:
        if case.get("platform") not in (None, GOOS):
            continue
        if "framing" in case:
            found = answered(case["framing"], case["input"].encode(), case["output"].encode())
        else:
            found = answered("ndjson", _frame("ndjson", case["requests"]),
                             _frame("ndjson", case["responses"]))
        seen |= {method for method, _ in found}
    assert seen >= {"signum", "signame", "wait"} | ({"signals"} if GOOS == "linux" else set())
