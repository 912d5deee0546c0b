"""check-derivation: a corpus of student-style derivations for all five problems, and the method ladder.

Each file of ``tests/derivations_students/`` is a derivation as a student writes it (mixed
notations: unicode, 0-based sums, ``\\dfrac``, ``\\mathbb{I}[...]``, ``1_{\\{...\\}}``, cases,
``\\sum_{j \\neq y_i}``, ``\\|W\\|_F``, Markdown and align blocks); a wrong one is flagged at
exactly its known first wrong line with the known diagnosis.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.answers.derivation import check_derivation
from derive.answers.derivation.context import context_keys

CORPUS = Path(__file__).parent / "derivations_students"

#: file -> (problem, first wrong line or None, a phrase of the diagnosis, statuses in order)
EXPECTED: dict[str, tuple[str, int | None, str | None, list[str]]] = {
    "distances_correct_lines.tex": ("distances", None, None, ["follows"] * 3),
    "distances_sign_slip.md": ("distances", 2, "sign: the term 2xᵀz has the wrong sign", ["follows", "wrong"]),
    "hinge_correct_mixed.tex": ("hinge", None, None, ["follows"] * 3),
    "hinge_gradient_without_1_over_k.tex": ("hinge", 2, "missing 1/K", ["follows", "wrong"]),
    "noisy_dropped_1_over_n_expansion.tex": ("noisy", 2, "missing 1/N", ["follows", "wrong"]),
    "noisy_extra_term.tex": ("noisy", 3, "an extra term: 2 / N * X.T @ y", ["follows", "follows", "wrong"]),
    "noisy_norm_without_square.md": ("noisy", 3, "‖θ‖ where ‖θ‖² is expected", ["follows", "follows", "wrong"]),
    "noisy_power_of_sigma.tex": ("noisy", 2, "wrong power of σ", ["follows", "wrong"]),
    "noisy_sign_slip_last.tex": ("noisy", 4, "the sign of σ² * norm(θ)² is flipped", ["follows", "follows", "wrong"]),
    "noisy_sum_bound.tex": ("noisy", 2, "sum bound: the sum over j stops at N - 1", ["follows", "wrong"]),
    "noisy_unicode_correct.tex": ("noisy", None, None, ["follows"] * 4),
    "noisy_zero_based_correct.md": ("noisy", None, None, ["follows"] * 4),
    "softmax_bias_without_softmax.md": ("softmax", 5, "missing term: −Σ_j softmax_i(x^{(j)})", ["follows", "wrong"]),
    "softmax_gradient_sign_flip.tex": ("softmax", 2, "sign flip", ["follows", "wrong"]),
    "softmax_mixed_correct.tex": ("softmax", None, None, ["follows"] * 4),
    "softmax_transpose.tex": ("softmax", 2, "transposed", ["follows", "wrong"]),
    "softmax_true_class_entry.tex": ("softmax", 2, "the true-class entry is set to 1 instead of", ["follows", "wrong"]),
    "svm_correct_columns.tex": ("svm", None, None, ["follows"] * 2),
    "svm_missing_1_over_n.tex": ("svm", 1, "missing 1/N on the term (1/N) XᵀM", ["wrong"]),
    "svm_missing_count_term.tex": ("svm", 1, "missing term: −count_i·x_i for the true class", ["wrong"]),
    "svm_reg_without_2.md": ("svm", 3, "the factor 2 of ∇‖W‖² = 2W is missing", ["follows", "wrong"]),
    "svm_true_class_counted.tex": ("svm", 2, "the true class is counted in the sum over classes", ["follows", "wrong"]),
}

_METHODS = ("proved symbolically", "checked exactly at sizes", "numerically on ")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_student_corpus(name: str) -> None:
    problem, first_wrong, phrase, statuses = EXPECTED[name]
    result = check_derivation((CORPUS / name).read_text(encoding="utf-8"), problem)
    assert [s.status for s in result.steps] == statuses, result.report()
    assert result.first_wrong_line == first_wrong
    if phrase is not None:
        wrong = next(s for s in result.steps if s.status == "wrong")
        assert wrong.line == first_wrong and phrase in (wrong.diagnosis or ""), wrong.diagnosis
        assert wrong.counterexample is not None and wrong.counterexample["sizes"]
    for s in result.steps:
        if s.status == "follows":
            assert s.method.startswith(_METHODS), s.method


def test_student_corpus_problem_is_guessed() -> None:
    from derive.answers.derivation import guess_problem
    from derive.answers.derivation.reader import read_rows

    for name, (problem, *_rest) in EXPECTED.items():
        assert guess_problem(read_rows((CORPUS / name).read_text(encoding="utf-8"))) == problem, name


def test_student_corpus_covers_every_problem() -> None:
    assert {v[0] for v in EXPECTED.values()} == set(context_keys())
    assert set(EXPECTED) == {p.name for p in CORPUS.iterdir()}
    for key in context_keys():  # each problem has a correct derivation and a wrong one
        assert any(v[0] == key and v[1] is None for v in EXPECTED.values())
        assert any(v[0] == key and v[1] is not None for v in EXPECTED.values())


# -- the method ladder --------------------------------------------------------------------
def _step(text: str, problem: str = "noisy"):  # type: ignore[no-untyped-def]
    steps = check_derivation(text, problem).steps
    assert len(steps) == 1
    return steps[0]


def test_symbolic_proof_is_reported_only_when_it_ran() -> None:
    step = _step(r"\frac{\partial}{\partial \theta_p} \sigma^2\|\theta\|^2 = 2\sigma^2\theta_p")
    assert step.status == "follows" and step.method == "proved symbolically (for symbolic d)"
    scalar = _step(r"\log(e^{2}) = 2")
    assert scalar.status == "follows" and scalar.method.startswith("proved symbolically")


def test_exact_check_is_reported_with_its_sizes() -> None:
    # the expectation is outside the symbolic converter: checked exactly (exact moment rule, rational data)
    step = _step(r"\mathbb{E}[(\delta^\top\theta)^2] = \sigma^2 \|\theta\|^2")
    assert step.status == "follows" and step.method.startswith("checked exactly at sizes (N = 1, d = 1)")
    assert "rational data, zero difference" in step.method


def test_numerical_check_says_why_it_is_not_exact() -> None:
    step = _step(r"\mathcal{L} = \sum_{j=1}^{m} \log \operatorname{softmax}_{y^{(j)}}(x^{(j)})", "softmax")
    assert step.status == "follows" and step.method.startswith("numerically on ")
    assert "(not exactly: " in step.method and "sizes" in step.method


@pytest.mark.parametrize("planted", [r"+ 10^{-50}", r"\cdot (1 + 10^{-12})", r"+ 0.00000000000000000001",
                                     r"\times 1.000000000001", r"\cdot 1.000000000000000000001"])
def test_a_tiny_planted_difference_is_wrong(planted: str) -> None:
    # the floating-point check cannot see these; the exact one (decimals read exactly) does
    for text in (rf"\|\theta\|^2 = \theta^\top\theta {planted}",
                 rf"\mathbb{{E}}[(\delta^\top\theta)^2] = \sigma^2 \|\theta\|^2 {planted}"):
        step = _step(text)
        assert step.status == "wrong", (text, step.method)
        assert step.method.startswith("checked exactly") and "too small for floating point" in step.diagnosis
        assert step.counterexample is not None and step.counterexample["sizes"]


def test_the_same_lines_without_the_planted_difference_follow() -> None:
    assert _step(r"\|\theta\|^2 = \theta^\top\theta").status == "follows"
    assert _step(r"\|\theta\|^2 = \theta^\top\theta \cdot 1.0").status == "follows"


@pytest.mark.parametrize("text", [
    r"\partial_{w_{k}} \ell_{i}\big|_{p_{i} = 1} = \left\{\frac{t x^{(i)}_{k} y^{(i)}}{K} \middle| t \in [0, 1]\right\}",
    r"\partial_{b} \ell_{i}\big|_{p_{i} = 1} = \left\{- t y^{(i)} \mid t \in [0, 1]\right\}",
    r"\partial_{b} \ell_{i}\big|_{p_{i} = 1} = \left\{- \frac{t y^{(i)}}{K} \mid t \in [0, 2]\right\}",
])
def test_a_wrong_subdifferential_is_wrong(text: str) -> None:
    step = _step(text, "hinge")
    assert step.status == "wrong" and "one-sided derivatives" in step.diagnosis, step.diagnosis
    assert step.counterexample is not None and step.counterexample["sizes"]


def test_a_subdifferential_says_how_it_was_checked() -> None:
    step = _step(r"\partial_{b} \ell_{i}\big|_{p_{i} = 1} = \left\{- \frac{t y^{(i)}}{K} \mid t \in [0, 1]\right\}",
                 "hinge")
    assert step.status == "follows" and step.method.startswith("subdifferential checked numerically on ")
    assert "moved onto the kink (by w)" in step.method


@pytest.mark.parametrize("text,status", [
    (r"\sum_{j=1}^{N} j = \frac{N(N+1)}{2}", "follows"),
    (r"\sum_{j=0}^{N-1} j = \frac{N(N-1)}{2}", "follows"),
    (r"\sum_{j=1}^{N}\sum_{k=1}^{j} 1 = \frac{N(N+1)}{2}", "follows"),
    (r"\sum_{j=1}^{20} \sigma^j = \sum_{k=0}^{19} \sigma^{k+1}", "follows"),
    (r"\sum_{j=1}^{N} j = \frac{N(N-1)}{2}", "wrong"),
])
def test_a_sum_variable_used_as_a_number_is_its_written_value(text: str, status: str) -> None:
    step = _step(text)
    assert step.status == status, (step.status, step.method, step.diagnosis)
