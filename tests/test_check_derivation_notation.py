"""Notation as students write it, in check-answer's LaTeX reader (shared tokens with check-derivation)."""

from __future__ import annotations

import pytest

from derive.answers import check_answer, detect_syntax

RIGHT = [
    ("noisy.expected_loss", r"\frac{1}{N}\sum_{i=1}^{N}\left(y^{(i)} - x^{(i)T}\theta\right)^2 + \sigma^2\|\theta\|^2"),
    ("noisy.expected_loss", r"\frac{1}{N}\sum_{i=0}^{N-1}(y_i - (x^{(i)})^\top\theta)^2 + \sigma^2\theta^T\theta"),
    ("noisy.expected_loss", r"\dfrac{1}{N}\sum_{n=1}^{N}(y^{(n)} - \theta^\top x^{(n)})^2 + σ^2 \|θ\|_2^2"),
    ("noisy.R", r"σ²‖θ‖²"),
    ("noisy.ridge_gradient", r"\tfrac{2}{N} X^T (X\theta - y) + 2\sigma^2\theta"),
    ("softmax.grad_w_i", r"\sum_{j=1}^{m}\left(\mathbb{1}\{y^{(j)} = i\} - \text{softmax}_i(x^{(j)})\right)x^{(j)}"),
    ("softmax.grad_w_i", r"\sum_{j=1}^{m}\left(1_{\{y^{(j)} = i\}} - \operatorname{softmax}_i(x^{(j)})\right)x^{(j)}"),
    ("softmax.grad_w_i", r"\sum_{j=1}^{m}\left(\mathbb{I}[y^{(j)} = i] - \mathrm{softmax}_i(x^{(j)})\right)x^{(j)}"),
    ("softmax.grad_w_i", r"\sum_{n=1}^{m}\left(\mathbb{1}\{y_n = i\} - \sigma_i(x_n)\right)x_n"),
    ("softmax.initial_loss", r"\log(C)"),
    ("softmax.initial_loss", r"\ln C"),
    ("softmax.initial_loss", r"-\log\frac{1}{C}"),
    ("hinge.grad_w", r"-\frac{1}{K}\sum_{n=1}^{K}\mathbb{1}\{y_n(w \cdot x_n + b) < 1\}y_n x_n"),
]

WRONG = [
    ("noisy.expected_loss", r"\frac{1}{N}\sum_{i=1}^{N-1}(y_i - x_i^\top\theta)^2 + \sigma^2\|\theta\|^2"),
    ("noisy.R", r"σ²‖θ‖"),
    ("softmax.grad_w_i", r"\sum_{j=1}^{m}\left(\text{softmax}_i(x^{(j)}) - \mathbb{1}\{y^{(j)} = i\}\right)x^{(j)}"),
    ("softmax.initial_loss", r"\log(C) / 2"),
    ("hinge.grad_w", r"-\sum_{n=1}^{K}\mathbb{1}\{y_n(w \cdot x_n + b) < 1\}y_n x_n"),
]


@pytest.mark.parametrize("qid,text", RIGHT)
def test_student_notation_is_read(qid: str, text: str) -> None:
    assert detect_syntax(text) == "latex"
    result = check_answer(qid, text, n_instances=8)
    assert result.equivalent, result.report()


@pytest.mark.parametrize("qid,text", WRONG)
def test_student_notation_still_catches_mistakes(qid: str, text: str) -> None:
    assert not check_answer(qid, text, n_instances=8).equivalent


def test_sum_letters_are_scoped() -> None:
    # k is a class index in the question; written under a sum over the samples it is the sample index
    assert check_answer("softmax.grad_b_i", r"\sum_{k=1}^{m}(\mathbb{1}\{y_k = i\} - P_{k,i})", n_instances=6).equivalent
    # and two sums over the samples, one after the other, may reuse the letter
    text = r"\sum_{a=1}^{m}\mathbb{1}\{y_a = i\} - \sum_{a=1}^{m} P_{a,i}"
    assert check_answer("softmax.grad_b_i", text, n_instances=6).equivalent


# -- the same notation in check-derivation: each line follows, and the same line with a slip is wrong ------
DERIVATION_LINES = [
    ("noisy", r"\sum_{a=1}^{N} (y^{(a)} - x^{(a)T}\theta)^2 = \sum_{b=1}^{N} (y_b - (x^{(b)})^\top\theta)^2"),
    ("noisy", r"\theta'\theta = \|\theta\|_2^2"),
    ("noisy", r"\mathit{L}(\theta) = \frac{1}{N}\sum_{j=1}^N (y_j - x_j^T\theta)^2"),
    ("softmax", r"\mathcal{L} = \sum_{j=1}^{m}\log \mathrm{Softmax}_{y^{(j)}}(x^{(j)})"),
    ("noisy", r"\mathbb{E}_{\delta\sim\mathcal{N}(0,\sigma^2 I)}[(\delta^T\theta)^2] = \sigma^2\theta^T\theta"),
    ("noisy", r"E_\delta[(\delta^T\theta)^2] = \sigma^2\theta^T\theta"),
    ("noisy", r"e^{\ln(\sigma^2)} = \sigma \times \sigma"),
    ("noisy", r"\tfrac{1}{2} \cdot \sigma^2 = \dfrac{\sigma^2}{2}"),
    ("noisy", r"\big(\sigma^2\big) = \Big(\sigma\Big)^2"),
    ("noisy", r"\hat{L}(\theta) = \tilde{L}(\theta)"),
    ("softmax", r"\log(C) = \ln c"),
    ("noisy", r"∑_{j=1}^{N} y_j = \sum_{j=1}^{N} y^{(j)}"),
    ("softmax", r"\frac{\partial \mathcal{L}}{\partial b_i} = \sum_{j=1}^{m}\left(\mathbb{1}\{y^{(j)} = i\} - "
                r"\frac{e^{w_i^\top x^{(j)} + b_i}}{\sum_{k=1}^{C} e^{w_k^\top x^{(j)} + b_k}}\right)"),
    ("hinge", r"\frac{\partial L}{\partial w} = -\frac{1}{K}\sum_{i=1}^{K} 1_{\{y_i (w^\top x_i + b) < 1\}}\, y_i x_i"),
    ("noisy", r"\left\|\theta\right\|^2 = \theta \cdot \theta"),
    ("svm", r"L(W) = \frac{1}{N}\sum_{i=1}^{N}\sum_{j \neq y_i}\max(0, x_i^\top w_j - x_i^\top w_{y_i} + \Delta)"
            r" + \lambda\|W\|_F^2"),
]


@pytest.mark.parametrize("problem,text", DERIVATION_LINES)
def test_derivation_notation_is_read(problem: str, text: str) -> None:
    from derive.answers.derivation import check_derivation

    step = check_derivation(text, problem, instances=4).steps[0]
    assert step.status == "follows", (step.status, step.diagnosis)


@pytest.mark.parametrize("problem,text", [(p, t.replace(" = ", " = 2 \\cdot (", 1) + ")") for p, t in DERIVATION_LINES
                                          if not t.startswith(r"\big")])
def test_derivation_notation_still_catches_a_factor(problem: str, text: str) -> None:
    from derive.answers.derivation import check_derivation

    step = check_derivation(text, problem, instances=4).steps[0]
    assert step.status == "wrong", (text, step.status, step.diagnosis)
