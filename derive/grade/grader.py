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

import numpy as np

from derive.grade.check import Check, Evidence
from derive.grade.checks_knn import KNN_CHECKS
from derive.grade.checks_knn import METHODS as KNN_METHODS
from derive.grade.checks_softmax import METHODS as SOFTMAX_METHODS
from derive.grade.checks_softmax import SOFTMAX_CHECKS
from derive.grade.diagnose import Verdict
from derive.grade.sandbox import Limits, SandboxResult, Task, read_source, run_tasks

__all__ = ["CHECKS", "CLASSES", "CheckResult", "GradeReport", "collect_files", "grade"]

#: every check, in report order
CHECKS: list[Check] = KNN_CHECKS + SOFTMAX_CHECKS
#: the graded classes and the methods whose source locations the child reports
CLASSES: dict[str, list[str]] = {"KNN": KNN_METHODS, "Softmax": SOFTMAX_METHODS}


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

    @property
    def title(self) -> str:
        """``<Class>.<method>: <check>``."""
        return f"{self.cls}.{self.method}: {self.name}"


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


def grade(paths: Sequence[Path | str], *, limits: Limits | None = None, seed: int = 0) -> GradeReport:
    """Grade the submission made of ``paths``.

    Parameters
    ----------
    paths : sequence of path
        ``.py`` files or folders of them; together they should define ``KNN`` and/or ``Softmax``.
    limits : Limits, optional
        Time and memory limits of the sandbox (default :class:`Limits`).
    seed : int, default 0
        Seed of the generated inputs (and of the student's global RNGs in the child).

    Returns
    -------
    GradeReport

    Raises
    ------
    ValueError
        When a path does not exist or nothing gradable is found.
    """
    limits = limits or Limits()
    files = collect_files([Path(p) for p in paths])
    wanted = _mentioned(files)
    if not wanted:
        names = ", ".join(str(f) for f in files)
        raise ValueError(f"PATH: expected code defining KNN and/or Softmax, found neither name in {names}")
    tasks: dict[int, Task] = {}
    contexts: dict[int, dict] = {}
    for i, check in enumerate(CHECKS):
        if check.cls in wanted and check.probe is not None:
            probe = check.probe(np.random.default_rng([seed, i]))
            tasks[i] = Task(f"t{i}", check.cls, probe.steps, probe.arrays)
            contexts[i] = probe.context
    result = run_tasks([str(f) for f in files], {c: CLASSES[c] for c in wanted}, list(tasks.values()), limits, seed=seed)
    sections = _sections(result, wanted, files)
    folders = tuple(sorted({f.parent for f in files}))
    fatal = None if result.classes else next((o.error for o in result.outcomes.values()), "the submission could not be run")
    results = []
    for i, check in enumerate(CHECKS):
        info = result.classes.get(check.cls, {})
        if fatal is not None and check.cls in wanted:
            verdict = Verdict(False, fatal or "failed")
        elif not info.get("found"):
            verdict = Verdict(False, f"{check.cls} {sections[check.cls]}")
        else:
            task = tasks.get(i)
            ev = Evidence(
                result.outcomes.get(task.id) if task else None,
                contexts.get(i, {}),
                (info.get("methods") or {}).get(check.method),
                folders,
            )
            verdict = _judge(check, ev)
        results.append(CheckResult(check.cls, check.method, check.name, check.points if verdict.passed else 0.0,
                                   check.points, verdict.passed, verdict.message))
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
