"""``gradproof grade``: grade a student's ``KNN`` / ``Softmax`` / multiclass SVM implementation (SPEC problems 2, 5 and 6).

Student code runs only in a sandboxed child process (:mod:`derive.grade.sandbox`,
:mod:`derive.grade.child`); the grader judges what comes back against
:mod:`numerics` (:mod:`derive.grade.checks_knn`, :mod:`derive.grade.checks_softmax`, :mod:`derive.grade.checks_svm`),
names known mistakes (:mod:`derive.grade.diagnose`), checks for Python loops on the
syntax tree (:mod:`derive.grade.static`) and reports for a terminal or for
Gradescope (:mod:`derive.grade.report`).  A rubric (:mod:`derive.grade.rubric`) sets the
points; :mod:`derive.grade.classgrade` and :mod:`derive.grade.classreport` grade a whole
class, :mod:`derive.grade.autograder` builds a Gradescope autograder.

Typical use::

    from derive.grade import Limits, grade, format_report
    report = grade(["submission.py"], limits=Limits(timeout=10, memory_mb=2048), seed=0)
    print(format_report(report))
"""

from __future__ import annotations

from derive.grade.grader import CHECK_GROUPS, CHECKS, CheckResult, GradeReport, collect_files, grade
from derive.grade.report import format_report, gradescope, summary, write_gradescope
from derive.grade.rubric import Rubric, default_rubric
from derive.grade.sandbox import Limits

__all__ = [
    "CHECK_GROUPS",
    "CHECKS",
    "Rubric",
    "default_rubric",
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
