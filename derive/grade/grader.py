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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from derive.grade.checks_knn import GROUP as KNN_GROUP
from derive.grade.checks_softmax import GROUP as SOFTMAX_GROUP
from derive.grade.check import Check, CheckGroup, Evidence, check_id
from derive.grade.diagnose import Verdict
from derive.grade.rubric import Rubric, default_rubric
from derive.grade.sandbox import Limits, SandboxResult, Task, read_source, run_tasks

__all__ = ["CHECKS", "CHECK_GROUPS", "CLASSES", "CheckResult", "GradeReport", "collect_files", "grade"]

#: the graded problems: adding one is adding a check module and one entry here
CHECK_GROUPS: dict[str, CheckGroup] = {"knn": KNN_GROUP, "softmax": SOFTMAX_GROUP}
#: every check, in report order
CHECKS: list[Check] = [c for g in CHECK_GROUPS.values() for c in g.checks]
#: the graded classes and the methods whose source locations the child reports
CLASSES: dict[str, list[str]] = {g.cls: g.methods for g in CHECK_GROUPS.values()}


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
class GradeReport:
    """Every check's result, and per class where it was found (or why not)."""

    files: tuple[str, ...]
    sections: dict[str, str]
    results: tuple[CheckResult, ...]
    children: int = 0
    isolation: str = ""

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
    """The graded classes whose name occurs in the files' text (a cheap, execution-free filter)."""
    # bounded reads of regular files only: a FIFO or a link to /dev/zero named *.py must not hang us
    text = "\n".join(read_source(str(f))[0].decode("utf-8", "replace") for f in files)
    return [c for c in CLASSES if re.search(rf"\b{c}\b", text)]


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
        raise ValueError(f"PATH: expected code defining {' and/or '.join(CLASSES)}, found neither name in {names}")
    needed = _needed(rubric)
    tasks: dict[int, Task] = {}
    probes: dict[int, Any] = {}
    for i, check in enumerate(CHECKS):
        if check.cls in wanted and check.probe is not None and check.id in needed:
            probe = check.probe(np.random.default_rng([seed, i]))
            tasks[i] = Task(f"t{i}", check.cls, probe.steps, probe.arrays)
            probes[i] = probe
    result = run_tasks([str(f) for f in files], {c: CLASSES[c] for c in wanted}, list(tasks.values()), limits, seed=seed)
    sections = _sections(result, wanted, files)
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
    return GradeReport(tuple(str(f) for f in files), sections, tuple(results), result.children, result.isolation)


def _sections(result: SandboxResult, wanted: list[str], files: list[Path]) -> dict[str, str]:
    sections = {}
    for cls in CLASSES:
        info = result.classes.get(cls, {})
        if info.get("found"):
            sections[cls] = f"found in {Path(str(info.get('file'))).name}"
        elif cls in wanted and not result.classes:
            sections[cls] = "could not be graded: the submission could not be run"
        else:
            why = "not found in the submission"
            if result.import_errors and cls in wanted:
                why += " (" + "; ".join(f"{Path(p).name} could not be imported: {e}" for p, e in result.import_errors.items()) + ")"
            sections[cls] = why
    return sections
