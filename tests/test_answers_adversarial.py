"""An adversarial corpus for ``check-answer``: wrong answers built to pass a sampling checker, and right
answers in unusual forms.

Each wrong answer is of one of the kinds a sampling check misses — a term switched on by a size
(``(N > 6)``), a factor vanishing at the small sizes (``(d−1)(d−2)(d−3)(d−4)``), a value-range gate
(``log(min(c, 12))``), a threshold inside a band around the hinge kink (``1.0009``), a term switched
on for σ in some range, a stray factor ``1.0000000001`` or constant ``1e-50``, a wrong sum bound —
and must end WRONG (exit 1) or refused (exit 2), never CORRECT.  Each right answer must end CORRECT.
"""

from __future__ import annotations

import pytest

from derive.answers import RefusedInput, check_answer

WRONG, REFUSED = "wrong", "refused"

#: (kind, question, answer, outcome)
ADVERSARIAL = [
    # a term switched on by a size
    ("size gate", "noisy.ridge_gradient", "2/N * X.T @ (X @ theta - y) + 2 * sigma**2 * theta + (N > 6) * theta",
     REFUSED),
    ("size gate", "noisy.R", "sigma**2 * theta @ theta + ind(d >= 5) * sigma", REFUSED),
    ("size gate", "softmax.grad_W", "(Y - P).T @ X * (1 + (m > 6))", REFUSED),
    ("size gate", "hinge.grad_b", "-sum(y * (y * (X @ w + b) < 1)) / K + where(K > 7, 1, 0)", REFUSED),
    ("index gate", "softmax.grad_w_i", "(Y - P)[:, i] @ X * (1 + (i == 3))", REFUSED),
    # a factor that vanishes at the small sizes
    ("vanishing polynomial", "noisy.ridge_gradient",
     "2/N * X.T @ (X @ theta - y) + 2 * sigma**2 * theta + (d-1)*(d-2)*(d-3)*(d-4) * theta", WRONG),
    ("vanishing polynomial", "noisy.ridge_minimiser",
     "solve(X.T @ X + (N + (N-1)*(N-2)*(N-3)) * sigma**2 * eye(d), X.T @ y)", WRONG),
    ("vanishing polynomial", "softmax.mean_loss_grad", "(P - Y).T @ X / m * (1 + (m-2)*(m-3))", WRONG),
    ("vanishing polynomial", "distances.expansion",
     "sum(X**2, axis=1)[:, None] + sum(Z**2, axis=1)[None, :] - 2 * X @ Z.T + (n-1)*(n-2)*(n-3)*(n-4)*(n-5)",
     WRONG),
    ("vanishing polynomial", "softmax.initial_loss", "log(c) + (c-2)*(c-3)*(c-4)*(c-5)*(c-6)*(c-7)", WRONG),
    # value-range gates
    ("value-range gate", "softmax.initial_loss", "log(min(c, 12))", REFUSED),
    ("value-range gate", "softmax.initial_loss", "log(minimum(c, 1000))", REFUSED),
    ("value-range gate", "noisy.R", "minimum(sigma, 50)**2 * theta @ theta", REFUSED),
    ("value-range gate", "noisy.R", "sigma**2 * theta @ theta + abs(sigma - 1) - (sigma - 1)", REFUSED),
    # thresholds inside a band around the hinge kink
    ("kink band", "hinge.grad_w", "-X.T @ (y * (y * (X @ w + b) < 1.0009)) / K", WRONG),
    ("kink band", "hinge.grad_w", "-X.T @ (y * (y * (X @ w + b) < 0.9991)) / K", WRONG),
    ("kink band", "hinge.grad_b", "-sum(y * (y * (X @ w + b) < 1 + 1e-30)) / K", WRONG),
    ("kink band", "hinge.grad_b", "-sum(y * (y * (X @ w + b) < 1.00000000000000000001)) / K", WRONG),
    ("kink band", "hinge.grad_b", r"-\frac{1}{K}\sum_{i=1}^{K}\mathbb{1}\{y^{(i)}(x^{(i)\top} w + b) < 1.000001\} y^{(i)}",
     WRONG),
    # a term switched on for σ in some range
    ("sigma range", "noisy.ridge_gradient",
     "2/N * X.T @ (X @ theta - y) + 2 * sigma**2 * theta + (sigma > 0.8) * (sigma < 1.3) * theta", REFUSED),
    ("sigma range", "noisy.R", "sigma**2 * theta @ theta + where(sigma > 1.01, 0, 1) * where(sigma < 0.99, 0, 1)",
     REFUSED),
    ("sigma range", "noisy.ridge_minimiser", "solve(X.T @ X + N * maximum(sigma, 0.9)**2 * eye(d), X.T @ y)",
     REFUSED),
    # stray factors and constants too small for float64
    ("tiny factor", "noisy.R", "1.0000000001 * sigma**2 * theta @ theta", WRONG),
    ("tiny factor", "noisy.ridge_minimiser", "solve(X.T @ X + N * sigma**2 * eye(d), X.T @ y) * 1.0000000001", WRONG),
    ("tiny factor", "softmax.initial_loss", "log(c) * 1.0000000001", WRONG),
    ("tiny factor", "softmax.grad_W", "(Y - P).T @ X * (1 + 1e-40)", WRONG),
    ("tiny factor", "noisy.R", "sigma**2 * theta @ theta * 1.00000000000000000000000001", WRONG),
    ("tiny constant", "noisy.R", "sigma**2 * theta @ theta + 1e-50", WRONG),
    ("tiny constant", "noisy.expected_loss", "mean((y - X @ theta)**2) + sigma**2 * theta @ theta - 2 + 2 + 1e-50",
     WRONG),
    ("tiny constant", "softmax.initial_loss", "log(c) + 1e-50", WRONG),
    ("tiny constant", "distances.expansion", "x_a @ x_a + z_b @ z_b - 2 * x_a @ z_b + 1e-50", WRONG),
    ("tiny constant", "hinge.grad_w", "-X.T @ (y * (y * (X @ w + b) < 1)) / K + 1e-50", WRONG),
    ("tiny constant", "noisy.R", "sigma**2 * theta @ theta + exp(-1000 * d**2)", WRONG),
    # wrong sum bounds (judged, not refused)
    ("sum bound", "noisy.expected_loss",
     r"\frac{1}{N}\sum_{j=2}^{N}\left(y^{(j)} - x^{(j)\top}\theta\right)^2 + \sigma^2\|\theta\|_2^2", WRONG),
    ("sum bound", "softmax.grad_b_i", r"\sum_{j=1}^{m-1}\left(\mathbb{1}\{y^{(j)} = i\} - P_{j,i}\right)", WRONG),
    ("sum bound", "noisy.R", r"\sigma^2 \sum_{k=1}^{d+1} \theta_k^2", WRONG),
]


@pytest.mark.parametrize("kind, qid, text, outcome", ADVERSARIAL,
                         ids=[f"{k}:{q}:{n}" for n, (k, q, _, _) in enumerate(ADVERSARIAL)])
def test_adversarial_wrong_answers_are_never_accepted(kind: str, qid: str, text: str, outcome: str) -> None:
    if outcome == REFUSED:
        with pytest.raises(RefusedInput, match="cannot be checked"):
            check_answer(qid, text)
        return
    result = check_answer(qid, text)
    assert not result.equivalent, result.report()
    assert "CORRECT" not in result.report()


def test_a_wrong_sum_bound_is_diagnosed() -> None:
    r = check_answer("noisy.expected_loss",
                     r"\frac{1}{N}\sum_{j=2}^{N}\left(y^{(j)} - x^{(j)\top}\theta\right)^2 + \sigma^2\|\theta\|_2^2")
    assert (r.equivalent, r.mistake) == (False, "sum_bounds")
    assert r.diagnosis == "the sum over j starts at 2: it leaves out j = 1"
    r = check_answer("softmax.grad_b_i", r"\sum_{j=1}^{m-1}\left(\mathbb{1}\{y^{(j)} = i\} - P_{j,i}\right)")
    assert r.mistake == "sum_bounds" and "ends at m - 1" in r.diagnosis


def test_tiny_differences_are_shown_exactly() -> None:
    r = check_answer("noisy.R", "sigma**2 * theta @ theta + 1e-50")
    assert (r.method, r.mistake) == ("exact", "exact_difference")
    assert r.counterexample is not None and r.counterexample["difference"] == "1/1" + "0" * 50
    r = check_answer("softmax.initial_loss", "log(c) + 1e-50")
    assert (r.equivalent, r.method) == (False, "symbolic")


def test_a_vanishing_factor_is_reported_with_the_sizes_where_it_agrees() -> None:
    r = check_answer("noisy.R", "sigma**2 * theta @ theta * (1 + (N-1)*(N-2)*(N-3))")
    assert r.mistake == "size_dependent" and "agrees with the derived result at some sizes (N=1" in r.diagnosis


#: (question, a right answer in an unusual form)
UNUSUAL_RIGHT = [
    ("noisy.ridge_minimiser", "X.T @ inv(X @ X.T + N * sigma**2 * eye(N)) @ y"),  # push-through identity
    ("noisy.ridge_minimiser", r"X^\top (X X^\top + N\sigma^2 I_N)^{-1} y"),
    ("noisy.ridge_minimiser", r"\left(X^\top X + N\sigma^2 I_d\right)^{-1} X^\top y"),
    ("noisy.ridge_minimiser", "solve(X.T @ X / N + sigma**2 * I, X.T @ y / N)"),
    ("noisy.R", "sigma**2 * trace(outer(theta, theta))"),
    ("noisy.R", r"\sigma^2 \operatorname{tr}(\theta\theta^\top)"),
    ("noisy.R", r"\sigma^2 \mathrm{tr}(\theta^\top\theta)"),
    ("noisy.R", "σ**2 * θ @ θ"),
    ("noisy.R", r"σ^2 \|θ\|_2^2"),
    ("noisy.R", "sigma**2 * norm(theta)**2"),
    ("noisy.R", "sqrt(sigma**4) * sum(theta * theta)"),
    ("noisy.expected_loss", r"\dfrac{1}{N}\|y - X\theta\|^2 + \sigma^2\theta^\top\theta"),
    ("noisy.expected_loss", r"\tfrac{1}{N}\sum_{j=0}^{N-1}\left(y^{(j)} - x^{(j)\top}\theta\right)^2 + \sigma^2\|\theta\|_2^2"),
    ("noisy.ridge_gradient", r"\frac{2}{N}\left(X^\top X\theta - X^\top y\right) + 2\sigma^2\theta"),
    ("noisy.ridge_gradient", "2 * (X.T @ X / N + sigma**2 * eye(d)) @ theta - 2 * X.T @ y / N"),
    ("softmax.initial_loss", "-log(1/c)"),
    ("softmax.initial_loss", r"\ln c"),
    ("softmax.grad_W", "(Y - softmax(X @ W.T + b, axis=1)).T @ X"),
    ("softmax.grad_b", "sum(Y - P, axis=0)"),
    ("hinge.grad_w", "-X.T @ (y * (y * (X @ w + b) <= 1)) / K"),  # the other subgradient at the kink
    ("hinge.grad_b", "-mean(y * (1 - y * (X @ w + b) > 0))"),
    ("distances.expansion", "outer(sum(X**2, axis=1), ones(B)) + outer(ones(A), sum(Z**2, axis=1)) - 2 * X @ Z.T"),
    ("distances.expansion", "sum_k (X[a, k] - Z[b, k])**2"),
]


@pytest.mark.parametrize("qid, text", UNUSUAL_RIGHT)
def test_right_answers_in_unusual_forms_are_accepted(qid: str, text: str) -> None:
    result = check_answer(qid, text)
    assert result.equivalent, result.report()
