"""``gradproof grade`` on the multiclass SVM (issue 15): ``svm_loss_naive``, ``svm_loss_vectorized``, ``LinearSVM``.

Each broken submission in tests/submissions redefines one function (or subclasses
``LinearSVM``) of reference.py; it must fail exactly the checks of that function, with
its diagnosis.  The ``>=`` indicator is a valid subgradient at a kink: accepted, and
said why.  The judges are also tried directly on the reference's outputs put through
each mistake (no sandbox), so every diagnosis is shown able to fail and to fire.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from grade_submissions import noisy_speedup, submission_files

from derive.grade import GradeReport, Limits, grade
from derive.grade.check import Evidence
from derive.grade.checks_svm import FUNCTION_CHECKS, KINK, svm_mistakes, svm_reference_ge
from derive.grade.sandbox import TaskOutcome, Value
from numerics.linear_svm import svm_loss_vectorized

LIMITS = Limits(timeout=5.0, memory_mb=1024)
NAIVE, VEC = "linear_svm.svm_loss_naive", "linear_svm.svm_loss_vectorized"
OUTPUTS = ("output (generated)", "output (CIFAR-shaped)", KINK)
GATED = {f"{VEC}: no loops", f"{VEC}: speed-up"}


@cache
def graded(name: str) -> GradeReport:
    return grade(submission_files(name), limits=LIMITS, seed=0)


def failed(report: GradeReport) -> set[str]:
    return {r.title for r in report.results if not r.passed and r.cls in ("linear_svm", "LinearSVM") and not noisy_speedup(r)}


def message(report: GradeReport, title: str) -> str:
    return next(r.message for r in report.results if r.title == title)


def _all(unit: str) -> set[str]:
    return {f"{unit}: {c}" for c in OUTPUTS}


#: submission -> (checks that must fail, the diagnosis in each output check's message)
MISTAKES: dict[str, tuple[set[str], str]] = {
    "svm_true_class_counted": (_all(NAIVE), "the loss is Δ = 1 too large: the true class j = yᵢ is counted"),
    "svm_missing_true_term": (_all(VEC) | GATED, "the true class's term is missing"),
    "svm_missing_n": (_all(VEC) | GATED, "missing 1/N: the data loss is N = "),
    "svm_reg_no_2": (_all(VEC) | GATED, "the regularisation gradient lacks its factor 2"),
    "svm_half_reg": (_all(VEC) | GATED, "the regularisation loss has a factor 0.5"),
    "svm_sign": (_all(VEC) | GATED, "the gradient is the reference times −1 (wrong sign)"),
    "svm_transposed": (_all(VEC) | GATED, "transposed: dW has shape (C, D)"),
    "svm_predict_axis": ({"LinearSVM.predict: output"}, "argmax over the wrong axis"),
}


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_each_svm_mistake_fails_exactly_its_checks_with_its_diagnosis(name: str) -> None:
    report = graded(name)
    expected, diagnosis = MISTAKES[name]
    assert failed(report) == expected
    for title in expected - GATED:
        assert f"diagnosis: {diagnosis}" in message(report, title)
    for title in expected & GATED:
        assert message(report, title).startswith("no credit:")
    assert report.max_score == 150


def test_the_ge_indicator_is_accepted_and_the_kink_explained() -> None:
    report = graded("svm_ge")
    assert failed(report) == set()
    for unit in (NAIVE, VEC):
        msg = message(report, f"{unit}: {KINK}")
        assert "margin >= 0" in msg and "Accepted" in msg and "subdifferential there is [0, 1]" in msg
    assert "as the reference does" in message(graded("reference"), f"{VEC}: {KINK}")


def test_the_cs231n_svm_gets_full_marks_and_zeros_get_nothing() -> None:
    cs231n = graded("reference_cs231n")
    assert failed(cs231n) == set()
    zeros = graded("all_zeros")
    assert sum(r.score for r in zeros.results if r.cls in ("linear_svm", "LinearSVM")) == 0
    assert "the output is all zeros" in message(zeros, f"{VEC}: output (generated)")
    assert all(message(zeros, t).startswith("no credit:") for t in GATED)


def test_svm_only_file_is_graded_and_the_rest_not_found(tmp_path) -> None:  # noqa: ANN001
    text = (submission_files("reference")[0]).read_text(encoding="utf-8")
    svm_only = text[text.index("# The multiclass SVM"):]
    path = tmp_path / "linear_svm.py"
    path.write_text("import numpy as np\n\n" + svm_only, encoding="utf-8")
    report = grade([path], limits=LIMITS, seed=1)
    assert report.sections["linear_svm"] == "found in linear_svm.py" and report.sections["LinearSVM"] == "found in linear_svm.py"
    assert report.sections["KNN"] == "not found in the submission"
    svm = [r for r in report.results if r.cls in ("linear_svm", "LinearSVM")]
    assert sum(r.score for r in svm) == 50 - sum(r.max_score for r in svm if noisy_speedup(r))


# -- the judges alone, on outputs built from the reference (no sandbox) ---------------------------------

def _judge_on(check_name: str, function: str, transform) -> tuple[bool, str]:  # noqa: ANN001
    check = next(c for c in FUNCTION_CHECKS if c.method == function and c.name == check_name)
    probe = check.probe(np.random.default_rng(5))
    outputs = {}
    for name, _, W, X, y, reg in probe.context["cases"]:
        loss, dW = transform(W, X, y, reg)
        outputs[f"{name}.0"] = Value("scalar", float(loss), "float")
        outputs[f"{name}.1"] = Value("array", np.asarray(dW), "ndarray")
    verdict = check.judge(Evidence(TaskOutcome("ok", None, outputs, {}), probe.context))
    return verdict.passed, verdict.message


@pytest.mark.parametrize("check_name", OUTPUTS)
def test_the_judge_accepts_both_subgradients_and_rejects_every_mistake(check_name: str) -> None:
    assert _judge_on(check_name, "svm_loss_vectorized", svm_loss_vectorized)[0]
    assert _judge_on(check_name, "svm_loss_vectorized", svm_reference_ge)[0]
    rng = np.random.default_rng(0)
    probe = next(c for c in FUNCTION_CHECKS if c.name == check_name).probe(rng)
    W, X, y, reg = probe.context["cases"][0][2:]
    losses, grads = svm_mistakes(W, X, y, reg)
    for k in range(len(losses)):
        ok, msg = _judge_on(check_name, "svm_loss_vectorized",
                            lambda W, X, y, reg, k=k: (svm_mistakes(W, X, y, reg)[0][k][1], svm_loss_vectorized(W, X, y, reg)[1]))
        assert not ok and f"diagnosis: {losses[k][0].split(':')[0]}" in msg
    for k in range(len(grads)):
        ok, msg = _judge_on(check_name, "svm_loss_vectorized",
                            lambda W, X, y, reg, k=k: (svm_loss_vectorized(W, X, y, reg)[0], svm_mistakes(W, X, y, reg)[1][k][1]))
        assert not ok and "diagnosis: " in msg


def test_a_subgradient_between_the_two_at_a_kink_is_not_waved_through_blindly() -> None:
    """Only the two conventional subgradients are accepted: a dW off by a kink-sized amount elsewhere fails."""
    def off(W, X, y, reg):  # noqa: ANN001, ANN202
        loss, dW = svm_loss_vectorized(W, X, y, reg)
        dW = dW.copy()
        dW[0, 0] += 0.37
        return loss, dW

    assert not _judge_on(KINK, "svm_loss_naive", off)[0]


def test_the_assignment_package_layout_imports(tmp_path) -> None:  # noqa: ANN001
    """CS231n's files as students submit them: linear_classifier.py imports ``cs231n.classifiers.linear_svm``."""
    text = (submission_files("reference_cs231n")[0]).read_text(encoding="utf-8")
    knn, softmax = text.index("class KNN"), text.index("class Softmax")
    svm, linear = text.index("def svm_loss_naive"), text.index("class LinearClassifier")
    head = "import numpy as np\n\n"
    files = {
        "k_nearest_neighbor.py": head + text[knn:softmax],
        "softmax.py": head + text[softmax:svm],
        "linear_svm.py": head + text[svm:linear],
        "linear_classifier.py": head + "from cs231n.classifiers.linear_svm import *\n"
                                "from cs231n.classifiers.softmax import *\n\n" + text[linear:],
    }
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    report = grade(sorted(tmp_path.iterdir()), limits=LIMITS, seed=0)
    assert report.sections["LinearSVM"] == "found in linear_classifier.py", report.sections
    learned = [r for r in report.results if r.cls == "LinearSVM"]
    assert learned and all(r.passed for r in learned), [(r.name, r.message) for r in learned if not r.passed]
    missing = tmp_path / "broken.py"  # a module of the layout that was not submitted stays an import error
    missing.write_text("from cs231n.classifiers.not_submitted import thing\n\n\nclass LinearSVM:\n    pass\n",
                       encoding="utf-8")
    broken = grade([missing], limits=LIMITS, seed=0)
    assert "not_submitted" in str(broken.sections) or "not_submitted" in str(broken.units)
