"""Grade a whole class in parallel and write the grades, each student's feedback and Gradescope results.

Each submission is graded by :func:`derive.grade.grader.grade` (its own sandboxed
children) in a worker *process* of a pool (the sandbox gives each grader process a
user id of its own, so concurrent graders never touch each other's children).  A
submission that cannot be graded at all (an empty folder, no Python file, nothing
defining the classes, a worker that died) gets 0 and a reason; nothing stops the run.

Outputs, under ``OUT``: ``grades.csv``, ``<id>/results.json`` (Gradescope format),
``<id>/feedback.txt``; the class summary and report are :mod:`derive.grade.classreport`'s.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from derive.grade.grader import CHECKS, GradeReport, grade
from derive.grade.report import format_report, gradescope
from derive.grade.roster import Submission
from derive.grade.rubric import Rubric, default_rubric
from derive.grade.sandbox import Limits

__all__ = ["MAX_FILES", "Graded", "grade_class", "grade_one", "scored_titles", "write_outputs"]

#: a submission folder with more .py files than this is not graded
MAX_FILES = 200


@dataclass(frozen=True)
class Graded:
    """One submission's outcome: a report, or why it could not be graded at all."""

    submission: Submission
    report: GradeReport | None
    error: str | None
    seconds: float

    @property
    def score(self) -> float:
        return 0.0 if self.report is None else self.report.score

    @property
    def ungradeable(self) -> str | None:
        """Why nothing of the submission could be graded (syntax/import error, timeout, no files), else None."""
        if self.report is None:
            return self.error or "could not be graded"
        units = self.report.units
        if any(u.found for u in units.values()):
            return None
        fatal = next((r.message for r in self.report.results if r.failure == "import"), None)
        if fatal is not None:
            return fatal
        errors = [u.text for u in units.values() if u.not_run] + [e for u in units.values() for e in u.import_errors]
        if errors:
            return "; ".join(dict.fromkeys(errors))
        return f"defines none of the graded classes and functions ({', '.join(units)})"


def _py_files(folder: Path) -> list[Path]:
    files: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):  # symbolic links are not followed
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
        files += [Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py")]
        if len(files) > MAX_FILES:
            raise ValueError(f"expected at most {MAX_FILES} .py files in the submission, found more")
    return files


def grade_one(sub: Submission, limits: Limits, seed: int, rubric: Rubric) -> Graded:
    """Grade one submission; never raises (a failure is an ungradeable result)."""
    t0 = time.monotonic()
    if sub.missing is not None:
        return Graded(sub, None, sub.missing, 0.0)
    try:
        files = _py_files(sub.folder)
        if not files:
            raise ValueError("the submission has no .py file" + (" (the folder is empty)" if not any(sub.folder.iterdir()) else ""))
        report = grade(files, limits=limits, seed=seed, rubric=rubric)
        return Graded(sub, report, None, time.monotonic() - t0)
    except ValueError as exc:
        return Graded(sub, None, str(exc).replace(str(sub.folder.parent) + os.sep, ""), time.monotonic() - t0)
    except Exception as exc:  # noqa: BLE001 - one broken submission must never stop the class
        return Graded(sub, None, f"the grader failed on this submission ({type(exc).__name__}: {exc})", time.monotonic() - t0)


def grade_class(subs: list[Submission], *, limits: Limits, seed: int, rubric: Rubric, jobs: int,
                progress: Callable[[Graded], None] | None = None) -> list[Graded]:
    """Grade ``subs`` with ``jobs`` worker processes; results in the order of ``subs``.

    A worker process that dies takes only its submission with it: the pool is rebuilt,
    the unfinished submissions are graded again once, then reported as ungradeable.
    """
    results: dict[str, Graded] = {}
    tries: dict[str, int] = {}
    pending = list(subs)
    ctx = multiprocessing.get_context("spawn")
    while pending:
        with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(pending))), mp_context=ctx) as pool:
            futures: dict[Future[Graded], Submission] = {pool.submit(grade_one, s, limits, seed, rubric): s for s in pending}
            broken = False
            todo = set(futures)
            while todo:
                done, todo = wait(todo, return_when=FIRST_COMPLETED)
                for fut in done:
                    sub = futures[fut]
                    try:
                        results[sub.id] = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    except Exception as exc:  # noqa: BLE001 - e.g. a result that could not be sent back
                        results[sub.id] = Graded(sub, None, f"the grader's worker failed ({type(exc).__name__}: {exc})", 0.0)
                    if progress is not None:
                        progress(results[sub.id])
        pending = [s for s in pending if s.id not in results]
        if broken:
            for s in list(pending):
                tries[s.id] = tries.get(s.id, 0) + 1
                if tries[s.id] > 1:
                    results[s.id] = Graded(s, None, "the grader's worker process died while grading this submission", 0.0)
                    pending.remove(s)
                    if progress is not None:
                        progress(results[s.id])
    return [results[s.id] for s in subs]


def scored_titles(rubric: Rubric) -> list[str]:
    """The checks that carry points under ``rubric`` (the grades CSV's columns), in report order."""
    return [c.title for c in CHECKS if rubric.entry(c).enabled and not rubric.entry(c).advisory]


def _points(x: float) -> str:
    return f"{x:g}"


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (a leading ``=``, ``+``, ``-``, ``@`` gets a ``'``).

    >>> _cell("=HYPERLINK(1)"), _cell("Ada")
    ("'=HYPERLINK(1)", 'Ada')
    """
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _results_json(g: Graded, visibility: str) -> dict:
    if g.report is not None:
        return gradescope(g.report, visibility=visibility)
    return {"score": 0.0, "visibility": visibility, "tests": [], "output": f"Could not be graded: {g.error}"}


def _feedback(g: Graded) -> str:
    who = ", ".join(n for n in g.submission.names if n) or g.submission.id
    head = f"Submission {g.submission.id} ({who})\n\n"
    if g.report is None:
        return head + f"Could not be graded: {g.error}\nScore: 0\n"
    return head + format_report(g.report).replace(str(g.submission.folder) + os.sep, "") + "\n"


def write_outputs(graded: list[Graded], out: Path, rubric: Rubric | None = None) -> None:
    """Write ``grades.csv`` and, per submission, ``<id>/results.json`` and ``<id>/feedback.txt`` under ``out``."""
    rubric = rubric or default_rubric()
    titles = scored_titles(rubric)
    max_score = sum(rubric.entry(c).points for c in CHECKS if rubric.entry(c).enabled and not rubric.entry(c).advisory)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "names", "emails", "score", "max_score", *titles])
        for g in graded:
            points = {r.title: r.score for r in g.report.results} if g.report is not None else {}
            s = g.submission
            w.writerow([s.id, _cell("; ".join(s.names)), _cell("; ".join(s.emails)), _points(g.score), _points(max_score),
                        *(_points(points.get(t, 0.0)) for t in titles)])
    for g in graded:
        folder = out / g.submission.id
        folder.mkdir(exist_ok=True)
        data = _results_json(g, rubric.visibility)
        (folder / "results.json").write_text(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
        (folder / "feedback.txt").write_text(_feedback(g), encoding="utf-8")
