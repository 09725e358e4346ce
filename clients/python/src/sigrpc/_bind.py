"""Turning the call definitions of ``_calls`` into client methods.

A definition is a function that returns an operation (``Call`` or
``Steps``). ``sync_method(definition)`` makes a method that builds the
operation and runs it with ``self._run``, which blocks; ``async_method``
one that returns ``self._run``'s coroutine. The ``handle_`` variants pass
``self`` (a process handle) as the definition's first argument. Each method
keeps the definition's name and docstring, and ``inspect.signature`` gives
it the definition's parameters after ``self``, so ``help()`` and
``inspect.signature`` see the real parameters (type checkers see them
through the ``ParamSpec``).

The signatures are made when first asked for, not at import: making them
needs the ``inspect`` module, whose import alone would cost more than the
rest of ``import sigrpc``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from ._calls import Op

P = ParamSpec("P")
T = TypeVar("T")
H = TypeVar("H")


class _Signature:
    """What a method's ``__wrapped__`` names: the method's signature, made on
    first use. ``inspect.signature(method)`` follows ``__wrapped__`` to an
    object with a ``__signature__`` and takes that; ``typing.get_type_hints``
    follows it to the definition's ``__globals__``."""

    def __init__(self, definition: Callable[..., Any], bound: bool) -> None:
        self.definition = definition
        self.bound = bound  # the definition's first parameter is the handle the method passes
        self.made: Any = None
        self.__globals__ = getattr(definition, "__globals__", {})

    @property
    def __signature__(self) -> Any:
        if self.made is None:
            import inspect

            params = list(inspect.signature(self.definition).parameters.values())
            if self.bound:
                params = params[1:]
            self_param = inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)
            self.made = inspect.Signature([self_param, *params])
        return self.made


def _dress(method: Callable[..., Any], definition: Callable[..., Any], bound: bool) -> None:
    """Give method the definition's name and docstring, and its signature (with self)."""
    functools.update_wrapper(method, definition)
    method.__wrapped__ = _Signature(definition, bound)  # type: ignore[attr-defined]


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
