"""The call definitions and helper lookup, without a helper: local checks,
error mapping, durations."""

from __future__ import annotations

import os
import signal
import stat
from pathlib import Path
from typing import Any

import pytest

import sigrpc
from sigrpc import _calls, _spawn
from sigrpc._errors import error_from_response

C_INT_MAX = 2**31 - 1


def params(op: object) -> dict[str, Any]:
    """The named params of the (first) request op makes."""
    call = next(op.gen) if isinstance(op, _calls.Steps) else op
    assert isinstance(call, _calls.Call) and isinstance(call.params, dict)
    return call.params


class Index:
    """An integer that is not an int (as numpy's are)."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


def test_os_kill_takes_bool_and_index_pids_so_we_do() -> None:
    # os.getpgid has os.kill's pid converter and signals nothing.
    assert os.getpgid(True) == os.getpgid(1)
    assert _calls.check_pid(True) == 1
    assert _calls.check_pid(Index(42)) == 42
    assert _calls.check_pid(C_INT_MAX) == C_INT_MAX
    assert _calls.check_pid(-(2**31)) == -(2**31)


@pytest.mark.parametrize("pid", [1.5, "123", None, b"1", 2.0])
def test_a_pid_that_is_not_an_integer_is_a_type_error(pid: object) -> None:
    with pytest.raises(TypeError):
        os.getpgid(pid)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="pid must be an int"):
        _calls.kill(pid, 0)  # type: ignore[arg-type]


@pytest.mark.parametrize("pid", [2**31, -(2**31) - 1, 2**70])
def test_a_pid_outside_c_int_is_an_overflow_error(pid: int) -> None:
    with pytest.raises(OverflowError):
        os.getpgid(pid)
    for make in (lambda: _calls.kill(pid), lambda: _calls.wait(pid),
                 lambda: _calls.inspect(pid), lambda: _calls.terminate(pid),
                 lambda: _calls.children(pid)):
        with pytest.raises(OverflowError):
            make()


@pytest.mark.parametrize(("sig", "wire"), [
    ("TERM", "TERM"), (15, 15), (signal.SIGKILL, 9), (Index(10), 10), (True, 1), (-1, -1)
])
def test_signals_are_names_or_integers(sig: Any, wire: object) -> None:
    assert params(_calls.kill(1234, sig))["signal"] == wire
    assert type(params(_calls.kill(1234, sig))["signal"]) in (str, int)


@pytest.mark.parametrize("sig", [1.5, None, b"TERM", ["TERM"], object()])
def test_a_signal_of_another_type_is_a_type_error(sig: object) -> None:
    with pytest.raises(TypeError, match="a signal is a str or an int"):
        _calls.kill(1234, sig)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _calls.signum(sig)  # type: ignore[arg-type]
    if sig is not None:  # escalate=None means no escalation
        with pytest.raises(TypeError):
            _calls.terminate(1234, escalate=sig)  # type: ignore[arg-type]


def test_a_signal_number_beyond_ssize_t_overflows_as_in_os_kill() -> None:
    with pytest.raises(OverflowError):
        os.kill(os.getpid(), 2**64)
    with pytest.raises(OverflowError):
        _calls.kill(1234, 2**64)


def test_durations_are_seconds_rounded_up_to_milliseconds() -> None:
    sent = params(_calls.terminate(1234, timeout=0.3, escalate_timeout=0.0001))
    assert sent["timeout_ms"] == 300
    assert sent["escalate_timeout_ms"] == 1
    for bad in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            _calls.terminate(1234, timeout=bad)
    for too_long in (86_401, 86_400.0005):  # the latter rounds up to 86_400_001 ms
        with pytest.raises(OverflowError):
            _calls.terminate(1234, escalate_timeout=too_long)
    assert params(_calls.terminate(1234, timeout=86_400))["timeout_ms"] == _calls.MAX_TIMEOUT_MS
    with pytest.raises(TypeError):
        _calls.terminate(1234, timeout="5")  # type: ignore[arg-type]


def test_wait_forever_is_a_series_of_the_longest_waits() -> None:
    one = _calls.wait(1234, 2.5)
    assert isinstance(one, _calls.Call) and one.params == {"pid": 1234, "timeout_ms": 2500}
    forever = _calls.wait(1234)
    assert isinstance(forever, _calls.Steps)
    first = next(forever.gen)
    assert first.params == {"pid": 1234, "timeout_ms": _calls.MAX_TIMEOUT_MS}
    assert params(forever.gen.send(False))["timeout_ms"] == _calls.MAX_TIMEOUT_MS
    with pytest.raises(StopIteration) as done:
        forever.gen.send(True)
    assert done.value.value is True
    assert list(_calls.wait_chunks(2 * 86_400 + 1)) == [86_400_000, 86_400_000, 1000]
    assert list(_calls.wait_chunks(0)) == [0]
    for bad in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            _calls.wait(1234, bad)
    longest = _calls.wait(1234, 1e300)  # the requests are made as they are needed
    assert isinstance(longest, _calls.Steps)
    assert params(longest)["timeout_ms"] == _calls.MAX_TIMEOUT_MS


def test_tree_is_sent_only_when_true() -> None:
    assert "tree" not in params(_calls.terminate(1234))
    assert params(_calls.terminate(1234, tree=True))["tree"] is True


def test_unknown_signal_is_known_by_its_reason_not_its_message() -> None:
    exc = error_from_response({"code": -32602, "message": "anything at all",
                               "data": {"signal": "FOO", "reason": "unknown-signal"}})
    assert type(exc) is ValueError and "FOO" in str(exc)
    exc = error_from_response({"code": -32602, "message": "unknown signal name",
                               "data": {"param": "signal"}})
    assert type(exc) is sigrpc.RPCError


@pytest.mark.parametrize(("errnum", "kind"), [
    (3, ProcessLookupError), (1, PermissionError), (22, OSError), (11, BlockingIOError)
])
def test_os_errors_are_built_as_os_kill_builds_them(errnum: int, kind: type) -> None:
    exc = error_from_response({"code": -32000, "message": os.strerror(errnum),
                               "data": {"errno": "X", "errnum": errnum}})
    assert type(exc) is kind
    assert isinstance(exc, OSError) and (exc.errno, exc.strerror) == (errnum, os.strerror(errnum))


def test_policy_errors_keep_their_reason() -> None:
    exc = error_from_response({"code": -32001, "message": "refused by policy: uid",
                               "data": {"reason": "uid"}})
    assert isinstance(exc, sigrpc.PolicyError) and exc.reason == "uid" and exc.code == -32001


def test_a_reason_is_none_where_there_is_none() -> None:
    lookup = error_from_response({"code": -32000, "message": "No such process",
                                  "data": {"errno": "ESRCH", "errnum": 3}})
    assert type(lookup) is ProcessLookupError and lookup.reason is None  # type: ignore[attr-defined]
    mismatch = error_from_response({"code": -32000, "message": "No such process", "data": {
        "errno": "ESRCH", "errnum": 3, "reason": "start_time mismatch"}})
    assert mismatch.reason == "start_time mismatch"  # type: ignore[attr-defined]
    refused = error_from_response({"code": -32001, "message": "refused", "data": {}})
    assert isinstance(refused, sigrpc.PolicyError) and refused.reason is None
    assert sigrpc.PolicyError(-32001, "refused").reason is None


@pytest.mark.parametrize(("returncode", "says"), [
    (-9, "(killed by SIGKILL)"), (-15, "(killed by SIGTERM)"), (3, "(exit status 3)"),
    (0, "(exit status 0)"), (-200, "(killed by signal 200)"), (None, "gone"),
])
def test_helper_exited_says_how_the_helper_ended(returncode: int | None, says: str) -> None:
    exc = sigrpc.HelperExited("gone", returncode, "last words\n")
    assert str(exc).startswith("gone") and says in str(exc) and "last words" in str(exc)
    assert exc.returncode == returncode


def test_exceptions_pickle() -> None:
    import pickle

    for exc in (sigrpc.TimeoutExpired(12, 1.5), sigrpc.HelperExited("gone", -9, "boom"),
                sigrpc.PolicyError(-32001, "refused", {"reason": "self"})):
        back = pickle.loads(pickle.dumps(exc))
        assert type(back) is type(exc) and str(back) == str(exc)
    expired = sigrpc.TimeoutExpired(12, 1.5)
    assert isinstance(expired, TimeoutError) and (expired.pid, expired.timeout) == (12, 1.5)


def _fake_helper(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_the_helper_is_found_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = _fake_helper(tmp_path / "explicit" / "sigrpc")
    env = _fake_helper(tmp_path / "env" / "sigrpc")
    installed = _fake_helper(tmp_path / "venv" / "bin" / "sigrpc")
    on_path = _fake_helper(tmp_path / "path" / "sigrpc")
    monkeypatch.setenv("SIGRPC_BIN", str(env))
    monkeypatch.setattr(_spawn, "installed_helper", lambda: installed)
    monkeypatch.setenv("PATH", str(on_path.parent))
    assert sigrpc.find_helper(explicit) == str(explicit)
    assert sigrpc.find_helper() == str(env)
    monkeypatch.delenv("SIGRPC_BIN")
    assert sigrpc.find_helper() == str(installed)
    installed.chmod(0o644)  # there but not executable: skipped
    assert sigrpc.find_helper() == str(on_path)


def test_missing_helper_says_what_it_tried_and_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SIGRPC_BIN", raising=False)
    monkeypatch.setattr(_spawn, "installed_helper", lambda: tmp_path / "bin" / "sigrpc")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError) as missing:
        sigrpc.Client()
    text = str(missing.value)
    for part in ("$SIGRPC_BIN (not set)", "installed with the package", "on PATH",
                 "pip install sigrpc once sigrpc is released on PyPI",
                 "make dist", "pip install --no-index --find-links dist sigrpc",
                 "go build ./cmd/sigrpc"):
        assert part in text
    with pytest.raises(FileNotFoundError, match="command='/nonexistent/sigrpc'"):
        sigrpc.Client("/nonexistent/sigrpc")
    monkeypatch.setenv("SIGRPC_BIN", "/nonexistent/sigrpc")  # a typo never falls through
    with pytest.raises(FileNotFoundError, match=r"\$SIGRPC_BIN='/nonexistent/sigrpc'"):
        sigrpc.AsyncClient()
