"""Equivalence and diagnosis: right answers in every syntax pass, each classic mistake is named."""

from __future__ import annotations

import numpy as np
import pytest

from derive.answers import QUESTIONS, SYNTAXES, check_answer, get_question, parse_answer
from derive.answers.diagnosis import close
from derive.answers.equivalence import evaluate_answer

RIGHT = [(q.id, syntax, q.examples[syntax]) for q in QUESTIONS for syntax in SYNTAXES]

#: further right answers, written differently from the examples
ALSO_RIGHT = [
    ("noisy.expected_loss", "sum((X @ theta - y)**2) / N + sigma**2 * norm(theta)**2"),
    ("noisy.R", r"\sigma^{2}\,\theta^\top\theta"),
    ("noisy.R", "sum(square(sigma * theta))"),
    ("noisy.ridge_gradient", "2 * (X.T @ X @ theta - X.T @ y) / N + 2 * sigma**2 * theta"),
    ("noisy.ridge_minimiser", "inv(X.T @ X / N + sigma**2 * I) @ X.T @ y / N"),
    ("softmax.grad_w_i", "X.T @ (1{y = i} - softmax(X @ W.T + b, axis=1)[:, i])"),
    ("softmax.grad_W", "-(P - Y).T @ X"),
    ("softmax.grad_W", "transpose(X.T @ (Y - P))"),
    ("softmax.grad_b", "sum(Y - P, axis=0)"),
    ("softmax.mean_loss_grad", "-(Y - P).T @ X / m"),
    ("softmax.initial_loss", "log(c**2) / 2"),
    ("hinge.grad_w", "1/K * sum_j where(y_j * (x_j @ w + b) < 1, -y_j, 0) * x_j"),
    ("hinge.grad_b", "mean(-y * (y * (X @ w + b) < 1))"),
    ("distances.expansion", "sum_k (X[a, k] - Z[b, k])**2"),
]


@pytest.mark.parametrize("qid, syntax, text", RIGHT)
def test_right_answers_in_every_syntax(qid: str, syntax: str, text: str) -> None:
    r = check_answer(qid, text, syntax=syntax)
    assert r.equivalent, r.report()
    assert r.diagnosis is None and r.counterexample is None


@pytest.mark.parametrize("qid, text", ALSO_RIGHT)
def test_other_right_answers(qid: str, text: str) -> None:
    assert check_answer(qid, text).equivalent, check_answer(qid, text).report()


def test_only_symbolic_sizes_are_reported_symbolically() -> None:
    q = get_question("softmax.initial_loss")
    right = check_answer(q.id, q.examples["numpy"])
    assert right.method == "symbolic" and "symbolically (SymPy, for symbolic sizes)" in right.report()
    wrong = check_answer(q.id, f"2 * ({q.examples['numpy']})")
    assert (wrong.equivalent, wrong.method) == (False, "numeric")  # a counterexample decides first
    assert wrong.counterexample is not None  # the numeric instances still give a counterexample


@pytest.mark.parametrize("qid", ["noisy.expected_loss", "noisy.R", "softmax.grad_W", "hinge.grad_w"])
def test_data_questions_are_decided_exactly_at_listed_sizes(qid: str) -> None:
    q = get_question(qid)
    right = check_answer(qid, q.examples["numpy"])
    assert right.method == "exact" and "symbolically" not in right.report()
    assert f"exactly (exact arithmetic, no rounding) on {right.exact_instances} instances (sizes " in right.report()
    assert f"numerically on {right.instances} random instances (sizes " in right.report()


def test_answers_recomputing_p_are_decided_exactly_with_p_in_powers_of_e() -> None:
    right = check_answer("softmax.grad_W", "(Y - softmax(X @ W.T + b, axis=1)).T @ X")
    assert right.equivalent and right.method == "exact" and right.exact_instances == 3
    assert right.exact_sizes == "sizes m = 1..3, n = 1..3, c = 2..3"


#: (question, wrong answer, mistake code, fragment of the message)
WRONG = [
    ("noisy.ridge_gradient", "-2/N * X.T @ (X @ theta - y) - 2 * sigma**2 * theta", "sign_flip", "sign flip"),
    ("softmax.grad_w_i", "sum_j (P[j, i] - 1{y_j = i}) * x_j", "sign_flip", "−1 ×"),
    ("softmax.grad_W", "(P - Y).T @ X", "sign_flip", "sign flip"),
    ("hinge.grad_w", "X.T @ (y * (y * (X @ w + b) < 1)) / K", "sign_flip", "sign flip"),
    ("softmax.initial_loss", "log(1/c)", "sign_flip", "sign flip"),
    ("noisy.R", "2 * sigma**2 * theta @ theta", "constant_factor", "stray factor 2"),
    ("noisy.ridge_gradient", "1/N * X.T @ (X @ theta - y) + sigma**2 * theta", "constant_factor", "constant factor 1/2"),
    ("softmax.mean_loss_grad", "(P - Y).T @ X", "missing_1_over_size", "missing 1/m"),
    ("hinge.grad_w", "-X.T @ (y * (y * (X @ w + b) < 1))", "missing_1_over_size", "missing 1/K"),
    ("hinge.grad_b", "-sum(y * (y * (X @ w + b) < 1))", "missing_1_over_size", "missing 1/K"),
    ("noisy.ridge_gradient", "2 * X.T @ (X @ theta - y) + 2 * sigma**2 * theta", "missing_1_over_size", "missing 1/N"),
    ("noisy.expected_loss", "sum((y - X @ theta)**2) + sigma**2 * theta @ theta", "missing_1_over_size", "missing 1/N"),
    ("softmax.grad_w_i", "1/m * sum_j (1{y_j = i} - P[j, i]) * x_j", "extra_1_over_size", "extra 1/m"),
    ("softmax.grad_W", "X.T @ (Y - P)", "transpose", "transpose"),
    ("softmax.mean_loss_grad", "X.T @ (P - Y) / m", "transpose", "transpose"),
    ("noisy.ridge_gradient", "2/N * X.T @ (X @ theta - y)", "missing_term", "the regulariser 2σ²θ"),
    ("noisy.expected_loss", "mean((y - X @ theta)**2)", "missing_term", "the regulariser σ²‖θ‖²"),
    ("noisy.ridge_minimiser", "solve(X.T @ X, X.T @ y)", "missing_regulariser", "regulariser Nσ²I is missing"),
    ("noisy.R", "mean((y - X @ theta)**2) + sigma**2 * theta @ theta", "extra_term", "extra term: the data loss"),
    ("softmax.grad_w_i", "sum_j 1{y_j = i} * x_j", "missing_term", "the −softmax term"),
    ("softmax.grad_b_i", "sum_j 1{y_j = i}", "missing_term", "the −softmax term"),
    ("softmax.grad_W", "Y.T @ X", "missing_term", "the −softmax term"),
    ("softmax.grad_w_i", "-sum_j P[j, i] * x_j", "missing_term", "the indicator term"),
    ("softmax.grad_b", "-sum(P, axis=0)", "missing_term", "the indicator term"),
    ("hinge.grad_w", "-X.T @ y / K", "missing_indicator", "indicator 1{margin < 1} is missing"),
    ("hinge.grad_b", "-sum(y) / K", "missing_indicator", "indicator 1{margin < 1} is missing"),
    ("hinge.grad_w", "-X.T @ (y * (y * (X @ w + b) > 1)) / K", "reversed_indicator", "reversed"),
    ("noisy.ridge_gradient", "2/N * X.T @ (X @ theta + y) + 2 * sigma**2 * theta", "term_sign", "sign of the term −(2/N) Xᵀy"),
    ("distances.expansion", "sum(X**2, axis=1)[:, None] + sum(Z**2, axis=1)[None, :] + 2 * X @ Z.T", "term_sign", "cross term"),
    ("distances.expansion", "sum(X**2, axis=1)[:, None] + sum(Z**2, axis=1)[None, :] - X @ Z.T", "constant_factor", "missing factor 2"),
    ("distances.expansion", "x_a @ x_a - 2 * x_a @ z_b", "missing_term", "the ‖z⁽ᵇ⁾‖² term"),
    ("noisy.R", "sigma * theta @ theta", "sigma_power", "σ^1 where σ^2"),
    ("noisy.R", "sigma**4 * theta @ theta", "sigma_power", "σ^4 where σ^2"),
    ("noisy.expected_loss", "mean((y - X @ theta)**2) + sigma * theta @ theta", "sigma_power", "σ^1 where σ^2"),
    ("noisy.ridge_gradient", "2/N * X.T @ (X @ theta - y) + 2 * sigma**4 * theta", "sigma_power", "σ^4 where σ^2"),
    ("noisy.ridge_minimiser", "solve(X.T @ X + N * sigma * I, X.T @ y)", "sigma_power", "σ^1 where σ^2"),
    ("noisy.ridge_minimiser", "solve(X.T @ X + sigma**2 * I, X.T @ y)", "missing_N", "factor N is missing"),
    ("noisy.R", "sigma**2 * norm(theta)", "norm_not_squared", "‖θ‖ where ‖θ‖² is expected"),
    ("softmax.initial_loss", "1/c", "probability_not_loss", "probability 1/c"),
    ("softmax.initial_loss", "log(c) / log(10)", "log10", "base-10"),
    ("noisy.ridge_gradient", "2/N * (X @ theta - y) + 2 * sigma**2 * theta", "shape", "shape mismatch"),
    ("softmax.grad_b", "sum(Y - P, axis=1)", "shape", "shape mismatch"),
    ("softmax.grad_W", "(Y - P) @ X.T", "shape", "shape mismatch"),
    ("softmax.initial_loss", "log(10)", "unknown", "none of the known mistakes"),
]


@pytest.mark.parametrize("qid, text, code, fragment", WRONG)
def test_wrong_answers_are_diagnosed(qid: str, text: str, code: str, fragment: str) -> None:
    r = check_answer(qid, text)
    assert not r.equivalent
    assert (r.mistake, fragment in (r.diagnosis or "")) == (code, True), r.report()
    ce = r.counterexample
    assert ce is not None and set(ce) >= {"sizes", "values", "expected", "got"}


def test_the_counterexample_is_the_smallest_failing_instance() -> None:
    q = get_question("softmax.grad_w_i")
    r = check_answer(q.id, "sum_j 1{y_j = i} * x_j")
    smallest = min(sum(s.values()) for s in q.size_grid(24, np.random.default_rng(0)))
    assert sum(r.counterexample["sizes"].values()) == smallest
    # the counterexample really is one: recompute both sides from the shown values
    inst = r.counterexample
    assert not np.allclose(inst["expected"], inst["got"])


def test_a_shape_mismatch_is_reported_as_such() -> None:
    r = check_answer("noisy.ridge_gradient", "X @ theta")
    assert r.mistake == "shape" and "shape" in r.diagnosis and "(d,)" in r.diagnosis


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q.id)
def test_catalogue_terms_add_up_to_the_derived_reference(q) -> None:
    """The diagnosis' terms and wrong variants are checked against the derivation (they cannot drift)."""
    rng = np.random.default_rng(1)
    differs = {v.code: False for v in q.variants}
    for inst in q.instances(12, rng):
        want = q.reference_value(inst)
        if q.terms:
            total = sum(t.coefficient * evaluate_answer(parse_answer(t.expression, q, "numpy"), q, inst.env)
                        for t in q.terms)
            assert close(total, want), (q.id, total, want)
        for v in q.variants:
            try:
                got = evaluate_answer(parse_answer(v.expression, q, "numpy"), q, inst.env)
            except ValueError:  # e.g. the least-squares variant on a singular XᵀX
                continue
            differs[v.code] |= not close(got, want)
    assert all(differs.values()), differs  # every known wrong answer is wrong somewhere


def test_same_seed_same_verdict_and_counterexample() -> None:
    a = check_answer("noisy.R", "sigma * theta @ theta", rng=np.random.default_rng(7))
    b = check_answer("noisy.R", "sigma * theta @ theta", rng=np.random.default_rng(7))
    assert a.to_dict() == b.to_dict()


def test_unknown_question_and_syntax_are_value_errors() -> None:
    with pytest.raises(ValueError, match="unknown question 'nope'; known questions: noisy.expected_loss"):
        check_answer("nope", "1")
    with pytest.raises(ValueError, match="syntax: expected one of auto"):
        check_answer("noisy.R", "1", syntax="python")
