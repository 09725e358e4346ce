"""The client's result types held against the result schemas of the helper's
rpc.discover, field by field, and the helper's real answers held to them.

For each method the client wraps, the ``T`` of the ``Call[T]`` (or
``Op[T]``) its definition in ``_calls`` returns must say what the method's
result schema says:

- an object with ``properties`` is a dataclass with one field per member,
  named as the member unless RENAMED says otherwise; a member in
  ``required`` has a field with no default, an optional member a field
  ``X | None = None``; the dataclass has no other field, and the object
  must allow no other member (``additionalProperties: false``);
- ``integer``, ``string``, ``boolean``, ``number``: ``int``, ``str``,
  ``bool``, ``float``; a string with an ``enum``: a ``Literal`` of exactly
  its values; ``{"const": v}``: ``Literal[v]``; ``{"type": [X, "null"]}``:
  ``X | None``;
- an array: ``list[X]`` or ``tuple[X, ...]``, X the item's type;
- an object of ``additionalProperties`` alone: ``dict[str, X]``.

A method returns something else than its wire result only where
RESULT_MAPPINGS says so, and why. Each definition's converter is run on
answers made from the schema (every member present; only the required ones)
and on the helper's real answers, and must give what the type says, member
by member. A member added in Go, a changed type, a required member made
optional (or the reverse) fails here until the client follows.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import itertools
import json
import operator
import os
import signal
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, NamedTuple, get_args, get_origin, get_type_hints

import pytest
from conftest import ABSENT_PID, Spawn, wait_until
from openrpc import UNCHECKED_RESULTS, ResultSchemas, methods, result_schemas

from sigrpc import Client, _calls, _process, _results
from sigrpc._results import ChildInfo, ProcessInfo, Termination, TreeMember

NoneType = type(None)


class Renamed(NamedTuple):
    """A member a dataclass holds under another name, or in other units."""

    field: str
    why: str
    #: The field's type when the client converts the value (None: the wire type's).
    python: Any = None
    #: The conversion, wire value to field value (None: the value as it is).
    convert: Callable[[Any], Any] | None = None


#: Members a result dataclass holds under another name or in other units, and
#: why: (dataclass, wire member) -> Renamed. Empty: every member keeps its wire
#: name and units (``Termination.elapsed_ms`` is milliseconds, as on the wire;
#: ``start_time`` is the wire's decimal string). A Python-side rename, such as
#: ``elapsed_ms`` into seconds, goes here with its reason.
RENAMED: dict[tuple[type, str], Renamed] = {}


class Unwrapped(NamedTuple):
    """The client returns one member of the wire's object, alone."""

    member: str
    why: str


class Replaced(NamedTuple):
    """The wire's result is always ``schema``'s one value; the client returns ``value``."""

    schema: dict[str, Any]
    value: Any
    why: str


#: Methods whose client returns another shape than the wire's result, and why.
RESULT_MAPPINGS: dict[str, Unwrapped | Replaced] = {
    "kill": Replaced({"const": True}, None,
                     "kill returns None, as os.kill does: the helper's result is always true, "
                     "and every failure is raised"),
    "wait": Unwrapped("exited",
                      "wait returns a bool, True once the process has gone, as Process.wait "
                      "and Popen.wait(timeout) callers test it; exited is the whole answer"),
}

#: Other definitions that return a method's result, with the same type.
ALSO_RETURNING: dict[str, list[Callable[..., Any]]] = {
    "terminate": [_process.stop],
    "inspect": [_process.info],
}

#: Values for required params when building a call to get its converter.
REQUIRED = {"pid": ABSENT_PID, "number": 15, "name": "TERM"}

SCALARS: dict[str, type] = {"integer": int, "string": str, "boolean": bool, "number": float}


# -- the type check ---------------------------------------------------------------


def _arms(hint: Any) -> tuple[Any, ...]:
    """The members of a union (the hint alone if it is none)."""
    if get_origin(hint) in (typing.Union, types.UnionType):
        return get_args(hint)
    return (hint,)


def _without_none(hint: Any) -> Any:
    return functools.reduce(operator.or_, [a for a in _arms(hint) if a is not NoneType])


def _name(hint: Any) -> str:
    # get_origin: on 3.10, list[X] passes for a type, whose __name__ is "list"
    text = hint.__name__ if isinstance(hint, type) and get_origin(hint) is None else str(hint)
    return text.replace("sigrpc._calls.", "").replace("sigrpc._results.", "").replace(
        "typing.", "")


def _nullable(schema: dict[str, Any]) -> bool:
    kinds = schema.get("type")
    return kinds == "null" or (isinstance(kinds, list) and "null" in kinds)


def result_type(definition: Callable[..., Any]) -> Any:
    """The T of the Call[T] (or Op[T]: Call[T] | Steps[T]) a definition returns.

    The result types are in _results, which the definitions import for type
    checkers only (it is imported on first use), so its names are given here.
    """
    hints = get_type_hints(definition, localns=vars(_results))
    found = {get_args(op)[0] for op in _arms(hints["return"])}
    assert len(found) == 1, f"{definition.__name__} returns {found}"
    return found.pop()


class TypeCheck:
    """Compares Python types with JSON schemas; records the renames it used."""

    def __init__(self, renamed: dict[tuple[type, str], Renamed]) -> None:
        self.renamed = renamed
        self.used: set[tuple[type, str]] = set()

    def type_problems(self, schema: dict[str, Any], hint: Any, where: str) -> list[str]:
        """How hint fails to say what schema says; empty if it says the same."""
        if "const" in schema:
            value = schema["const"]
            if get_origin(hint) is Literal and get_args(hint) == (value,) and all(
                    type(a) is type(value) for a in get_args(hint)):
                return []
            return [f"{where}: the helper's result is always {json.dumps(value)}, "
                    f"the client says {_name(hint)}"]
        kinds = schema.get("type")
        kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
        if not kinds:
            return [f"{where}: the client cannot compare a schema without a type: {schema}"]
        arms = _arms(hint)
        if ("null" in kinds) != (NoneType in arms):
            said = "may be null" if "null" in kinds else "is never null"
            return [f"{where}: the helper's value {said}, the client says {_name(hint)}"]
        kinds = [k for k in kinds if k != "null"]
        arms = tuple(a for a in arms if a is not NoneType)
        if len(kinds) != 1 or len(arms) != 1:
            return [f"{where}: the helper says {' or '.join(kinds)}, the client {_name(hint)}"]
        kind, arm = kinds[0], arms[0]
        if "enum" in schema:
            values = schema["enum"]
            if get_origin(arm) is Literal and sorted(map(repr, get_args(arm))) == sorted(
                    map(repr, values)):
                return []
            return [f"{where}: the helper says one of {values}, the client {_name(arm)}"]
        if kind in SCALARS:
            if arm is SCALARS[kind]:
                return []
            return [f"{where}: the helper says {kind}, the client {_name(arm)}"]
        if kind == "array":
            origin, args = get_origin(arm), get_args(arm)
            if not ((origin is list and len(args) == 1)
                    or (origin is tuple and len(args) == 2 and args[1] is Ellipsis)):
                return [f"{where}: the helper says an array, the client {_name(arm)}"]
            return self.type_problems(schema.get("items", {}), args[0], f"{where}[]")
        if kind == "object":
            if "properties" in schema:
                if not (isinstance(arm, type) and dataclasses.is_dataclass(arm)):
                    return [f"{where}: the helper says an object with members, "
                            f"the client {_name(arm)}"]
                return self.object_problems(schema, arm, where)
            values = schema.get("additionalProperties")
            if isinstance(values, dict):
                if get_origin(arm) is dict and get_args(arm)[:1] == (str,):
                    return self.type_problems(values, get_args(arm)[1], f"{where}{{}}")
                return [f"{where}: the helper says a map of names, the client {_name(arm)}"]
        return [f"{where}: the client cannot compare a schema of type {kind}: {schema}"]

    def object_problems(self, schema: dict[str, Any], cls: type, where: str) -> list[str]:
        """An object schema against a dataclass, member by field."""
        problems: list[str] = []
        if schema.get("additionalProperties") is not False:
            problems.append(f"{where}: the helper's object may carry members it does not list, "
                            f"which {cls.__name__} cannot hold")
        hints = get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        required = set(schema.get("required", []))
        mapped: set[str] = set()
        for wire, member in schema["properties"].items():
            entry = self.renamed.get((cls, wire))
            if entry is not None:
                self.used.add((cls, wire))
            name = wire if entry is None else entry.field
            here = f"{where}.{wire}"
            field = fields.get(name)
            if field is None:
                renamed = "" if entry is None else f" (RENAMED makes it {name!r})"
                problems.append(f"{here}: {cls.__name__} has no field for it{renamed}")
                continue
            mapped.add(name)
            hint = hints[name]
            no_default = (field.default is dataclasses.MISSING
                          and field.default_factory is dataclasses.MISSING)
            if wire in required:
                if not no_default:
                    problems.append(f"{here}: always present, "
                                    f"but {cls.__name__}.{name} has a default")
            else:
                if no_default or field.default is not None:
                    problems.append(f"{here}: optional, "
                                    f"but {cls.__name__}.{name} does not default to None")
                if NoneType not in _arms(hint):
                    problems.append(f"{here}: optional, "
                                    f"but {cls.__name__}.{name} is not Optional")
                    continue
                if not _nullable(member):
                    hint = _without_none(hint)
            if entry is not None and entry.python is not None:
                if hint != entry.python:
                    problems.append(f"{here}: RENAMED converts it to {_name(entry.python)}, "
                                    f"{cls.__name__}.{name} is {_name(hint)}")
                continue
            problems += self.type_problems(member, hint, here)
        for name in fields.keys() - mapped:
            problems.append(f"{where}: {cls.__name__}.{name} is no member of the helper's result")
        return problems


def result_problems(
    described: dict[str, dict[str, Any]],
    renamed: dict[tuple[type, str], Renamed] | None = None,
    mappings: dict[str, Unwrapped | Replaced] | None = None,
) -> list[str]:
    """Every way the client's result types differ from the helper's result schemas."""
    renamed = RENAMED if renamed is None else renamed
    mappings = RESULT_MAPPINGS if mappings is None else mappings
    check = TypeCheck(renamed)
    problems: list[str] = []
    for name, method in described.items():
        if name not in _calls.METHODS:
            continue  # not wrapped: test_discover's business
        schema = method["result"]["schema"]
        hint = result_type(_calls.METHODS[name])
        mapping = mappings.get(name)
        if isinstance(mapping, Replaced):
            if schema != mapping.schema:
                problems.append(f"{name}: the helper's result is {json.dumps(schema)}; "
                                f"RESULT_MAPPINGS replaces {json.dumps(mapping.schema)} "
                                f"with {mapping.value!r}")
            if hint is not type(mapping.value):
                problems.append(f"{name}: RESULT_MAPPINGS returns {mapping.value!r}, "
                                f"the definition {_name(hint)}")
        elif isinstance(mapping, Unwrapped):
            member = mapping.member
            if (schema.get("type") != "object" or schema.get("required") != [member]
                    or list(schema.get("properties", {})) != [member]
                    or schema.get("additionalProperties") is not False):
                problems.append(f"{name}: RESULT_MAPPINGS returns the member {member!r} alone, "
                                f"which would drop the rest of {json.dumps(schema)}")
            else:
                problems += check.type_problems(schema["properties"][member], hint,
                                                f"{name}.{member}")
        else:
            problems += check.type_problems(schema, hint, name)
        for other in ALSO_RETURNING.get(name, []):
            if result_type(other) != hint:
                problems.append(f"{name}: {other.__module__}.{other.__name__} returns "
                                f"{_name(result_type(other))}, not {_name(hint)}")
    for stale in mappings.keys() - (described.keys() & _calls.METHODS.keys()):
        problems.append(f"{stale} is in RESULT_MAPPINGS but is no wrapped method of the helper")
    for cls, wire in renamed.keys() - check.used:
        problems.append(f"RENAMED names {cls.__name__}'s {wire!r}, which no result has")
    return problems


# -- what the converters give -----------------------------------------------------


def sample(schema: dict[str, Any], full: bool, count: Iterator[int]) -> Any:
    """An answer fitting schema: with full, every optional member present and no
    null; without, only the required members and null where allowed. Values
    differ from each other, so that a converter mixing two members up shows."""
    n = next(count)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][-1 if full else 0]
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
    if "null" in kinds and not full:
        return None
    kind = next(k for k in kinds if k != "null")
    if kind == "integer":
        return n
    if kind == "number":
        return n + 0.5
    if kind == "string":
        return f"s{n}"
    if kind == "boolean":
        return n % 2 == 0
    if kind == "array":
        return [sample(schema["items"], full, count) for _ in range(2 if full else 1)]
    if "properties" in schema:
        required = schema.get("required", [])
        return {wire: sample(member, full, count) for wire, member in schema["properties"].items()
                if full or wire in required}
    return {f"K{i}": sample(schema["additionalProperties"], full, count)
            for i in range(2 if full else 0)}


def expected(schema: dict[str, Any], hint: Any, value: Any,
             renamed: dict[tuple[type, str], Renamed]) -> Any:
    """What a converter should make of value, a wire answer fitting schema,
    for the type hint (which the type check holds to schema)."""
    if value is None:
        return None
    hint = _without_none(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = get_type_hints(hint)
        fields: dict[str, Any] = {}
        for wire, member in schema["properties"].items():
            entry = renamed.get((hint, wire))
            name = wire if entry is None else entry.field
            if wire not in value:
                fields[name] = None
            elif entry is not None and entry.convert is not None:
                fields[name] = entry.convert(value[wire])
            else:
                fields[name] = expected(member, hints[name], value[wire], renamed)
        return hint(**fields)
    origin = get_origin(hint)
    if origin in (list, tuple):
        items = [expected(schema["items"], get_args(hint)[0], v, renamed) for v in value]
        return items if origin is list else tuple(items)
    if origin is dict:
        return {k: expected(schema["additionalProperties"], get_args(hint)[1], v, renamed)
                for k, v in value.items()}
    return value


def expected_result(name: str, schema: dict[str, Any], value: Any) -> Any:
    """What the client's call of method name returns for the wire answer value."""
    mapping = RESULT_MAPPINGS.get(name)
    hint = result_type(_calls.METHODS[name])
    if isinstance(mapping, Replaced):
        return mapping.value
    if isinstance(mapping, Unwrapped):
        return expected(schema["properties"][mapping.member], hint, value[mapping.member],
                        RENAMED)
    return expected(schema, hint, value, RENAMED)


def converter(name: str) -> Callable[[Any], Any]:
    """The conversion the client applies to method name's (first) answer."""
    definition = _calls.METHODS[name]
    args = {p: REQUIRED[p] for p, v in inspect.signature(definition).parameters.items()
            if v.default is inspect.Parameter.empty}
    op = definition(**args)
    call = next(op.gen) if isinstance(op, _calls.Steps) else op
    assert isinstance(call, _calls.Call) and call.method == name
    return call.convert


def conversion_problems(name: str, schema: dict[str, Any], value: Any) -> list[str]:
    got, want = converter(name)(value), expected_result(name, schema, value)
    if got == want and repr(got) == repr(want):
        return []
    return [f"{name}: the client makes {got!r} of {json.dumps(value)}, not {want!r}"]


# -- the tests ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def described() -> dict[str, dict[str, Any]]:
    return methods()


def _wrapped(described: dict[str, dict[str, Any]]) -> list[str]:
    return [name for name in described if name in _calls.METHODS]


def test_every_result_type_is_the_helpers_field_by_field(
    described: dict[str, dict[str, Any]]
) -> None:
    assert len(_wrapped(described)) >= 8
    assert not (found := result_problems(described)), "\n".join(found)


def test_the_converters_read_every_member(described: dict[str, dict[str, Any]]) -> None:
    schemas = ResultSchemas(described)
    problems: list[str] = []
    for name in _wrapped(described):
        schema = described[name]["result"]["schema"]
        for full in (True, False):
            answer = sample(schema, full, itertools.count(1))
            assert not schemas.problems(name, answer), "the sample itself is wrong"
            problems += conversion_problems(name, schema, answer)
    assert not problems, "\n".join(problems)


def _property(method: str, *path: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function giving the schema at path in method's result (an "items" step
    goes into an array)."""
    def at(described: dict[str, dict[str, Any]]) -> dict[str, Any]:
        schema: dict[str, Any] = described[method]["result"]["schema"]
        for step in path:
            schema = schema["items"] if step == "[]" else schema["properties"][step]
        return schema
    return at


def _object(method: str, *path: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The object schema at path (an array's items count as the array)."""
    def at(described: dict[str, dict[str, Any]]) -> dict[str, Any]:
        schema = _property(method, *path)(described)
        found: dict[str, Any] = schema.get("items", schema)
        return found
    return at


Change = Callable[[dict[str, dict[str, Any]]], object]

#: Drift the check must find: a change to a copy of the helper's document, and
#: a piece of the problem it must report.
DRIFT: list[tuple[str, Change, str]] = [
    ("a new member", lambda d: _object("terminate")(d)["properties"].update(
        signal={"type": "string"}), "terminate.signal: Termination has no field for it"),
    ("a new member of an array's items", lambda d: _object("terminate", "members")(d)[
        "properties"].update(comm={"type": "string"}),
     "terminate.members[].comm: TreeMember has no field for it"),
    ("a new member of a list's items", lambda d: _object("children")(d)["properties"].update(
        uid={"type": "integer"}), "children[].uid: ChildInfo has no field for it"),
    ("a member gone", lambda d: (_object("inspect")(d)["properties"].pop("uid"),
                                 _object("inspect")(d)["required"].remove("uid")),
     "inspect: ProcessInfo.uid is no member of the helper's result"),
    ("a changed type", lambda d: _property("inspect", "pid")(d).update(type="string"),
     "inspect.pid: the helper says string, the client int"),
    ("a changed item type", lambda d: _property("children", "[]", "start_time")(d).update(
        type="integer"), "children[].start_time: the helper says integer, the client str"),
    ("an optional member made required", lambda d: _object("terminate", "members")(d)[
        "required"].append("refused"),
     "terminate.members[].refused: always present, but TreeMember.refused has a default"),
    ("a required member made optional", lambda d: _object("terminate")(d)["required"].remove(
        "elapsed_ms"),
     "terminate.elapsed_ms: optional, but Termination.elapsed_ms does not default to None"),
    ("an enum grown", lambda d: _property("terminate", "method")(d)["enum"].append("cgroup"),
     "terminate.method: the helper says one of ['listing', 'fork-events', 'cgroup']"),
    ("an enum dropped", lambda d: _property("terminate", "method")(d).pop("enum"),
     "terminate.method: the helper says string, the client Literal['listing', 'fork-events']"),
    ("a nullable scalar no longer null", lambda d: d["signum"]["result"]["schema"].update(
        type="integer"), "signum: the helper's value is never null, the client says int | None"),
    ("a scalar made nullable", lambda d: _property("inspect", "comm")(d).update(
        type=["string", "null"]), "inspect.comm: the helper's value may be null"),
    ("an array no longer", lambda d: d["children"]["result"].update(
        schema=_object("children")(d)), "children: the helper says an object with members, "
                                         "the client list[ChildInfo]"),
    ("a map of other values", lambda d: d["signals"]["result"]["schema"][
        "additionalProperties"].update(type="string"), "signals{}: the helper says string"),
    ("an open object", lambda d: _object("inspect")(d).pop("additionalProperties"),
     "inspect: the helper's object may carry members it does not list"),
    ("an unwrapped result grown", lambda d: _object("wait")(d)["properties"].update(
        status={"type": "integer"}), "wait: RESULT_MAPPINGS returns the member 'exited' alone"),
    ("an unwrapped member retyped", lambda d: _property("wait", "exited")(d).update(
        type="string"), "wait.exited: the helper says string, the client bool"),
    ("a replaced constant changed", lambda d: d["kill"]["result"].update(
        schema={"type": "boolean"}), "kill: the helper's result is {\"type\": \"boolean\"}"),
    ("a new wrapped method's type", lambda d: d.update(children={**d["children"], "result": {
        "name": "r", "schema": {"type": "integer"}}}), "children: the helper says integer"),
]


@pytest.mark.parametrize(("change", "problem"), [pytest.param(c, p, id=i) for i, c, p in DRIFT])
def test_the_check_finds_drift(described: dict[str, dict[str, Any]], change: Change,
                               problem: str) -> None:
    drifted = json.loads(json.dumps(described))
    change(drifted)
    found = result_problems(drifted)
    assert any(problem in p for p in found), found


def test_renames_and_result_mappings_are_checked(described: dict[str, dict[str, Any]]) -> None:
    # A member the helper renamed passes only with a RENAMED entry, which is then used.
    drifted = json.loads(json.dumps(described))
    schema = _object("terminate")(drifted)
    schema["properties"]["elapsed_us"] = schema["properties"].pop("elapsed_ms")
    schema["required"] = [m if m != "elapsed_ms" else "elapsed_us" for m in schema["required"]]
    assert "terminate.elapsed_us: Termination has no field for it" in result_problems(drifted)
    renamed: dict[tuple[type, str], Renamed] = {
        (Termination, "elapsed_us"): Renamed("elapsed_ms", "as before")}
    assert result_problems(drifted, renamed) == []
    # A member converted into other units must have the type the entry says.
    seconds: dict[tuple[type, str], Renamed] = {
        (Termination, "elapsed_ms"): Renamed("elapsed_ms", "seconds", float)}
    assert result_problems(described, seconds) == [
        "terminate.elapsed_ms: RENAMED converts it to float, Termination.elapsed_ms is int"]
    # Stale entries are reported.
    stale: dict[tuple[type, str], Renamed] = {(ChildInfo, "exit_code"): Renamed("code", "gone")}
    assert result_problems(described, stale) == [
        "RENAMED names ChildInfo's 'exit_code', which no result has"]
    mappings = {**RESULT_MAPPINGS, "reap": Unwrapped("pid", "gone")}
    assert result_problems(described, mappings=mappings) == [
        "reap is in RESULT_MAPPINGS but is no wrapped method of the helper"]
    # Without its mapping, wait's bool is not the helper's object.
    unmapped = {k: v for k, v in RESULT_MAPPINGS.items() if k != "wait"}
    assert "wait: the helper says an object with members, the client bool" in result_problems(
        described, mappings=unmapped)


def test_the_converter_check_finds_a_dropped_member(
    described: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = described["terminate"]["result"]["schema"]
    answer = sample(schema, True, itertools.count(1))
    assert conversion_problems("terminate", schema, answer) == []
    real = _calls._termination
    monkeypatch.setattr(_calls, "_termination",
                        lambda r: dataclasses.replace(real(r), refused=None))
    assert conversion_problems("terminate", schema, answer)
    monkeypatch.setattr(_calls, "_process_info",
                        lambda r: ProcessInfo(**{**r, "pid": r["ppid"], "ppid": r["pid"]}))
    inspected = sample(described["inspect"]["result"]["schema"], True, itertools.count(1))
    assert conversion_problems("inspect", described["inspect"]["result"]["schema"], inspected)


def test_the_exported_result_types_are_the_checked_ones() -> None:
    import sigrpc

    hints = {name: result_type(d) for name, d in _calls.METHODS.items()}
    assert hints["inspect"] is sigrpc.ProcessInfo is ProcessInfo
    assert hints["terminate"] is sigrpc.Termination is Termination
    assert get_args(hints["children"]) == (sigrpc.ChildInfo,)
    assert get_type_hints(Termination)["members"] == tuple[sigrpc.TreeMember, ...] | None
    assert TreeMember is sigrpc.TreeMember


# -- real answers -------------------------------------------------------------------


def test_answers_that_break_the_schemas_are_found(described: dict[str, dict[str, Any]]) -> None:
    schemas = result_schemas()
    assert schemas.problems("kill", True) == [] and schemas.problems("wait", {"exited": True}) == []
    for method, answer in [
        ("kill", False), ("wait", {"exited": True, "status": 0}), ("wait", {}),
        ("signum", "15"), ("signum", True), ("signame", 15), ("signals", {"TERM": "15"}),
        ("children", [{"pid": 1}]), ("inspect", None),
        ("terminate", {"exited": True, "escalated": False, "elapsed_ms": 1, "method": "cgroup"}),
    ]:
        assert schemas.problems(method, answer), (method, answer)
    assert schemas.problems("rpc.discover", 1) == []  # UNCHECKED_RESULTS
    assert schemas.problems("reap", 1) == ["reap: the helper describes no such method"]
    # A member added to a copy of the document: the helper's answers lack it.
    drifted = json.loads(json.dumps(described))
    _object("wait")(drifted)["properties"]["status"] = {"type": "integer"}
    _object("wait")(drifted)["required"].append("status")
    assert ResultSchemas(drifted).problems("wait", {"exited": True})



def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2:].split()[19]


def test_real_answers_fit_the_schemas_and_convert(spawn: Spawn) -> None:
    """One real answer (or more) of every wrapped method, from processes this
    test starts: each fits its schema and converts member by member."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("inspect, children and terminate(tree) need Linux")
    described = methods()
    schemas = result_schemas()
    child, stopped = spawn(), spawn()
    root = spawn("sh", "-c", "sleep 30 & sleep 30 & wait")
    listing = Path(f"/proc/{root.pid}/task/{root.pid}/children")
    wait_until(lambda: len(listing.read_text().split()) == 2, what="the two sleeps")
    kids = {int(pid): _start_time(int(pid)) for pid in listing.read_text().split()}
    answers: list[tuple[str, Any]] = []
    try:
        with Client() as c:
            def ask(method: str, **params: Any) -> Any:
                answer = c.call(method, params)
                answers.append((method, answer))
                return answer

            ask("signum", name="TERM")
            ask("signum", name="NO-SUCH")
            ask("signame", number=15)
            ask("signame", number=999)
            ask("signals")
            ask("kill", pid=child.pid, signal=0)
            ask("inspect", pid=child.pid)
            ask("wait", pid=child.pid, timeout_ms=0)
            ask("wait", pid=ABSENT_PID)
            ask("children", pid=root.pid)
            ask("children", pid=root.pid, recursive=True)
            ask("terminate", pid=stopped.pid)
            ask("terminate", pid=root.pid, tree=True)
    finally:
        for pid, start in kids.items():  # gone unless terminate(tree) failed
            if start is not None and _start_time(pid) == start:
                os.kill(pid, signal.SIGKILL)
    problems = [p for method, answer in answers for p in schemas.problems(method, answer)]
    problems += [p for method, answer in answers
                 for p in conversion_problems(method, described[method]["result"]["schema"],
                                              answer)]
    assert not problems, "\n".join(problems)
    assert {m for m, _ in answers} >= set(_wrapped(described)) - set(UNCHECKED_RESULTS)
    tree = next(a for m, a in answers if m == "terminate" and "members" in a)
    assert tree["exited"] and {m["pid"] for m in tree["members"]} == {root.pid, *kids}
