"""What a grader check is: a probe to run in the sandbox and a judge that reads the evidence.

A :class:`Check` belongs to one method of one class.  Its ``probe(rng)`` builds the
steps the child runs (see :mod:`derive.grade.child`), the arrays they use and a
parent-only ``context`` (the reference values); its ``judge(evidence)`` returns a
:class:`~derive.grade.diagnose.Verdict`.  Static checks have no probe: their
judge reads the source through ``evidence.location``.

The small step builders (:func:`new`, :func:`call`, :func:`get`, :func:`put`,
:func:`npy`) keep the check modules readable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from derive.grade.diagnose import Verdict, fmt
from derive.grade.sandbox import TaskOutcome, Timed, Value

__all__ = ["Check", "CheckGroup", "check_id", "Probe", "Evidence", "new", "call", "fn", "get", "put", "npy", "array_output",
           "task_failure"]


@dataclass(frozen=True)
class Probe:
    """Steps for the child, the arrays they name, reference data kept in the parent, and timed steps.

    ``timed`` maps a step's ``save`` name to the reference the grader runs alternately with it
    (:class:`~derive.grade.sandbox.Timed`).
    """

    steps: list[dict[str, Any]]
    arrays: dict[str, NDArray[Any]]
    context: dict[str, Any] = field(default_factory=dict)
    timed: dict[str, Timed] = field(default_factory=dict)


@dataclass(frozen=True)
class Evidence:
    """Everything a judge may look at.

    Attributes
    ----------
    outcome : TaskOutcome or None
        The child's report of the probe (None for static checks).
    context : dict
        The probe's reference data.
    location : dict or None
        ``{"file": ..., "line": ...}`` of the method, as the child found it.
    folders : tuple of Path
        The submission's folders (a static check reads source only from there).
    """

    outcome: TaskOutcome | None
    context: dict[str, Any]
    location: dict[str, Any] | None = None
    folders: tuple[Path, ...] = ()
    steps: tuple[dict[str, Any], ...] = ()

    def value(self, key: str) -> Value | None:
        """The value saved under ``key`` (None when the child saved nothing)."""
        return None if self.outcome is None else self.outcome.outputs.get(key)

    def printed(self, key: str) -> str:
        """What the call saved under ``key`` printed, and nothing printed by other calls.

        Empty when the step is unknown or the child reported no per-step output.
        """
        if self.outcome is None:
            return ""
        index = next((i for i, s in enumerate(self.steps) if s.get("save") == key), None)
        stdouts = self.outcome.stdouts
        if index is None or index >= len(stdouts):
            return ""
        return stdouts[index]


@dataclass(frozen=True)
class Check:
    """One graded check: ``<cls>.<method>: <name>`` worth ``points``.

    Attributes
    ----------
    requires : tuple of str
        Names of checks of the same method that must pass for this one to earn
        anything ("no loops" and "speed-up" count only for a correct method).
    advisory : bool
        Shown as advice, worth 0 points, in the default rubric.
    """

    cls: str
    method: str
    name: str
    points: float
    probe: Callable[[np.random.Generator], Probe] | None
    judge: Callable[[Evidence], Verdict]
    requires: tuple[str, ...] = ()
    advisory: bool = False

    @property
    def title(self) -> str:
        """The Gradescope test name."""
        return f"{self.cls}.{self.method}: {self.name}"

    @property
    def id(self) -> str:
        """The check's key in a rubric: ``<Class>.<method>.<name as a slug>``."""
        return check_id(self.cls, self.method, self.name)


def check_id(cls: str, method: str, name: str) -> str:
    """``check_id("KNN", "predict_labels", "output (generated)")`` is ``"KNN.predict_labels.output-generated"``."""
    slug = "-".join(re.findall(r"[0-9A-Za-z]+", name.replace("∞", "inf"))).lower()
    return f"{cls}.{method}.{slug}"


def npy(name: str) -> dict[str, str]:
    """An argument read from the array ``name`` of the probe."""
    return {"npy": name}


def new(cls: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Step: ``obj = cls(*args, **kwargs)``."""
    return {"op": "new", "cls": cls, "args": list(args), "kwargs": kwargs}


def call(method: str, *args: Any, save: str | None = None, unpack: int | None = None, repeat: int = 1, **kwargs: Any) -> dict[str, Any]:
    """Step: ``obj.method(*args, **kwargs)``, saved under ``save``, the best of ``repeat`` runs timed."""
    step: dict[str, Any] = {"op": "call", "method": method, "args": list(args), "kwargs": kwargs, "repeat": repeat}
    if save is not None:
        step["save"] = save
    if unpack is not None:
        step["unpack"] = unpack
    return step


def fn(name: str, *args: Any, save: str | None = None, unpack: int | None = None, **kwargs: Any) -> dict[str, Any]:
    """Step: the module-level function ``name(*args, **kwargs)`` of the task's unit, saved under ``save``."""
    step: dict[str, Any] = {"op": "fn", "name": name, "args": list(args), "kwargs": kwargs}
    if save is not None:
        step["save"] = save
    if unpack is not None:
        step["unpack"] = unpack
    return step


def get(name: str, save: str) -> dict[str, Any]:
    """Step: save ``obj.name``."""
    return {"op": "get", "name": name, "save": save}


def put(name: str, value: Any) -> dict[str, Any]:
    """Step: ``obj.name = value``."""
    return {"op": "set", "name": name, "args": [value]}


def task_failure(ev: Evidence) -> Verdict | None:
    """A failing verdict when the probe did not run to the end (error, timeout, crash), else None."""
    out = ev.outcome
    if out is None or out.ok:
        return None
    msg = out.error or "failed"
    if out.stdout.strip():
        msg += f"\nprinted:\n{out.stdout.strip()[-800:]}"
    return Verdict(False, msg, out.status)


def array_output(ev: Evidence, key: str, what: str) -> tuple[NDArray[Any] | None, str | None]:
    """(the array saved under ``key``, None) or (None, why it is not a usable array)."""
    v = ev.value(key)
    if v is None:
        return None, f"{what}: nothing was returned"
    if v.kind == "array":
        return np.asarray(v.value), None
    if v.kind == "scalar":
        return np.asarray(v.value), None
    if v.kind == "none":
        return None, f"{what}: returned None; expected an array (did you forget `return`?)"
    return None, f"{what}: returned {v.value} of type {v.type}; expected a numeric array"


def example(**arrays: Any) -> str:
    """A minimal failing example, one ``name = value`` per line."""
    return "\n".join(f"  {k} = {fmt(v)}" for k, v in arrays.items())


@dataclass(frozen=True)
class CheckGroup:
    """The checks of one graded class: the grader loops over a list of these.

    Attributes
    ----------
    cls : str
        The class the student defines (``"KNN"``), or, for ``functions``, the name of the
        unit (``"linear_svm"``: the assignment's file) the functions are reported under.
    methods : list of str
        Methods (or module-level functions) whose source location the child reports.
    checks : list of Check
        In report order.
    functions : bool
        The ``methods`` are module-level functions, not methods of a class ``cls``.
    """

    cls: str
    methods: list[str]
    checks: list[Check]
    functions: bool = False

    @property
    def names(self) -> list[str]:
        """The names a submission must define for this group to be graded."""
        return list(self.methods) if self.functions else [self.cls]
