"""``gradproof grade``: grade a student's ``KNN`` / ``Softmax`` implementation (SPEC problems 2 and 5).

Student code runs only in a sandboxed child process (:mod:`derive.grade.sandbox`,
:mod:`derive.grade.child`); the grader judges what comes back against
:mod:`numerics` (:mod:`derive.grade.checks_knn`, :mod:`derive.grade.checks_softmax`),
names known mistakes (:mod:`derive.grade.diagnose`), checks for Python loops on the
syntax tree (:mod:`derive.grade.static`) and reports for a terminal or for
Gradescope (:mod:`derive.grade.report`).

Typical use::

    from derive.grade import Limits, grade, format_report
    report = grade(["submission.py"], limits=Limits(timeout=10, memory_mb=2048), seed=0)
    print(format_report(report))
"""

from __future__ import annotations

from derive.grade.grader import CHECKS, CheckResult, GradeReport, collect_files, grade
from derive.grade.report import format_report, gradescope, summary, write_gradescope
from derive.grade.sandbox import Limits

__all__ = [
    "CHECKS",
    "CheckResult",
    "GradeReport",
    "Limits",
    "collect_files",
    "format_report",
    "grade",
    "gradescope",
    "summary",
    "write_gradescope",
]
