"""``gradproof grade`` on Softmax submissions: classic mistakes, crashes, exits and floods.

The broken submissions in tests/submissions subclass the reference and break one
method; the checks of the other methods must pass (the train check may fail as
a consequence of a broken gradient, since train uses it).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from grade_submissions import noisy_speedup, submission_files

from derive.grade import GradeReport, Limits, grade

SUBMISSIONS = Path(__file__).parent / "submissions"
LIMITS = Limits(timeout=5.0, memory_mb=1024)
FAST = "Softmax.fast_loss_and_grad"
FAST_OUTPUTS = {f"{FAST}: output (generated)", f"{FAST}: output (CIFAR-shaped)", f"{FAST}: stability (large scores)"}
TRAIN = "Softmax.train: learns"


@cache
def graded(name: str) -> GradeReport:
    return grade(submission_files(name), limits=LIMITS, seed=0)


def failed(report: GradeReport) -> set[str]:
    """Failed scored checks (advice is not a failure)."""
    return {r.title for r in report.results if not r.passed and r.cls == "Softmax" and not r.advisory and not noisy_speedup(r)}


def message(report: GradeReport, title: str) -> str:
    return next(r.message for r in report.results if r.title == title)


#: submission -> (checks that must fail, the diagnosis in each of their messages)
MISTAKES: dict[str, tuple[set[str], str]] = {
    "softmax_sign": (FAST_OUTPUTS, "the gradient is the reference times −1"),
    "softmax_missing_n": (FAST_OUTPUTS, "missing 1/N"),
    "softmax_transposed": (FAST_OUTPUTS, "transposed gradient"),
    "softmax_true_class_one": (FAST_OUTPUTS, "the true-class entry of the score gradient is set to 1; it should be P − 1"),
    "softmax_no_max": ({f"{FAST}: stability (large scores)"}, "no max-subtraction: overflow for large scores"),
    "softmax_argmax_axis": ({"Softmax.predict: output"}, "argmax over the wrong axis"),
}


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_each_mistake_fails_its_checks_with_its_diagnosis(name: str) -> None:
    report = graded(name)
    expected, diagnosis = MISTAKES[name]
    gated = {f"{FAST}: no loops", f"{FAST}: speed-up"} if expected & FAST_OUTPUTS - {f"{FAST}: stability (large scores)"} else set()
    assert expected | gated <= failed(report) <= expected | gated | {TRAIN}
    for title in expected:
        assert f"diagnosis: {diagnosis}" in message(report, title)


def test_diagnosis_comes_with_a_minimal_example() -> None:
    msg = message(graded("softmax_sign"), f"{FAST}: output (generated)")
    assert "a tiny example (N = 2, D = 3, C = 3)" in msg
    assert "minimal failing example:" in msg and "expected grad = " in msg and "got grad = " in msg


def test_the_reference_gets_full_marks_on_softmax_only_files_too() -> None:
    report = graded("flood")  # prints megabytes, then answers correctly
    assert failed(report) == set()
    assert sum(r.score for r in report.results if r.cls == "Softmax") == 50


def test_crashes_fail_only_the_crashing_checks() -> None:
    report = graded("crash_abort")
    loss = {f"Softmax.loss: {c}" for c in ("output (generated)", "output (CIFAR-shaped)", "stability (large scores)")}
    assert failed(report) == loss | {"Softmax.predict: output"}
    assert "SIGABRT" in message(report, "Softmax.loss: output (generated)")
    assert "SIGSEGV" in message(report, "Softmax.predict: output")


def test_exits_are_reported_not_obeyed() -> None:
    report = graded("sys_exit")
    assert "sys.exit('done')" in message(report, f"{FAST}: output (generated)")
    assert "exited with status 3" in message(report, TRAIN)
    assert "Softmax.loss: output (generated)" not in failed(report)


def test_an_exception_at_import_fails_everything_without_a_crash() -> None:
    report = graded("crash_import")
    assert report.score == 0
    assert "half-finished homework" in report.sections["Softmax"]
    assert report.sections["KNN"] == "not found in the submission"
