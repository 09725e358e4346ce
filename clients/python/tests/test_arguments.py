"""Every argument of every call is checked before anything is sent.

``_calls.ARGS`` (and ``_process.ARGS`` for the process handles) gives the
kind of each argument of each call; BAD below gives each kind's bad values
and the error each must raise. Every method of Client, AsyncClient, Process
and AsyncProcess is given each bad value of each of its arguments, on a
client whose helper records what reaches it and exits: the call must raise
the error, and the helper must have read nothing. AsyncClient's methods must
raise when called, before they are awaited.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ABSENT_PID, Spawn

import sigrpc
from sigrpc import AsyncClient, AsyncProcess, Client, Process, _calls, _process
from sigrpc._calls import (
    DURATION,
    FLAG,
    INTEGER,
    METHOD,
    OPTIONAL_SIGNAL,
    PARAMS,
    PID,
    PROCESS_ID,
    RPC_TIMEOUT,
    SIGNAL,
    START_TIME,
    WAIT_TIMEOUT,
    Arg,
)

NAN, INF = math.nan, math.inf


class Index:
    """An integer that is not an int (as numpy's are)."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


_BAD_PIDS: list[tuple[object, type[Exception]]] = [
    (1.5, TypeError), (2.0, TypeError), ("123", TypeError), (None, TypeError), (b"1", TypeError),
    (2**31, OverflowError), (-(2**31) - 1, OverflowError), (Index(2**40), OverflowError),
]
_BAD_SIGNALS: list[tuple[object, type[Exception]]] = [
    (1.5, TypeError), (b"TERM", TypeError), (["TERM"], TypeError), (object(), TypeError),
    (2**64, OverflowError), (-(2**64), OverflowError),
]
_BAD_SECONDS: list[tuple[object, type[Exception]]] = [
    (-1, ValueError), (-0.001, ValueError), (NAN, ValueError), (INF, ValueError),
    (-INF, ValueError), ("5", TypeError), (True, TypeError), (b"1", TypeError),
]

#: Each kind's bad values, and the error each raises.
BAD: dict[Arg, list[tuple[object, type[Exception]]]] = {
    PID: _BAD_PIDS,
    PROCESS_ID: [*_BAD_PIDS, (0, ValueError), (-1, ValueError), (-5, ValueError),
                 (-(2**31), ValueError), (False, ValueError)],
    SIGNAL: [*_BAD_SIGNALS, (None, TypeError)],
    OPTIONAL_SIGNAL: _BAD_SIGNALS,
    INTEGER: [(1.5, TypeError), ("15", TypeError), (None, TypeError),
              (2**63, OverflowError), (-(2**63) - 1, OverflowError)],
    FLAG: [(1, TypeError), (0, TypeError), ("yes", TypeError), (None, TypeError)],
    START_TIME: [("", ValueError), (" 1", ValueError), ("+1", ValueError), ("1a", ValueError),
                 ("1" * 21, ValueError), ("١٢", ValueError), (-1, ValueError),
                 (10**20, ValueError), (1.5, TypeError), (b"123", TypeError), (True, TypeError)],
    DURATION: [*_BAD_SECONDS, (None, TypeError), (86_401, OverflowError),
               (86_400.0005, OverflowError), (1e300, OverflowError)],
    WAIT_TIMEOUT: _BAD_SECONDS,
    RPC_TIMEOUT: _BAD_SECONDS,
    METHOD: [(None, TypeError), (b"signum", TypeError), (1, TypeError)],
    PARAMS: [("TERM", TypeError), (1, TypeError), ({"x": object()}, TypeError),
             ([{1, 2}], TypeError), ({"x": NAN}, ValueError), ([INF], ValueError)],
}

#: A good value for each required argument.
GOOD = {"pid": ABSENT_PID, "name": "TERM", "number": 15, "method": "signum", "signal": "TERM"}


# -- the table covers every method and argument ---------------------------------


def _public_methods(cls: type) -> set[str]:
    return {name for name, value in vars(cls).items()
            if not name.startswith("_") and inspect.isfunction(value)}


def _definition_params(definition: Callable[..., Any], handle: bool) -> dict[str, Any]:
    params = dict(inspect.signature(definition).parameters)
    if handle:
        params.pop(next(iter(params)))  # the handle
    rpc_timeout = params.pop("rpc_timeout")
    assert rpc_timeout.kind is inspect.Parameter.KEYWORD_ONLY and rpc_timeout.default is None
    return params


def test_every_method_of_the_clients_is_in_the_table() -> None:
    assert _public_methods(Client) - {"close"} == set(_calls.ARGS)
    assert _public_methods(AsyncClient) - {"close", "start"} == set(_calls.ARGS)
    assert set(_calls.METHODS) <= set(_calls.ARGS)
    assert _public_methods(Process) == _public_methods(AsyncProcess) == set(_process.ARGS)


@pytest.mark.parametrize("name", sorted(_calls.ARGS))
def test_the_table_names_every_argument(name: str) -> None:
    params = _definition_params(getattr(_calls, name), handle=False)
    assert set(params) == set(_calls.ARGS[name])
    for client in (Client, AsyncClient):  # the methods take what the definitions take
        method = inspect.signature(getattr(client, name)).parameters
        assert list(method)[1:] == list(inspect.signature(getattr(_calls, name)).parameters)


@pytest.mark.parametrize("name", sorted(_process.ARGS))
def test_the_table_names_every_argument_of_the_handles(name: str) -> None:
    params = _definition_params(getattr(_process, name), handle=True)
    assert set(params) == set(_process.ARGS[name])


def test_every_kind_has_bad_values_for_each_error_it_raises() -> None:
    kinds = {kind for table in (_calls.ARGS, _process.ARGS) for args in table.values()
             for kind in args.values()} | {RPC_TIMEOUT}
    assert kinds == set(BAD)
    for kind, values in BAD.items():
        assert {error for _, error in values} == set(kind.raises), kind


# -- the calls ---------------------------------------------------------------


Case = tuple[str, str, object, type[Exception]]


def _cases(table: dict[str, dict[str, Arg]]) -> list[Any]:
    return [pytest.param(name, param, value, error,
                         id=f"{name}-{param}={value!r}-{error.__name__}")
            for name, args in table.items()
            for param, kind in [*args.items(), ("rpc_timeout", RPC_TIMEOUT)]
            for value, error in BAD[kind]]


def _kwargs(definition: Callable[..., Any], handle: bool, param: str,
            value: object) -> dict[str, Any]:
    """Good values for the required arguments, and value for param."""
    params = _definition_params(definition, handle)
    kwargs = {p: GOOD[p] for p, v in params.items() if v.default is inspect.Parameter.empty}
    kwargs[param] = value
    return kwargs


@pytest.fixture(scope="module")
def recorder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A helper that writes the first line it reads to a file and exits 3."""
    where = tmp_path_factory.mktemp("recorder")
    record, helper = where / "stdin", where / "helper"
    record.write_bytes(b"")
    helper.write_text(f"#!/bin/sh\nIFS= read -r line && printf '%s\\n' \"$line\" >> {record}\n"
                      "exit 3\n")
    helper.chmod(0o755)
    yield helper, record


@pytest.fixture(scope="module")
def client(recorder: tuple[Path, Path]) -> Iterator[Client]:
    with Client(recorder[0]) as c:
        yield c


def _nothing_sent(record: Path) -> None:
    assert record.read_bytes() == b"", "the helper was sent a request"


@pytest.mark.parametrize(("name", "param", "value", "error"), _cases(_calls.ARGS))
def test_client(client: Client, recorder: tuple[Path, Path], name: str, param: str,
                value: object, error: type[Exception]) -> None:
    kwargs = _kwargs(getattr(_calls, name), False, param, value)
    with pytest.raises(error):
        getattr(client, name)(**kwargs)
    _nothing_sent(recorder[1])


@pytest.mark.parametrize(("name", "param", "value", "error"), _cases(_process.ARGS))
def test_process(client: Client, recorder: tuple[Path, Path], name: str, param: str,
                 value: object, error: type[Exception]) -> None:
    proc = Process(client, ABSENT_PID, "12345")
    kwargs = _kwargs(getattr(_process, name), True, param, value)
    with pytest.raises(error):
        getattr(proc, name)(**kwargs)
    _nothing_sent(recorder[1])


@pytest.mark.parametrize(("name", "param", "value", "error"),
                         [*_cases(_calls.ARGS), *_cases({f"handle.{n}": a
                                                         for n, a in _process.ARGS.items()})])
def test_async_client_when_called(recorder: tuple[Path, Path], name: str, param: str,
                                  value: object, error: type[Exception]) -> None:
    """Raised when the method is called, before it is awaited, on a started client."""

    async def main() -> None:
        async with AsyncClient(recorder[0]) as c:
            if name.startswith("handle."):
                name_ = name.removeprefix("handle.")
                target: Any = AsyncProcess(c, ABSENT_PID, "12345")
                kwargs = _kwargs(getattr(_process, name_), True, param, value)
            else:
                name_, target = name, c
                kwargs = _kwargs(getattr(_calls, name), False, param, value)
            with pytest.raises(error):
                coro = getattr(target, name_)(**kwargs)
                coro.close()  # not raised: the test fails, and nothing runs

    asyncio.run(asyncio.wait_for(main(), 30))
    _nothing_sent(recorder[1])


# -- the size of a request -------------------------------------------------------


def test_a_request_over_the_helpers_limit_is_refused_unsent(
    recorder: tuple[Path, Path], client: Client
) -> None:
    """The helper would answer it with an error without an id, which no caller
    could be given: the call would wait for ever."""
    with pytest.raises(ValueError, match="more than the helper's limit of 1048576 bytes"):
        client.signum("X" * (1 << 20))
    with pytest.raises(ValueError, match="limit of 100 bytes"), \
         Client(recorder[0], args=["--max-message-bytes", "100"]) as small:
        small.signum("X" * 100)

    async def main() -> None:
        async with AsyncClient(recorder[0], args=["--max-message-bytes=0x40"]) as c:
            with pytest.raises(ValueError, match="limit of 64 bytes"):
                await c.call("signum", ["X" * 64])

    asyncio.run(main())
    _nothing_sent(recorder[1])


def test_requests_up_to_the_limit_are_answered(helper: str) -> None:
    flags = ["--max-message-bytes", "200"]
    with Client(args=flags) as c:
        sent = 0
        name = ""
        while True:  # the longest name whose request fits
            line = sigrpc._wire.encode_request(1, "signum", {"name": name + "X"})
            if len(line) - 1 > 200:
                break
            name += "X"
            sent = len(line) - 1
        assert sent > 150
        assert c.signum(name) is None  # answered: no such signal
        with pytest.raises(ValueError, match="limit of 200 bytes"):
            c.signum(name + "X")
        assert c.signum("TERM") == 15


# -- checks that let good values through ------------------------------------------


def test_good_values_reach_the_helper(spawn: Spawn) -> None:
    child = spawn()
    with Client() as c:
        assert c.signum(signal.SIGTERM) == 15
        assert c.signame(Index(15)) == "TERM"  # type: ignore[arg-type]
        assert c.signame(True) == "HUP"  # an int, as os.kill takes True as 1
        start_time = int(c.inspect(child.pid).start_time)  # an int is taken as its digits
        assert c.kill(child.pid, 0, start_time=start_time) is None  # type: ignore[arg-type]
        assert c.wait(child.pid, 0) is False
        assert c.wait(Index(child.pid), 0.001, rpc_timeout=1e300) is False  # type: ignore[arg-type]
        assert c.children(child.pid, recursive=False) == []
        assert c.call("signum", ("HUP",)) == 1  # a tuple is positional params
        result = c.terminate(child.pid, timeout=86_400, escalate_timeout=0, rpc_timeout=10)
        assert result.exited

    async def main() -> None:
        async with AsyncClient() as c:
            assert await c.signum("TERM", rpc_timeout=1e300) == 15
            assert await c.wait(ABSENT_PID, 1e30) is True  # several requests, made lazily

    asyncio.run(main())


def test_a_call_that_cannot_be_encoded_leaves_the_client_working() -> None:
    with Client() as c:
        with pytest.raises(TypeError):
            c.call("signum", [object()])
        assert c.signum("TERM") == 15  # not stranded behind the failed call
