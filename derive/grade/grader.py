"""Grade a submission: build every check's probe, run them in the sandbox, judge the evidence.

>>> from pathlib import Path
>>> collect_files([Path("no/such/file.py")])
Traceback (most recent call last):
...
ValueError: no/such/file.py: expected a .py file or a folder of them, got a path that does not exist
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from derive.grade.checks_knn import GROUP as KNN_GROUP
from derive.grade.checks_softmax import GROUP as SOFTMAX_GROUP
from derive.grade.checks_svm import GROUPS as SVM_GROUPS
from derive.grade.check import Check, CheckGroup, Evidence, check_id
from derive.grade.diagnose import Verdict
from derive.grade.rubric import Rubric, default_rubric
from derive.grade.sandbox import Limits, SandboxResult, Task, read_source, run_tasks

__all__ = ["CHECKS", "CHECK_GROUPS", "CLASSES", "FUNCTIONS", "UNITS", "CheckResult", "GradeReport", "UnitStatus", "collect_files", "grade"]

#: the graded problems (a problem may grade several units, e.g. svm's functions and its class):
#: adding one is adding a check module and one entry here
CHECK_GROUPS: dict[str, tuple[CheckGroup, ...]] = {"knn": (KNN_GROUP,), "softmax": (SOFTMAX_GROUP,), "svm": SVM_GROUPS}
#: every graded unit (a class, or a file's module-level functions) by name, in report order
UNITS: dict[str, CheckGroup] = {g.cls: g for groups in CHECK_GROUPS.values() for g in groups}
#: every check, in report order
CHECKS: list[Check] = [c for g in UNITS.values() for c in g.checks]
#: the graded classes and the methods whose source locations the child reports
CLASSES: dict[str, list[str]] = {g.cls: g.methods for g in UNITS.values() if not g.functions}
#: the graded units of module-level functions and their functions
FUNCTIONS: dict[str, list[str]] = {g.cls: g.methods for g in UNITS.values() if g.functions}


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check."""

    cls: str
    method: str
    name: str
    score: float
    max_score: float
    passed: bool
    message: str
    advisory: bool = False
    visibility: str = "visible"
    failure: str | None = None  # the probe's status when it did not run to the end (e.g. "import")

    @property
    def title(self) -> str:
        """``<Class>.<method>: <check>``."""
        return f"{self.cls}.{self.method}: {self.name}"

    @property
    def id(self) -> str:
        """The check's key in a rubric."""
        return check_id(self.cls, self.method, self.name)


@dataclass(frozen=True)
class UnitStatus:
    """Whether a graded unit (class or functions) was found, and if not, why it could not be.

    Attributes
    ----------
    found : bool
    file : str or None
        Where it was found.
    not_run : bool
        The submission could not be run at all (nothing was imported).
    import_errors : tuple of str
        ``"<file> could not be imported: <error>"`` for each file that failed to import
        (set only for a unit the submission names but that was not found).
    """

    found: bool
    file: str | None = None
    not_run: bool = False
    import_errors: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The report's line: ``found in x.py``, ``not found in the submission (...)``, ..."""
        if self.found:
            return f"found in {Path(str(self.file)).name}"
        if self.not_run:
            return "could not be graded: the submission could not be run"
        return "not found in the submission" + (f" ({'; '.join(self.import_errors)})" if self.import_errors else "")


@dataclass(frozen=True)
class GradeReport:
    """Every check's result, and per unit where it was found (or why not).

    ``sections`` holds each unit's line of text (``units[name].text``); ``units`` the same as typed fields.
    """

    files: tuple[str, ...]
    sections: dict[str, str]
    results: tuple[CheckResult, ...]
    children: int = 0
    isolation: str = ""
    units: dict[str, UnitStatus] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return float(sum(r.score for r in self.results))

    @property
    def max_score(self) -> float:
        return float(sum(r.max_score for r in self.results))


def collect_files(paths: Sequence[Path]) -> list[Path]:
    """The ``.py`` files named by ``paths`` (folders: their ``.py`` files, recursively, sorted).

    Raises
    ------
    ValueError
        On a path that does not exist, a file that is not ``.py``, or no file at all.
    """
    files: list[Path] = []
    for p in paths:
        if p.is_symlink():
            raise ValueError(f"{p}: expected a .py file or a folder of them, got a symbolic link "
                             "(only regular files are copied into the grader's sandbox)")
        if not p.exists():
            raise ValueError(f"{p}: expected a .py file or a folder of them, got a path that does not exist")
        if p.is_dir():
            found = sorted(f for f in p.rglob("*.py") if "__pycache__" not in f.parts)
            if not found:
                raise ValueError(f"{p}: expected a folder with .py files, found none")
            files += found
        elif p.suffix != ".py":
            raise ValueError(f"{p}: expected a .py file, got {p.suffix or 'no extension'}")
        else:
            files.append(p)
    if not files:
        raise ValueError("PATH: expected at least one .py file, got none")
    # absolute, not resolved: a symbolic link stays one, and the sandbox refuses to copy it
    return list(dict.fromkeys(Path(os.path.abspath(f)) for f in files))


def _mentioned(files: list[Path]) -> list[str]:
    """The graded units one of whose names occurs in the files' text (a cheap, execution-free filter)."""
    # bounded reads of regular files only: a FIFO or a link to /dev/zero named *.py must not hang us
    text = "\n".join(read_source(str(f))[0].decode("utf-8", "replace") for f in files)
    return [u for u, g in UNITS.items() if any(re.search(rf"\b{n}\b", text) for n in g.names)]


def _judge(check: Check, ev: Evidence) -> Verdict:
    try:
        return check.judge(ev)
    except Exception as exc:  # noqa: BLE001 - a judge tripping on odd output must not stop the grading
        return Verdict(False, f"the output could not be judged ({type(exc).__name__}: {exc})")


def _needed(rubric: Rubric) -> set[str]:
    """Ids of the checks to run: those switched on, and those they require."""
    on = {c.id for c in CHECKS if rubric.entry(c).enabled}
    for c in CHECKS:
        if c.id in on:
            on |= {check_id(c.cls, c.method, r) for r in c.requires}
    return on


def _gated(check: Check, verdict: Verdict, verdicts: dict[str, Verdict]) -> Verdict:
    """``verdict``, or a failing one when a check it requires failed (the judge's text kept for information)."""
    failed = [r for r in check.requires if not verdicts.get(check_id(check.cls, check.method, r), Verdict(False, "")).passed]
    if not failed:
        return verdict
    names = ", ".join(f"'{r}'" for r in failed)
    return Verdict(False, f"no credit: {check.method} is not correct ({names} failed); '{check.name}' counts only for a "
                          f"correct method\n(for information: {verdict.message})")


def grade(paths: Sequence[Path | str], *, limits: Limits | None = None, seed: int = 0, rubric: Rubric | None = None) -> GradeReport:
    """Grade the submission made of ``paths``.

    Parameters
    ----------
    paths : sequence of path
        ``.py`` files or folders of them; together they should define ``KNN`` and/or ``Softmax``.
    limits : Limits, optional
        Time and memory limits of the sandbox (default :class:`Limits`).
    seed : int, default 0
        Seed of the generated inputs (and of the student's global RNGs in the child).
    rubric : Rubric, optional
        Points, switched-off and advisory checks, Gradescope visibility (default: :func:`default_rubric`).

    Returns
    -------
    GradeReport
        One result per switched-on check.

    Raises
    ------
    ValueError
        When a path does not exist or nothing gradable is found.
    """
    limits = limits or Limits()
    rubric = rubric or default_rubric()
    files = collect_files([Path(p) for p in paths])
    wanted = _mentioned(files)
    if not wanted:
        names = ", ".join(str(f) for f in files)
        expected = ", ".join(n for g in UNITS.values() for n in g.names)
        raise ValueError(f"PATH: expected code defining one of {expected}, found none of these names in {names}")
    needed = _needed(rubric)
    tasks: dict[int, Task] = {}
    probes: dict[int, Any] = {}
    for i, check in enumerate(CHECKS):
        if check.cls in wanted and check.probe is not None and check.id in needed:
            probe = check.probe(np.random.default_rng([seed, i]))
            tasks[i] = Task(f"t{i}", check.cls, probe.steps, probe.arrays, probe.timed)
            probes[i] = probe
    result = run_tasks([str(f) for f in files], {c: CLASSES[c] for c in wanted if c in CLASSES}, list(tasks.values()), limits,
                       seed=seed, functions={u: FUNCTIONS[u] for u in wanted if u in FUNCTIONS})
    units = _units(result, wanted)
    sections = {u: status.text for u, status in units.items()}
    folders = tuple(sorted({f.parent for f in files}))
    fatal = None if result.classes else next((o.error for o in result.outcomes.values()), "the submission could not be run")
    results = []
    verdicts: dict[str, Verdict] = {}
    for i, check in enumerate(CHECKS):
        if check.id not in needed:
            continue
        info = result.classes.get(check.cls, {})
        if fatal is not None and check.cls in wanted:
            verdict = Verdict(False, fatal or "failed")
        elif not info.get("found"):
            verdict = Verdict(False, f"{check.cls} {sections[check.cls]}")
        else:
            task, probe = tasks.get(i), probes.get(i)
            ev = Evidence(
                result.outcomes.get(task.id) if task else None,
                probe.context if probe else {},
                (info.get("methods") or {}).get(check.method),
                folders,
                tuple(probe.steps) if probe else (),
            )
            verdict = _gated(check, _judge(check, ev), verdicts)
        verdicts[check.id] = verdict
        entry = rubric.entry(check)
        if not entry.enabled:
            continue  # run only because a switched-on check requires it
        points = 0.0 if entry.advisory else entry.points
        results.append(CheckResult(check.cls, check.method, check.name, points if verdict.passed else 0.0,
                                   points, verdict.passed, verdict.message, entry.advisory, entry.visibility,
                                   verdict.failure))
    return GradeReport(tuple(str(f) for f in files), sections, tuple(results), result.children, result.isolation, units)


def _units(result: SandboxResult, wanted: list[str]) -> dict[str, UnitStatus]:
    units = {}
    for unit in UNITS:
        info = result.classes.get(unit, {})
        if info.get("found"):
            units[unit] = UnitStatus(True, str(info.get("file")))
        elif unit in wanted and not result.classes:
            units[unit] = UnitStatus(False, not_run=True)
        else:
            errors = tuple(f"{Path(p).name} could not be imported: {e}" for p, e in result.import_errors.items()) if unit in wanted else ()
            units[unit] = UnitStatus(False, import_errors=errors)
    return units
