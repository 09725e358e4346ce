"""The client's call definitions checked against the helper's rpc.discover.

Fails when the helper has a method or a param the client does not take, or
when a default differs: the value a definition sends when the caller passes
nothing (or, for a param it leaves out, its Python default in wire units)
must equal the param's ``schema.default``. A client method the helper lacks
is fine (``children`` and ``terminate(tree)`` come with a later helper).
Result types are checked in test_results.py.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from typing import Any

import openrpc
import pytest
from conftest import ABSENT_PID

from sigrpc import AsyncClient, Client, _calls

#: Helper methods the client does not wrap, and why.
NOT_WRAPPED = {
    "rpc.discover": "describes the helper itself; read by this test, and callable as "
                    "client.call('rpc.discover')",
}

#: Params whose client default deliberately differs from the helper's, and why.
DIFFERENT_DEFAULTS = {
    ("wait", "timeout_ms"): "wait(pid) waits until the process has gone (timeout=None), as "
                            "subprocess and psutil do; the helper's default, 0, checks once",
}

#: Values for required params when building a call with nothing else.
REQUIRED = {"pid": ABSENT_PID, "number": 15, "name": "TERM"}


@pytest.fixture(scope="module")
def methods() -> dict[str, dict[str, Any]]:
    return openrpc.methods()


def _python_name(definition: Callable[..., Any], wire: str) -> str | None:
    """The keyword a definition takes for a wire param: the same name, or the
    name without ``_ms`` for a duration the client takes in seconds."""
    params = inspect.signature(definition).parameters
    if wire in params:
        return wire
    if wire.endswith("_ms") and wire[:-3] in params:
        return wire[:-3]
    return None


def _first_request(op: Any) -> _calls.Call[Any]:
    call = next(op.gen) if isinstance(op, _calls.Steps) else op
    assert isinstance(call, _calls.Call)
    return call


def test_every_helper_method_is_wrapped(methods: dict[str, dict[str, Any]]) -> None:
    assert not (found := method_problems(methods)), found
    for name in methods:
        if name in NOT_WRAPPED:
            continue
        for client in (Client, AsyncClient):
            method = getattr(client, name, None)
            assert method is not None, f"{client.__name__} lacks {name}"
            definition = _calls.METHODS[name]
            want = list(inspect.signature(definition).parameters.values())
            assert list(inspect.signature(method).parameters.values())[1:] == want
    for name in NOT_WRAPPED:
        assert name in methods, f"{name!r} is listed as not wrapped but the helper lacks it"


def test_every_param_is_taken_with_the_helpers_default(methods: dict[str, dict[str, Any]]) -> None:
    assert not (found := param_problems(methods)), "\n".join(found)


def _param(name: str, default: Any = None, required: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer"}
    if default is not None:
        schema["default"] = default
    return {"name": name, "required": required, "schema": schema}


def test_the_check_passes_a_helper_with_children_and_tree(
    methods: dict[str, dict[str, Any]]
) -> None:
    later = copy.deepcopy(methods)
    later["children"] = {"name": "children",
                         "params": [_param("pid", required=True), _param("recursive", False)]}
    later["terminate"]["params"].append(_param("tree", False))
    assert param_problems(later) == []


@pytest.mark.parametrize(("change", "problem"), [
    (lambda m: m.update(reap={"name": "reap", "params": []}), "lacks the helper's method 'reap'"),
    (lambda m: m["kill"]["params"].append(_param("group", False)), "takes no 'group'"),
    (lambda m: m["kill"]["params"][1]["schema"].update(default="KILL"), "signal defaults to"),
    (lambda m: m["terminate"]["params"][2]["schema"].update(default=3000), "timeout_ms defaults"),
    (lambda m: m["signame"]["params"][1]["schema"].update(default=True), "exit_status defaults"),
    (lambda m: m["wait"]["params"][1]["schema"].pop("default"), "no helper default"),
    (lambda m: m["signum"]["params"].clear(), "sends 'name', which the helper lacks"),
])
def test_the_check_finds_drift(methods: dict[str, dict[str, Any]],
                               change: Callable[[dict[str, Any]], None], problem: str) -> None:
    drifted = copy.deepcopy(methods)
    change(drifted)
    found = [*method_problems(drifted), *param_problems(drifted)]
    assert any(problem in p for p in found), found


def method_problems(methods: dict[str, dict[str, Any]]) -> list[str]:
    """Helper methods the client lacks."""
    return [f"the client lacks the helper's method {name!r}" for name in methods
            if name not in NOT_WRAPPED and name not in _calls.METHODS]


def param_problems(methods: dict[str, dict[str, Any]]) -> list[str]:
    """Params the client lacks or whose defaults differ."""
    problems: list[str] = []
    used_exceptions = set()
    for name, method in methods.items():
        if name in NOT_WRAPPED or name not in _calls.METHODS:
            continue
        definition = _calls.METHODS[name]
        signature = inspect.signature(definition).parameters
        names = {p["name"]: _python_name(definition, p["name"]) for p in method["params"]}
        for wire, python in names.items():
            if python is None:
                problems.append(f"{name}: the client takes no {wire!r}")
        needed = [p for p, v in signature.items() if v.default is inspect.Parameter.empty]
        for python in set(needed) - set(names.values()):
            problems.append(f"{name}: the client sends {python!r}, which the helper lacks")
        if None in names.values() or set(needed) - set(names.values()):
            continue
        required = {str(names[p["name"]]): REQUIRED[p["name"]] for p in method["params"]
                    if p.get("required")}
        sent = _first_request(definition(**required)).params
        assert isinstance(sent, dict)
        for extra in set(sent) - set(names):
            problems.append(f"{name}: the client sends {extra!r}, which the helper lacks")
        for param in method["params"]:
            wire = param["name"]
            python = names[wire]
            assert python is not None
            has_default = signature[python].default is not inspect.Parameter.empty
            if param.get("required"):
                if has_default:
                    problems.append(f"{name}: {python} has a default, the helper requires it")
                continue
            if not has_default:
                problems.append(f"{name}: {python} is required, the helper has a default")
                continue
            if "default" not in param["schema"]:
                continue
            if wire in sent:
                ours = sent[wire]
            else:
                ours = signature[python].default
                if python != wire and isinstance(ours, int | float):
                    ours = _calls.millis(ours, python)
            theirs = param["schema"]["default"]
            if (name, wire) in DIFFERENT_DEFAULTS:
                used_exceptions.add((name, wire))
                if ours == theirs:
                    problems.append(f"{name}: {wire} is listed as different but is the same")
            elif ours != theirs or type(ours) is not type(theirs):
                problems.append(f"{name}: {wire} defaults to {theirs!r} in the helper, "
                                f"{ours!r} in the client")
    for stale in set(DIFFERENT_DEFAULTS) - used_exceptions:
        problems.append(f"{stale} is listed in DIFFERENT_DEFAULTS but has no helper default")
    return problems
