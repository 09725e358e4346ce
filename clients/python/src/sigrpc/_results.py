"""The result types of the calls: dataclasses, as the helper's answers have them.

Imported on first use (a call's converter in ``_calls``, or ``sigrpc.ProcessInfo``
and the like), not by ``import sigrpc``: ``dataclasses`` imports ``inspect``,
which alone costs more than the rest of ``import sigrpc``. The tests hold
every class here, field by field, to the result schemas of the helper's
``rpc.discover`` (tests/test_results.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class ProcessInfo:
    """What the system reports about a process (``inspect``; Linux).

    ``state`` is the one-letter state of ``/proc/<pid>/stat`` (``R``, ``S``,
    ``Z`` for a zombie, ...); ``start_time`` identifies the process together
    with its pid (stat field 22, as a decimal string).
    """

    pid: int
    ppid: int
    pgid: int
    sid: int
    uid: int
    state: str
    comm: str
    start_time: str


@dataclass(frozen=True)
class ChildInfo:
    """A child (or descendant) of a process (``children``; Linux)."""

    pid: int
    ppid: int
    start_time: str
    comm: str


@dataclass(frozen=True)
class TreeMember:
    """One process of a tree that ``terminate(tree=True)`` acted on.

    ``refused`` is the policy's reason when the process could not be
    signalled (it was then neither stopped nor signalled), else None.
    """

    pid: int
    start_time: str
    exited: bool
    escalated: bool
    refused: str | None = None


#: How ``terminate(tree=True)`` found the members of the tree.
TreeMethod = Literal["listing", "fork-events"]


@dataclass(frozen=True)
class Termination:
    """The outcome of ``terminate`` (and ``Process.stop``).

    ``exited``: the process (with ``tree``, every member) has gone.
    ``escalated``: the escalation signal was delivered. ``refused``: the
    policy's reason when the escalation was refused (nothing was sent).
    ``members``: with ``tree``, what happened to each process of the tree.
    ``method``: with ``tree``, how the members were found, ``"listing"``
    or ``"fork-events"``; ``complete``: whether that method rules out a
    process forked by a member during the call escaping the tree (a
    double fork), rather than making it only unlikely.
    """

    exited: bool
    escalated: bool
    elapsed_ms: int
    refused: str | None = None
    members: tuple[TreeMember, ...] | None = None
    complete: bool | None = None
    method: TreeMethod | None = None
