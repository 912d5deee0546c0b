"""``gradproof grade`` on KNN submissions: each classic mistake fails the right check with the right diagnosis.

Every deliberately broken submission in tests/submissions subclasses the reference
and breaks one method; the other checks must still pass (nothing else is harmed).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from grade_submissions import noisy_speedup, submission_files

from derive.grade import GradeReport, Limits, grade

SUBMISSIONS = Path(__file__).parent / "submissions"
LIMITS = Limits(timeout=5.0, memory_mb=1024)

DIST = "KNN.compute_distances"
VEC = "KNN.compute_L2_distances_vectorized"
PRED = "KNN.predict_labels"


@cache
def graded(name: str, timeout: float = LIMITS.timeout) -> GradeReport:
    return grade(submission_files(name), limits=Limits(timeout=timeout, memory_mb=LIMITS.memory_mb), seed=0)


def failed(report: GradeReport, cls: str) -> set[str]:
    """Failed checks, a speed-up failed by timing noise on a busy machine aside (test_grade_submissions judges speed-ups)."""
    return {r.title for r in report.results if not r.passed and r.cls == cls and not noisy_speedup(r)}


def message(report: GradeReport, title: str) -> str:
    return next(r.message for r in report.results if r.title == title)


#: submission -> (the checks that must fail, a phrase each of their messages contains)
MISTAKES: dict[str, tuple[set[str], str]] = {
    "knn_nan": ({f"{VEC}: near-duplicate rows (no NaN)"}, "sqrt of tiny negative numbers gives NaN in vectorised L2"),
    "knn_uint8": ({f"{DIST}: uint8 wrap-around", f"{VEC}: uint8 wrap-around"}, "uint8 arithmetic wraps around"),
    "knn_ties": ({f"{PRED}: tie-breaking"}, "ties not broken toward the smallest label"),
    "knn_huge_memory": (
        {f"{VEC}: {c}" for c in ("output (generated)", "output (CIFAR-shaped)", "near-duplicate rows (no NaN)",
                                 "uint8 wrap-around", "speed-up")} | {f"{VEC}: no loops"},
        "",
    ),
}


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_each_mistake_fails_exactly_its_checks(name: str) -> None:
    report = graded(name)
    expected, phrase = MISTAKES[name]
    assert failed(report, "KNN") == expected
    for title in expected - {f"{VEC}: no loops"}:
        assert phrase in message(report, title)
    # the other class comes from reference.py, graded with it (the first file defining a class wins)
    assert report.sections == {"KNN": f"found in {name}.py", "Softmax": "found in reference.py",
                               "linear_svm": "found in reference.py", "LinearSVM": "found in reference.py"}


def test_uint8_diagnosis_shows_the_minimal_example() -> None:
    msg = message(graded("knn_uint8"), f"{DIST}: uint8 wrap-around")
    assert "expected 1, got 255" in msg
    assert "X_test = [[0, 0]]" in msg


def test_tie_diagnosis_names_the_strategy() -> None:
    msg = message(graded("knn_ties"), f"{PRED}: tie-breaking")
    assert "labels [2, 5] have 1 vote(s) each" in msg
    assert "picks the largest" in msg


def test_loops_fail_the_static_check_and_report_the_speedup() -> None:
    report = graded("knn_loops")
    assert f"{VEC}: no loops" in failed(report, "KNN")
    assert failed(report, "KNN") <= {f"{VEC}: no loops", f"{VEC}: speed-up"}
    msg = message(report, f"{VEC}: no loops")
    assert "Python for loop at line 17" in msg and "list comprehension at line 9 (in helper _row_distances)" in msg
    assert "speed-up" in message(report, f"{VEC}: speed-up") and "×" in message(report, f"{VEC}: speed-up")


def test_huge_allocation_hits_the_memory_limit() -> None:
    msg = message(graded("knn_huge_memory"), f"{VEC}: output (generated)")
    assert "MemoryError" in msg and "memory limit" in msg
    assert "wraps around" not in message(graded("knn_huge_memory"), f"{VEC}: uint8 wrap-around")


def test_a_hung_method_is_killed_and_the_rest_still_graded() -> None:
    report = graded("knn_hang", 3.0)
    assert failed(report, "KNN") == {f"{PRED}: output (generated)", f"{PRED}: tie-breaking"}
    assert "timed out: still running" in message(report, f"{PRED}: output (generated)")
    assert message(report, f"{PRED}: tie-breaking") == "not run: timed out in an earlier check"
    assert report.children == 2  # its later check is not run; a fresh child grades reference.py's Softmax
