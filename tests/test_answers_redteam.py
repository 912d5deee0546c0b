"""A second adversarial corpus for ``check-answer``, over all five problems: wrong answers built to pass a
sampling checker, and right answers in unusual forms — and tests that every method phrase is literally true.

Kinds of wrong answers: a *size gate* (a term switched on or off by a size or index, also through smooth
functions: ``0**((C-10)**2)``, ``sqrt((N-300)**2)``, ``norm(n - 300)``); a *vanishing polynomial* (a factor
that is zero at the sizes a small check would use); a *value gate* (on σ, reg or the data: a narrow window,
a threshold beyond the data's range, ``maximum(0, x − 2.2)``, ``exp(log(u**2)/2)``); a *kink band* (the hinge
or SVM threshold moved by 10⁻⁴ … 10⁻³⁰⁰, or ≥ vs > where it matters); a *tiny constant* or near-1 factor in
any position (inside exp, softmax, solve, a denominator, an exponent); the *instance structure* (a term that
vanishes on the exact grid the data are drawn on); a wrong *sum bound*.  Each must end WRONG or be refused
with a reason ("cannot be checked: …"), never CORRECT; the expected outcome is pinned per item.  Right
answers (unusual forms, terms that vanish by the problem's definitions such as y² = 1 or Y(1 − Y) = 0, the
softmax's shift invariance, ≥ for > where it is another subgradient) must end CORRECT.
"""

from __future__ import annotations

import numpy as np
import pytest

from derive.answers import RefusedInput, check_answer

WRONG, REFUSED = "wrong", "refused"

WRONG_ANSWERS = [
    ('size gate', 'noisy.R', 'sigma**2 * theta @ theta + 0**((N-100)**2) * theta @ theta', REFUSED),
    ('size gate', 'noisy.R', 'sigma**2 * theta @ theta + (sqrt((N-300)**2) - (300 - N)) * sigma', REFUSED),
    ('size gate', 'noisy.ridge_gradient', '2/N * X.T @ (X @ theta - y) + 2 * sigma**2 * theta + (sqrt((d-50)**2) + d - 50) * theta', REFUSED),
    ('size gate', 'distances.expansion', 'sum(X**2, axis=1)[:, None] + sum(Z**2, axis=1)[None, :] - 2 * X @ Z.T + norm(n - 300) - (300 - n)', REFUSED),
    ('size gate', 'svm.grad_W', 'X.T @ ((m > 0) * (1 - Y) - Y * sum((m > 0) * (1 - Y), axis=1, keepdims=1)) / N + 2 * reg * W * (1 + (C == 10))', REFUSED),
    ('size gate', 'svm.initial_loss', 'C - 1 + 0**((C-10)**2)', REFUSED),
    ('size gate', 'hinge.grad_b', '-sum(y * (y * (X @ w + b) < 1)) / K + 0**((K-57)**2)', REFUSED),
    ('vanishing polynomial', 'noisy.R', 'sigma**2 * theta @ theta * (1 + (N-1)*(N-2)*(N-3)*(N-4)*(N-5)*(N-6)*(N-7)*(N-8)*(N-9)*(N-10)*(N-11)*(N-12)*(N-13)*(N-14)*(N-15)*(N-16)*(N-17)*(N-18)*(N-19)*(N-20)*(N-21)*(N-22)*(N-23)*(N-24))', WRONG),
    ('vanishing polynomial', 'svm.grad_w_k', 'X.T @ (((m > 0) * (1 - Y)) - Y * sum(((m > 0) * (1 - Y)), axis=1, keepdims=1))[:, k] / N + 2 * reg * W[:, k] + (N-1)*(N-2)*(N-3)*(N-4)*(N-5)*(N-6) * W[:, k]', WRONG),
    ('vanishing polynomial', 'svm.initial_loss', 'C - 1 + (C-2)*(C-3)*(C-4)*(C-5)*(C-6)*(C-7)*(C-8)*(C-9)*(C-10)*(C-11)*(C-12)', WRONG),
    ('vanishing polynomial', 'hinge.grad_w', '-X.T @ (y * (y * (X @ w + b) < 1)) / K * (1 + (K-57)*(K-1)*(n-1))', WRONG),
    ('value gate', 'noisy.R', 'sigma**2 * theta @ theta + (0.001 - sqrt((sigma - 1.07)**2) + sqrt((0.001 - sqrt((sigma - 1.07)**2))**2)) * theta @ theta', REFUSED),
    ('value gate', 'noisy.ridge_gradient', '2/N * X.T @ (X @ theta - y) + 2 * sigma**2 * theta + (sigma - 40 + exp(log((sigma - 40)**2)/2)) * theta', REFUSED),
    ('value gate', 'svm.grad_W', 'X.T @ ((m > 0) * (1 - Y) - Y * sum((m > 0) * (1 - Y), axis=1, keepdims=1)) / N + 2 * reg * W + (reg > 1.9) * (reg < 1.91) * W', REFUSED),
    ('value gate', 'svm.grad_W', 'X.T @ ((m > 0) * (1 - Y) - Y * sum((m > 0) * (1 - Y), axis=1, keepdims=1)) / N + 2 * reg * W + (reg - 5 + sqrt((reg - 5)**2)) * W', REFUSED),
    ('value gate', 'hinge.grad_w', '-X.T @ (y * (y * (X @ w + b) < 1)) / K + (X[0, 0] > 3) * w', REFUSED),
    ('value gate', 'hinge.grad_b', '-sum(y * (y * (X @ w + b) < 1)) / K + sum((X > 2.5))', REFUSED),
    ('value gate', 'softmax.grad_W', '(Y - P).T @ X + (X[0, 0] > 1.07) * (X[0, 0] < 1.071) * W', REFUSED),
    ('value gate', 'svm.grad_W', 'X.T @ ((m > 0) * (1 - Y) - Y * sum((m > 0) * (1 - Y), axis=1, keepdims=1)) / N + 2 * reg * W + maximum(0, X[0, 0] - 2.2) * W', REFUSED),
    ('value gate', 'noisy.R', 'sigma**2 * theta @ theta + theta @ theta - 20 + sqrt((theta @ theta - 20)**2)', REFUSED),
    ('value gate', 'distances.expansion', 'sum(X**2, axis=1)[:, None] + sum(Z**2, axis=1)[None, :] - 2 * X @ Z.T + sqrt((X[0,0] - 1.5)**2) - (X[0,0] - 1.5)', REFUSED),
    ('value gate', 'softmax.grad_b', '(Y - P).T @ ones(m) + maximum(P[0, 0] - 0.999, 0)', REFUSED),
    ('kink band', 'svm.grad_W', 'X.T @ ((m > 0.0009) * (1 - Y) - Y * sum((m > 0.0009) * (1 - Y), axis=1, keepdims=1)) / N + 2 * reg * W', WRONG),
    ('kink band', 'svm.grad_w_k', 'X.T @ (((m > -0.0000001) * (1 - Y)) - Y * sum(((m > -0.0000001) * (1 - Y)), axis=1, keepdims=1))[:, k] / N + 2 * reg * W[:, k]', WRONG),
    ('kink band', 'hinge.grad_w', '-X.T @ (y * (y * (X @ w + b) < 0.9999999)) / K', WRONG),
    ('kink band', 'hinge.grad_b', '-sum(y * (y * (X @ w + b) <= 1.0009)) / K', WRONG),
    ('tiny constant', 'svm.grad_W', 'X.T @ ((m > 0) * (1 - Y) - Y * sum((m > 0) * (1 - Y), axis=1, keepdims=1)) / N + 2 * reg * W + 1e-300', WRONG),
    ('tiny constant', 'svm.initial_loss', 'C - 1 + 2**-60', WRONG),
    ('tiny constant', 'softmax.grad_b', '(Y - exp(X @ W.T + b) / sum(exp(X @ W.T + b), axis=1, keepdims=1)).T @ ones(m) + 2**-60', WRONG),
    ('tiny constant', 'softmax.grad_w_i', '(Y - exp(X @ W.T + b + 1e-300) / sum(exp(X @ W.T + b), axis=1, keepdims=1))[:, i] @ X', WRONG),
    ('tiny constant', 'softmax.mean_loss_grad', '(exp(X @ W.T) / (1e-300 + sum(exp(X @ W.T), axis=1, keepdims=1)) - Y).T @ X / m', WRONG),
    ('tiny constant', 'softmax.initial_loss', '-log(exp(0)/sum(exp(zeros(c)))) * (1 + 2**-60)', WRONG),
    ('tiny constant', 'softmax.grad_W', '(Y - exp(X @ W.T + b - logsumexp(X @ W.T + b, axis=1)[:, None])).T @ X * (1 + 1e-300)', WRONG),
    ('tiny constant', 'softmax.grad_W', '(Y - softmax(X @ W.T + b, axis=1) * (1 + 2**-60)).T @ X', WRONG),
    ('tiny constant', 'hinge.grad_b', '-sum(y * (y * (X @ w + b) < 1)) / K * (1 + 2**-60)', WRONG),
    ('tiny constant', 'distances.expansion', 'sum(X**2, axis=1)[:, None] + sum(Z**2, axis=1)[None, :] - 2 * X @ Z.T * 1.0000000000000000001', WRONG),
    ('tiny constant', 'noisy.ridge_minimiser', 'solve(X.T @ X + N * sigma**2 * eye(d) + 1e-300 * eye(d), X.T @ y)', WRONG),
    ('tiny constant', 'noisy.expected_loss', 'mean((y - X @ theta)**2) + sigma**2 * theta @ theta + exp(-1000)', WRONG),
    ('size gate', 'noisy.expected_loss', 'mean((y - X @ theta)**2) + sigma**2 * theta @ theta + where(N >= 50, sigma, 0)', REFUSED),
    ('size gate', 'noisy.ridge_minimiser', 'solve(X.T @ X + N * sigma**2 * eye(d) * maximum(1, d - 40), X.T @ y)', REFUSED),
    ('size gate', 'distances.expansion', '(sum(X**2, axis=1)[:, None] + sum(Z**2, axis=1)[None, :] - 2 * X @ Z.T) * (1 + (A == B) * (n > 100))', REFUSED),
    ('size gate', 'softmax.mean_loss_grad', '(P - Y).T @ X / m * minimum(1, 300 / m)', REFUSED),
    ('size gate', 'svm.initial_loss', 'C - 1 + 0**abs(C - 10)', REFUSED),
    ('size gate', 'softmax.initial_loss', 'log(c) + (c - 1000000 + sqrt((c - 1000000)**2))', REFUSED),
    ('size gate', 'softmax.grad_b_i', 'sum(Y[:, i] - P[:, i]) + 0**((i - 7)**2)', REFUSED),
    ('size gate', 'svm.grad_W', 'X.T @ ((m > 0) * (1 - Y) - Y * sum((m > 0) * (1 - Y), axis=1, keepdims=1)) / N + 2 * reg * W * (N + sqrt((N - 500)**2) - 500 + N) / (2 * N)', REFUSED),
    ('size gate', 'hinge.grad_w', '-X.T @ (y * (y * (X @ w + b) < 1)) / K + 1{K > 300} * w', REFUSED),
    ('vanishing polynomial', 'noisy.expected_loss', 'mean((y - X @ theta)**2) + sigma**2 * theta @ theta + (N-1)*(N-2)*(N-3)*(N-57) * sigma', WRONG),
    ('vanishing polynomial', 'softmax.grad_b_i', 'sum(Y[:, i] - P[:, i]) * (1 + (c-2)*(c-3)*(c-4)*(c-5)*(c-6)*(c-7)*(c-8)*(c-9)*(c-10)*(c-11)*(c-12))', WRONG),
    ('vanishing polynomial', 'svm.grad_W', 'X.T @ ((m > 0) * (1 - Y) - Y * sum((m > 0) * (1 - Y), axis=1, keepdims=1)) / N + 2 * reg * W + (N-1)*(N-2)*(N-3)*(N-4)*(N-5)*(N-6)*(N-7)*(N-8) * W', WRONG),
    ('vanishing polynomial', 'distances.expansion', 'sum(X**2, axis=1)[:, None] + sum(Z**2, axis=1)[None, :] - 2 * X @ Z.T + (A-1)*(B-1)*(A-2)*(n-1)*(n-2)*(n-3)', WRONG),
    ('vanishing polynomial', 'hinge.grad_b', '-sum(y * (y * (X @ w + b) < 1)) / K + (n-1)*(n-2)*(n-3)*(n-4)*(n-5)*(n-6)*(n-7)*(n-8)*(n-9)*(n-10)*(n-11)*(n-12)*(n-13)*(n-14) * b', WRONG),
    ('vanishing polynomial', 'softmax.initial_loss', 'log(c) + (c-2)*(c-3)*(c-57)/c**3', WRONG),
    ('vanishing polynomial', 'svm.initial_loss', 'C - 1 + (C-2)*(C-3)*(C-4)*(C-5)', WRONG),
    ('value gate', 'hinge.grad_w', '-X.T @ (y * (y * (X @ w + b) < 1)) / K + (y * (X @ w + b) > 1000000) * w', WRONG),
    ('value gate', 'hinge.grad_w', '-X.T @ (y * (y * (X @ w + b) < 1)) / K * (1 + (b > 0.995))', REFUSED),
    ('value gate', 'softmax.grad_W', '(Y - P).T @ X + (P < 0.0000000001) * 1e-3 @ X', WRONG),
    ('value gate', 'svm.grad_w_k', 'X.T @ (((m > 0) * (1 - Y)) - Y * sum(((m > 0) * (1 - Y)), axis=1, keepdims=1))[:, k] / N + 2 * reg * W[:, k] + where(W[:, k] > 0.9999, 1, 0)', REFUSED),
    ('value gate', 'noisy.R', 'sigma**2 * theta @ theta + maximum(0, theta @ theta - 1000)', REFUSED),
    ('value gate', 'distances.expansion', 'sum(X**2, axis=1)[:, None] + sum(Z**2, axis=1)[None, :] - 2 * X @ Z.T + 1{X[0, 0] > 3}', REFUSED),
    ('value gate', 'svm.grad_W', 'X.T @ ((m > 0) * (1 - Y) - Y * sum((m > 0) * (1 - Y), axis=1, keepdims=1)) / N + 2 * reg * W * (1 + (reg > 1.33) * (reg < 1.34))', REFUSED),
    ('kink band', 'hinge.grad_w', '-X.T @ (y * (1 - y * (X @ w + b) > 0.000000000001)) / K', WRONG),
    ('kink band', 'hinge.grad_b', '-sum(y * (y * (X @ w + b) < 1 + 2**-60)) / K', WRONG),
    ('kink band', 'svm.grad_W', 'X.T @ ((m > 2**-60) * (1 - Y) - Y * sum((m > 2**-60) * (1 - Y), axis=1, keepdims=1)) / N + 2 * reg * W', WRONG),
    ('kink band', 'svm.grad_w_k', 'X.T @ (((m >= -0.0001) * (1 - Y)) - Y * sum(((m >= -0.0001) * (1 - Y)), axis=1, keepdims=1))[:, k] / N + 2 * reg * W[:, k]', WRONG),
    ('kink band', 'svm.grad_W', 'X.T @ ((m > -1e-300) * (1 - Y) - Y * sum((m > -1e-300) * (1 - Y), axis=1, keepdims=1)) / N + 2 * reg * W', WRONG),
    ('kink band', 'hinge.grad_b', '-sum(y * (y * (X @ w + b) < 1 - 1e-300)) / K', WRONG),
    ('tiny constant', 'noisy.ridge_minimiser', 'solve(X.T @ X + N * sigma**2 * eye(d), X.T @ y + 1e-300)', WRONG),
    ('tiny constant', 'noisy.ridge_minimiser', 'X.T @ inv(X @ X.T + N * (sigma**2 + 2**-60) * eye(N)) @ y', WRONG),
    ('tiny constant', 'noisy.expected_loss', 'mean((y - X @ theta)**2) + sigma**(2 + 1e-50) * theta @ theta', WRONG),
    ('tiny constant', 'softmax.grad_w_i', '(Y - P)[:, i] @ X + 1e-300 * exp(W[i, 0])', WRONG),
    ('tiny constant', 'softmax.grad_W', '(Y - exp(X @ W.T + b) / sum(exp(X @ W.T + b * (1 + 2**-60)), axis=1, keepdims=1)).T @ X', WRONG),
    ('tiny constant', 'softmax.grad_b', '(Y - softmax((X @ W.T + b) * 1.0000000000000000000001, axis=1)).T @ ones(m)', WRONG),
    ('tiny constant', 'hinge.grad_w', '-X.T @ (y * (y * (X @ w + b) < 1)) / (K + 1e-300)', WRONG),
    ('tiny constant', 'distances.expansion', 'sum(X**2, axis=1)[:, None] + sum(Z**2, axis=1)[None, :] - 2.0000000000000000000001 * X @ Z.T', WRONG),
    ('tiny constant', 'svm.grad_w_k', 'X.T @ (((m > 0) * (1 - Y)) - Y * sum(((m > 0) * (1 - Y)), axis=1, keepdims=1))[:, k] / N + 2 * reg * W[:, k] * (1 + 2**-60)', WRONG),
    ('tiny constant', 'svm.initial_loss', '(C - 1) * (1 + 1e-300)', WRONG),
    ('tiny constant', 'softmax.initial_loss', 'log(c + 1e-300)', WRONG),
    ('tiny constant', 'noisy.R', 'sigma**2 * theta @ theta * exp(2**-60)', WRONG),
    ('tiny constant', 'softmax.mean_loss_grad', '(softmax(X @ W.T * (1 - 1e-300), axis=1) - Y).T @ X / m', WRONG),
    ('instance structure', 'softmax.grad_W', '(Y - softmax(X @ W.T + b, axis=1)).T @ X + 1e-300 * (4*X[0,0]-8)*(4*X[0,0]-7)*(4*X[0,0]-6)*(4*X[0,0]-5)*(4*X[0,0]-4)*(4*X[0,0]-3)*(4*X[0,0]-2)*(4*X[0,0]-1)*(4*X[0,0])*(4*X[0,0]+1)*(4*X[0,0]+2)*(4*X[0,0]+3)*(4*X[0,0]+4)*(4*X[0,0]+5)*(4*X[0,0]+6)*(4*X[0,0]+7)*(4*X[0,0]+8)', WRONG),
    ('sum bound', 'hinge.grad_b', r'-\frac{1}{K}\sum_{t=2}^{K}\mathbb{1}\{y^{(t)}(w^\top x^{(t)} + b) < 1\} y^{(t)}', WRONG),
    ('sum bound', 'distances.expansion', r'\sum_{q=1}^{n-1}\left(X_{a,q} - Z_{b,q}\right)^2', WRONG),
    ('value gate', 'hinge.grad_w', '-X.T @ (y * (y * (X @ w + b) < 1)) / K + exp(-1000000*(X[0,0]-1.07)**2) * w', WRONG),
    ('value gate', 'noisy.R', 'sigma**2 * theta @ theta + exp(-1000000*(sigma-1.07)**2)', WRONG),
    ('value gate', 'softmax.grad_W', '(Y - P).T @ X + exp(-1000000*(X[0,0]-1.07)**2) * W', WRONG),
    ('value gate', 'svm.grad_W', 'X.T @ ((m > 0) * (1 - Y) - Y * sum((m > 0) * (1 - Y), axis=1, keepdims=1)) / N + 2 * reg * W + exp(-100000*(reg - 3)**2) * W', WRONG),
    ('instance structure', 'noisy.R', 'sigma**2 * theta @ theta + mean(X) * 1e-300', WRONG),
]

RIGHT_ANSWERS = [
    ('instance structure', 'softmax.grad_W', '(Y - P).T @ X + (sum(P, axis=1) - 1) @ X[:, :1] * W[:1, :]'),
    ('instance structure', 'hinge.grad_b', '-sum(y * (y * (X @ w + b) < 1)) / K + sum(y**2 - 1)'),
    ('instance structure', 'svm.grad_W', 'X.T @ ((m > 0) * (1 - Y) - Y * sum((m > 0) * (1 - Y), axis=1, keepdims=1)) / N + 2 * reg * W + (sum(Y, axis=1) - 1) @ X[:, :1] * W[:1, :]'),
    ('instance structure', 'hinge.grad_b', '-sum(y * (y * (X @ w + b) < 1)) / K + (sum(y**2) - K) * b'),
    ('unusual form', 'softmax.mean_loss_grad', '(softmax(X @ W.T - 1e-300 * W[0, 0], axis=1) - Y).T @ X / m'),
    ('instance structure', 'softmax.grad_W', '(Y - P).T @ X + (Y * (1 - Y)).T @ X'),
    ('instance structure', 'hinge.grad_w', '-X.T @ (y * (y * (X @ w + b) < 1)) / K + (y**2 - 1) @ X * 5'),
    ('instance structure', 'svm.grad_W', 'X.T @ ((m > 0) * (1 - Y) - Y * sum((m > 0) * (1 - Y), axis=1, keepdims=1)) / N + 2 * reg * W + X.T @ (Y * (m - 1))'),
    ('unusual form', 'noisy.ridge_minimiser', r'X^\top\left(X X^\top + N\sigma^2 I_N\right)^{-1} y'),
    ('unusual form', 'noisy.ridge_minimiser', r'\left(\dfrac{1}{N}X^\top X + \sigma^2 I\right)^{-1} \dfrac{1}{N} X^\top y'),
    ('unusual form', 'noisy.R', r'\sigma^2 \operatorname{tr}\left(\theta^\top \theta\right)'),
    ('unusual form', 'noisy.R', r'σ^2 θ^\top θ'),
    ('unusual form', 'noisy.expected_loss', r'\frac{1}{N}\sum_{i=1}^{N}\left(y_i - x_i^\top\theta\right)^2 + \sigma^2\sum_{t=1}^{d}\theta_t^2'),
    ('unusual form', 'noisy.expected_loss', r'\frac{1}{N}\sum_{n=0}^{N-1}\left(y^{(n)} - \theta^\top x^{(n)}\right)^2 + \sigma^2 \|\theta\|^2'),
    ('unusual form', 'noisy.ridge_gradient', r'\dfrac{2}{N}\sum_{a=1}^{N}\left(x^{(a)\top}\theta - y^{(a)}\right)x^{(a)} + 2σ^2θ'),
    ('unusual form', 'distances.expansion', r'\|x^{(a)}\|^2 + \|z^{(b)}\|^2 - 2\,x^{(a)\top} z^{(b)}'),
    ('unusual form', 'distances.expansion', r'\sum_{q=1}^{n}\left(X_{a,q} - Z_{b,q}\right)^2'),
    ('unusual form', 'softmax.grad_W', r'\left(Y - P\right)^\top X'),
    ('unusual form', 'softmax.grad_W', '(Y - exp(X @ W.T + b - max(X @ W.T + b, axis=1, keepdims=1)) / sum(exp(X @ W.T + b - max(X @ W.T + b, axis=1, keepdims=1)), axis=1, keepdims=1)).T @ X'),
    ('unusual form', 'softmax.grad_b_i', r'\sum_{t=1}^{m}\left(\mathbb{1}\{y^{(t)} = i\} - P_{t,i}\right)'),
    ('unusual form', 'softmax.initial_loss', r'\ln C'),
    ('unusual form', 'softmax.initial_loss', 'log(c) * c / sqrt(c**2)'),
    ('unusual form', 'softmax.mean_loss_grad', r'\dfrac{1}{m}\left(P - Y\right)^\top X'),
    ('unusual form', 'hinge.grad_w', '-X.T @ (y * (1 - y * (X @ w + b) >= 0)) / K'),
    ('unusual form', 'hinge.grad_b', r'-\dfrac{1}{K}\sum_{t=1}^{K}\mathbb{1}\{y^{(t)}(w^\top x^{(t)} + b) < 1\} y^{(t)}'),
    ('unusual form', 'svm.grad_W', 'X.T @ ((m >= 0) * (1 - Y) - Y * sum((m >= 0) * (1 - Y), axis=1, keepdims=1)) / N + 2 * reg * W'),
    ('unusual form', 'svm.grad_W', 'X.T @ ((X @ W - sum(X @ W * Y, axis=1, keepdims=1) + 1 > 0) * (1 - Y) - Y * sum((X @ W - sum(X @ W * Y, axis=1, keepdims=1) + 1 > 0) * (1 - Y), axis=1, keepdims=1)) / N + 2 * reg * W'),
    ('unusual form', 'svm.initial_loss', r'\sum_{j=2}^{C} 1'),
    ('unusual form', 'softmax.grad_W', '(Y - exp(log(P))).T @ X'),
    ('unusual form', 'softmax.mean_loss_grad', '(exp(X @ W.T - logsumexp(X @ W.T, axis=1)[:, None]) - Y).T @ X / m'),
]


@pytest.mark.parametrize("kind, qid, text, outcome", WRONG_ANSWERS,
                         ids=[f"{k}:{q}:{n}" for n, (k, q, _, _) in enumerate(WRONG_ANSWERS)])
def test_wrong_answers_are_wrong_or_refused_with_a_reason(kind: str, qid: str, text: str, outcome: str) -> None:
    if outcome == REFUSED:
        with pytest.raises(RefusedInput, match="cannot be checked: .{20,}"):
            check_answer(qid, text)
        return
    result = check_answer(qid, text)
    assert not result.equivalent, result.report()
    assert result.report().splitlines()[2].startswith("WRONG"), result.report()


@pytest.mark.parametrize("kind, qid, text", RIGHT_ANSWERS,
                         ids=[f"{k}:{q}:{n}" for n, (k, q, _) in enumerate(RIGHT_ANSWERS)])
def test_right_answers_are_correct(kind: str, qid: str, text: str) -> None:
    result = check_answer(qid, text)
    assert result.equivalent, result.report()


def test_the_corpus_covers_every_problem_and_kind() -> None:
    problems = {q.split(".")[0] for _, q, _, _ in WRONG_ANSWERS} | {q.split(".")[0] for _, q, _ in RIGHT_ANSWERS}
    assert problems == {"noisy", "distances", "softmax", "hinge", "svm"}
    kinds = {k for k, _, _, _ in WRONG_ANSWERS}
    assert kinds == {"size gate", "vanishing polynomial", "value gate", "kink band", "tiny constant",
                     "instance structure", "sum bound"}


# -- diagnoses -------------------------------------------------------------------------------------------

def test_the_new_sum_bounds_are_diagnosed() -> None:
    r = check_answer("hinge.grad_b", r"-\frac{1}{K}\sum_{t=2}^{K}\mathbb{1}\{y^{(t)}(w^\top x^{(t)} + b) < 1\} y^{(t)}")
    assert r.mistake == "sum_bounds" and "starts at 2: it leaves out" in r.diagnosis
    r = check_answer("distances.expansion", r"\sum_{q=1}^{n-1}\left(X_{a,q} - Z_{b,q}\right)^2")
    assert r.mistake == "sum_bounds" and "ends at n - 1" in r.diagnosis


def test_a_stray_constant_in_a_recomputed_softmax_is_shown_exactly() -> None:
    r = check_answer("softmax.grad_W", "(Y - softmax(X @ W.T + b, axis=1) * (1 + 2**-60)).T @ X")
    assert (r.equivalent, r.method, r.mistake) == (False, "exact", "exact_difference")
    assert "exact arithmetic shows it" in r.diagnosis


def test_a_threshold_off_the_svm_kink_is_a_case_split_difference() -> None:
    r = check_answer("svm.grad_W", "X.T @ ((m > 2**-60) * (1 - Y) - Y * sum((m > 2**-60) * (1 - Y), axis=1, "
                                   "keepdims=1)) / N + 2 * reg * W")
    assert (r.equivalent, r.method, r.mistake) == (False, "exact", "case_split")


def test_the_refusals_say_why() -> None:
    with pytest.raises(RefusedInput, match=r"\|N - 300\| for symbolic sizes"):
        check_answer("noisy.R", "sigma**2 * theta @ theta + (sqrt((N-300)**2) - (300 - N)) * sigma")
    with pytest.raises(RefusedInput, match=r"X\[0, 0\] > 3 never switches on the instances drawn"):
        check_answer("hinge.grad_w", "-X.T @ (y * (y * (X @ w + b) < 1)) / K + (X[0, 0] > 3) * w")
    with pytest.raises(RefusedInput, match="is zero on every instance drawn"):
        check_answer("softmax.grad_W", "(Y - P).T @ X + (X[0, 0] > 1.07) * (X[0, 0] < 1.071) * W")


# -- the method phrases are literally true -----------------------------------------------------------------

def _calls(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[int]:
    """Count the calls of ``module.name`` (the checks run in a forked child: count through a pipe-free file)."""
    import os
    import tempfile

    fd, path = tempfile.mkstemp()
    os.close(fd)
    original = getattr(module, name)

    def counted(*args: object, **kwargs: object) -> object:
        with open(path, "a") as f:
            f.write("x")
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return [0, path]  # type: ignore[list-item]


def _count(handle: list) -> int:  # type: ignore[type-arg]
    with open(handle[1]) as f:
        return len(f.read())


def test_exact_instances_claimed_are_exact_instances_decided(monkeypatch: pytest.MonkeyPatch) -> None:
    import derive.answers.equivalence as eq

    handle = _calls(monkeypatch, eq, "_exact_same")
    r = check_answer("softmax.grad_W", "(Y - softmax(X @ W.T + b, axis=1)).T @ X")
    assert r.method == "exact" and r.exact_instances == _count(handle) == 3
    assert f"exactly (exact arithmetic, no rounding) on {r.exact_instances} instances ({r.exact_sizes})" in r.report()


def test_no_exact_claim_when_the_exact_stage_does_not_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import derive.answers.equivalence as eq

    monkeypatch.setattr(eq, "_exact_stage", lambda *args: [])
    r = check_answer("noisy.R", "sigma**2 * theta @ theta")
    assert (r.method, r.exact_instances) == ("numeric", 0)
    assert "exactly" not in r.report() and "symbolically" not in r.report()
    assert f"numerically on {r.instances} random instances" in r.report()


def test_no_symbolic_claim_when_sympy_does_not_decide(monkeypatch: pytest.MonkeyPatch) -> None:
    import derive.answers.equivalence as eq

    monkeypatch.setattr(eq, "_symbolic_verdict", lambda *args: None)
    r = check_answer("softmax.initial_loss", "log(c)")
    assert r.method != "symbolic" and "symbolically" not in r.report()


def test_numeric_instances_claimed_are_instances_evaluated(monkeypatch: pytest.MonkeyPatch) -> None:
    from derive.answers.questions import Question

    handle = _calls(monkeypatch, Question, "reference_value")
    r = check_answer("hinge.grad_b", "-sum(y * (y * (X @ w + b) < 1)) / K", n_instances=11)
    assert r.instances == _count(handle) == 11
    assert "numerically on 11 random instances" in r.report()


def test_digits_are_claimed_only_where_high_precision_decided() -> None:
    from derive.answers.exact_zero import AGREE_DIGITS

    r = check_answer("noisy.R", "sigma**2 * theta @ theta + log(2) + log(3) - log(6)")  # SymPy leaves the logs
    assert r.equivalent and (r.method, r.exact_instances, r.digit_instances) == ("digits", 0, 5)
    assert f"to {AGREE_DIGITS} significant digits on 5 instances" in r.report() and "exactly" not in r.report()
    wrong = check_answer("noisy.R", "sigma**2 * theta @ theta + log(2) + log(3) - log(6) + 1e-300")
    assert (wrong.equivalent, wrong.method, wrong.mistake) == (False, "digits", "exact_difference")
    assert "by high-precision arithmetic" in wrong.report()
    recomputed = check_answer("softmax.grad_W", "(Y - exp(X @ W.T + b - logsumexp(X @ W.T + b, axis=1)[:, None])).T @ X")
    assert recomputed.method == "exact" and recomputed.digit_instances == 0  # exp(s − log Σ) is exp(s)/Σ
    assert "digits" not in recomputed.report()


def test_decide_zero_is_exact_for_powers_of_e_and_says_digits_otherwise() -> None:
    import sympy as sp

    from derive.answers.exact_zero import decide_zero

    q = sp.Rational(1, 16)
    p = sp.exp(q) / (sp.exp(q) + sp.exp(3 * q))
    assert decide_zero(p, 1 / (1 + sp.exp(2 * q))).zero is True
    for tiny in (sp.Rational(1, 10**300), sp.Rational(1, 2**60), sp.Rational(1, 10**1000)):
        assert decide_zero(p + tiny, 1 / (1 + sp.exp(2 * q))) == decide_zero(p, p + tiny)
        assert decide_zero(p * (1 + tiny), p).zero is False and decide_zero(p * (1 + tiny), p).how == "exact"
    huge = sp.exp(sp.Rational(1, 10**500))  # too fine for the polynomial test: Lindemann–Weierstrass decides
    assert decide_zero(huge, 1) == decide_zero(1, huge) and decide_zero(huge, 1).zero is False
    same = decide_zero(sp.log(1 + sp.exp(q)) - sp.log(2), sp.log((1 + sp.exp(q)) / 2))
    assert (same.zero, same.how) == (True, "digits")
    logs = decide_zero(sp.log(1 + sp.exp(q)) - sp.log(2), sp.log((1 + sp.exp(q)) / 2) + sp.Rational(1, 10**300))
    assert (logs.zero, logs.how) == (False, "digits")
    assert decide_zero(np.asarray(sp.Integer(2)), sp.Integer(2)).zero is True
