"""Turning the call definitions of ``_calls`` into client methods.

A definition is a function that returns an operation (``Call`` or
``Steps``). ``sync_method(definition)`` makes a method that builds the
operation and runs it with ``self._run``, which blocks; ``async_method``
one that returns ``self._run``'s coroutine. The ``handle_`` variants pass
``self`` (a process handle) as the definition's first argument. Each method
keeps the definition's name, docstring and signature, so ``help()``,
``inspect.signature`` and type checkers see the real parameters.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from ._calls import Op

P = ParamSpec("P")
T = TypeVar("T")
H = TypeVar("H")


def _dress(method: Callable[..., Any], definition: Callable[..., Any], bound: bool) -> None:
    """Give method the definition's name, docstring and signature (with self)."""
    functools.update_wrapper(method, definition)
    del method.__wrapped__  # type: ignore[attr-defined]
    params = list(inspect.signature(definition).parameters.values())
    if bound:
        params = params[1:]  # the handle the method passes
    self = inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)
    method.__signature__ = inspect.Signature([self, *params])  # type: ignore[attr-defined]


def sync_method(definition: Callable[P, Op[T]]) -> Callable[Concatenate[Any, P], T]:
    """A blocking method running the operation that definition builds."""

    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._run(definition(*args, **kwargs))  # type: ignore[no-any-return]

    _dress(method, definition, bound=False)
    return method


def async_method(
    definition: Callable[P, Op[T]],
) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, T]]:
    """A coroutine method running the operation that definition builds.

    The arguments are checked when it is called, before it is awaited.
    """

    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> Coroutine[Any, Any, T]:
        return self._run(definition(*args, **kwargs))  # type: ignore[no-any-return]

    _dress(method, definition, bound=False)
    return method


def handle_sync_method(
    definition: Callable[Concatenate[H, P], Op[T]],
) -> Callable[Concatenate[H, P], T]:
    """sync_method for a process handle: the handle is the definition's first argument."""

    def method(self: H, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._run(definition(self, *args, **kwargs))  # type: ignore[attr-defined,no-any-return]

    _dress(method, definition, bound=True)
    return method


def handle_async_method(
    definition: Callable[Concatenate[H, P], Op[T]],
) -> Callable[Concatenate[H, P], Coroutine[Any, Any, T]]:
    """async_method for a process handle: the handle is the definition's first argument."""

    def method(self: H, /, *args: P.args, **kwargs: P.kwargs) -> Coroutine[Any, Any, T]:
        return self._run(definition(self, *args, **kwargs))  # type: ignore[attr-defined,no-any-return]

    _dress(method, definition, bound=True)
    return method
