r"""check-answer reads the notations students write (issue 13): each form × the questions it fits.

A correct answer in each notation is judged CORRECT and a wrong variant in the same notation WRONG (so
a reader that dropped the notation's meaning, e.g. ignored a ``\sum_{j \ne y_i}`` exclusion or a
``\log_{10}`` base, fails here); a form that cannot be read gets a message that says what was expected
and points at its column.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from derive.answers import AnswerError, AnswerParseError, check_answer, get_question, parse_answer

#: (question, notation, a correct answer, a wrong answer in the same notation)
PAIRS = [
    ("noisy.expected_loss", "sum over i, x^{(i)T}",
     r"\frac{1}{N}\sum_{i=1}^{N}(y^{(i)} - x^{(i)T}\theta)^2 + \sigma^2\theta^T\theta",
     r"\frac{1}{N}\sum_{i=1}^{N}(y^{(i)} - x^{(i)T}\theta)^2 - \sigma^2\theta^T\theta"),
    ("noisy.expected_loss", "0-based sum, x_n^\\top",
     r"\frac{1}{N}\sum_{n=0}^{N-1}(y_n - x_n^\top\theta)^2 + \sigma^2\|\theta\|^2",
     r"\frac{1}{N}\sum_{n=0}^{N}(y_n - x_n^\top\theta)^2 + \sigma^2\|\theta\|^2"),
    ("noisy.expected_loss", "(x^{(i)})' and \\theta'\\theta",
     r"\frac{1}{N}\sum_{i=1}^{N}(y^{(i)} - (x^{(i)})'\theta)^2 + \sigma^2\theta'\theta",
     r"\frac{1}{N}\sum_{i=2}^{N}(y^{(i)} - (x^{(i)})'\theta)^2 + \sigma^2\theta'\theta"),
    ("noisy.expected_loss", "unicode, \\dfrac, \\big",
     r"\dfrac{1}{N}∑_{i=1}^{N}\big(y_i − θ^T x_i\big)^2 + σ^2 ‖θ‖_2^2",
     r"\dfrac{1}{N}∑_{i=1}^{N}\big(y_i − θ^T x_i\big)^2 + σ ‖θ‖_2^2"),
    ("noisy.expected_loss", "E_{δ~N(0,σ²I)}[L̃] = …",
     r"\mathbb{E}_{\delta\sim\mathcal{N}(0,\sigma^2 I)}\left[\tilde{L}(\theta)\right] = \frac{1}{N}\|y - X\theta\|^2"
     r" + \sigma^2\|\theta\|^2",
     r"\mathbb{E}_{\delta\sim\mathcal{N}(0,\sigma^2 I)}\left[\tilde{L}(\theta)\right] = \|y - X\theta\|^2"
     r" + \sigma^2\|\theta\|^2"),
    ("noisy.R", "R = with unicode superscripts", r"R = σ²‖θ‖²", r"R = σ²‖θ‖"),
    ("noisy.R", "\\|θ\\|_2^2 and \\lVert", r"\sigma^2\left\lVert\theta\right\rVert_2^2", r"\sigma^2\left\lVert\theta\right\rVert_2"),
    ("noisy.R", "\\|θ\\|_F^2", r"\sigma^2\|\theta\|_F^2", r"\sigma^4\|\theta\|_F^2"),
    ("noisy.R", "sum over any letter", r"\sigma^2\sum_{i=1}^{d}\theta_i^2", r"\sigma^2\sum_{i=2}^{d}\theta_i^2"),
    ("noisy.R", "\\times", r"\sigma^2 \times \theta^\top\theta", r"2 \times \sigma^2 \times \theta^\top\theta"),
    ("noisy.ridge_gradient", "X' and \\cdot", r"\frac{2}{N} \cdot X'(X\theta - y) + 2 \cdot \sigma^2 \cdot \theta",
     r"\frac{2}{N} \cdot X'(y - X\theta) + 2 \cdot \sigma^2 \cdot \theta"),
    ("noisy.ridge_gradient", "\\nabla_\\theta … = (a named result)",
     r"\nabla_\theta\,\mathbb{E}_\delta[\tilde L(\theta)] = \tfrac{2}{N}X^\top(X\theta - y) + 2\sigma^2\theta",
     r"\nabla_\theta\,\mathbb{E}_\delta[\tilde L(\theta)] = \tfrac{2}{N}X^\top(X\theta - y) + \sigma^2\theta"),
    ("noisy.ridge_minimiser", "\\theta^* =", r"\theta^* = (X^TX + N\sigma^2 I)^{-1}X^Ty",
     r"\theta^* = (X^TX + \sigma^2 I)^{-1}X^Ty"),
    ("noisy.ridge_minimiser", "\\hat{\\theta}(\\sigma) = and I_d", r"\hat{\theta}(\sigma) = (X^\top X + N\sigma^2 I_d)^{-1}X^\top y",
     r"\hat{\theta}(\sigma) = (X^\top X + N\sigma^2 I_d)^{-1}y^\top X"),
    ("distances.expansion", "x_a' and \\cdot dot product", r"\|x_a\|^2 + \|z_b\|^2 - 2\, x_a \cdot z_b",
     r"\|x_a\|^2 + \|z_b\|^2 + 2\, x_a \cdot z_b"),
    ("distances.expansion", "(x^{(a)})^T and a sum over p", r"\sum_{p=1}^{n}(x^{(a)}_p - z^{(b)}_p)^2",
     r"\sum_{p=1}^{n}(x^{(a)}_p + z^{(b)}_p)^2"),
    ("distances.expansion", "D^2_{a,b} = (a named result)", r"D^2_{a,b} = (x^{(a)})^T x^{(a)} + (z^{(b)})^T z^{(b)} - 2(x^{(a)})^T z^{(b)}",
     r"D^2_{a,b} = (x^{(a)})^T x^{(a)} + (z^{(b)})^T z^{(b)} - (x^{(a)})^T z^{(b)}"),
    ("softmax.grad_w_i", "\\text{softmax}_i, \\mathbb{1}\\{\\}",
     r"\sum_{j=1}^{m}\left(\mathbb{1}\{y^{(j)} = i\} - \text{softmax}_i(x^{(j)})\right) x^{(j)}",
     r"\sum_{j=1}^{m}\left(\text{softmax}_i(x^{(j)}) - \mathbb{1}\{y^{(j)} = i\}\right) x^{(j)}"),
    ("softmax.grad_w_i", "\\operatorname{softmax}_{i}\\left(…\\right) (derive --latex)",
     r"\sum_{j=1}^{m}\left(\mathbb{1}\{y^{(j)} = i\} - \operatorname{softmax}_{i}\left(x^{(j)}\right)\right) x^{(j)}",
     r"\sum_{j=1}^{m}\left(\mathbb{1}\{y^{(j)} = i\} - \operatorname{softmax}_{i}\left(x^{(j)}\right)\right)"),
    ("softmax.grad_w_i", "\\mathbb{I}[…], \\mathrm{softmax}",
     r"\sum_{j=1}^{m}\left(\mathbb{I}[y^{(j)} = i] - \mathrm{softmax}_i(x^{(j)})\right) x^{(j)}",
     r"\sum_{j=1}^{m}\left(\mathbb{I}[y^{(j)} \ne i] - \mathrm{softmax}_i(x^{(j)})\right) x^{(j)}"),
    ("softmax.grad_w_i", "1_{\\{…\\}}, \\sigma_i, index n",
     r"\sum_{n=1}^{m}\left(1_{\{y_n = i\}} - \sigma_i(x_n)\right) x_n",
     r"\sum_{n=1}^{m}\left(1_{\{y_n = i\}} + \sigma_i(x_n)\right) x_n"),
    ("softmax.grad_w_i", "P(y = i \\mid x^{(j)}, \\theta)",
     r"\sum_{j=1}^{m}\left(\mathbb{1}\{y^{(j)} = i\} - P(y = i \mid x^{(j)}, \theta)\right) x^{(j)}",
     r"\sum_{j=1}^{m}\left(\mathbb{1}\{y^{(j)} = i\} - 2P(y = i \mid x^{(j)}, \theta)\right) x^{(j)}"),
    ("softmax.grad_w_i", "\\nabla_{w_i}\\mathcal{L} = and Softmax",
     r"\nabla_{w_i}\mathcal{L} = \sum_{j=0}^{m-1}\left(\mathbb{1}\{y^{(j)} = i\} - \text{Softmax}_i(x^{(j)})\right) x^{(j)}",
     r"\nabla_{w_i}\mathcal{L} = \sum_{j=0}^{m-1}\left(\mathbb{1}\{y^{(j)} = i\} - \text{Softmax}_i(x^{(j)})\right) x^{(j)}"
     r" / m"),
    ("softmax.grad_b_i", "\\frac{\\partial \\mathcal{L}}{\\partial b_i} =",
     r"\frac{\partial \mathcal{L}}{\partial b_i} = \sum_{j=1}^{m}\left(\mathbb{1}\{y^{(j)} = i\} - P(y^{(j)} = i | x^{(j)})\right)",
     r"\frac{\partial \mathcal{L}}{\partial b_i} = \sum_{j=1}^{m}\mathbb{1}\{y^{(j)} = i\}"),
    ("softmax.grad_W", "(Y - P)'X", r"(Y - P)'X", r"(P - Y)'X"),
    ("softmax.mean_loss_grad", "\\dfrac and ^{T}", r"\dfrac{1}{m}\left(P - Y\right)^{T} X", r"\left(P - Y\right)^{T} X"),
    ("softmax.initial_loss", "\\log C (the other case)", r"\log C", r"\log (C - 1)"),
    ("softmax.initial_loss", "\\ln(c)", r"\ln(c)", r"\ln(2c)"),
    ("softmax.initial_loss", "\\log_e and \\log_{10}", r"\log_e C", r"\log_{10} C"),
    ("softmax.initial_loss", "-\\log\\left(\\frac{1}{C}\\right)", r"-\log\left(\frac{1}{C}\right)", r"\log\left(\frac{1}{C}\right)"),
    ("softmax.initial_loss", "e^{…}", r"\ln\left(c\, e^{0}\right)", r"\ln\left(c\, e^{1}\right)"),
    ("softmax.initial_loss", "L(0) = (a named result)", r"L(0) = \log C", r"L(0) = \log_2 C"),
    ("hinge.grad_w", "\\mathbb{I}[…] and index k",
     r"-\frac{1}{K}\sum_{k=1}^{K}\mathbb{I}[y_k(w^\top x_k + b) < 1]\, y_k x_k",
     r"-\sum_{k=1}^{K}\mathbb{I}[y_k(w^\top x_k + b) < 1]\, y_k x_k"),
    ("hinge.grad_w", "1_{\\{…\\}}, 0-based",
     r"-\frac{1}{K}\sum_{i=0}^{K-1}1_{\{1 - y_i(w^\top x_i + b) > 0\}} y_i x_i",
     r"-\frac{1}{K}\sum_{i=0}^{K-1}1_{\{1 - y_i(w^\top x_i + b) < 0\}} y_i x_i"),
    ("hinge.grad_w", "\\cdot everywhere, \\le at the kink",
     r"-\frac{1}{K}\sum_{i=1}^{K}\mathbb{1}\{y_i \cdot (w^\top x_i + b) \le 1\} \cdot y_i \cdot x_i",
     r"\frac{1}{K}\sum_{i=1}^{K}\mathbb{1}\{y_i \cdot (w^\top x_i + b) \le 1\} \cdot y_i \cdot x_i"),
    ("hinge.grad_b", "\\nabla_b L =", r"\nabla_b L = -\frac{1}{K}\sum_{j=1}^{K}1_{\{y_j(w^Tx_j + b) < 1\}}\,y_j",
     r"\nabla_b L = -\frac{1}{K}\sum_{j=1}^{K}1_{\{y_j(w^Tx_j + b) < 1\}}"),
    ("svm.initial_loss", "c - 1 (the other case)", r"c - 1", r"c"),
    ("svm.grad_w_k", "\\sum_{j \\ne y_i}",
     r"\frac{1}{N}\sum_{i=1}^{N}\left(\mathbb{1}\{y_i \neq k\}\mathbb{1}\{m_{i,k} > 0\} - \mathbb{1}\{y_i = k\}"
     r"\sum_{j \neq y_i}\mathbb{1}\{m_{i,j} > 0\}\right) x_i + 2 r \left(W^\top\right)_{k}",
     # the same with the exclusion dropped: the true class counted in its own sum
     r"\frac{1}{N}\sum_{i=1}^{N}\left(\mathbb{1}\{y_i \neq k\}\mathbb{1}\{m_{i,k} > 0\} - \mathbb{1}\{y_i = k\}"
     r"\sum_{j}\mathbb{1}\{m_{i,j} > 0\}\right) x_i + 2 r \left(W^\top\right)_{k}"),
    ("svm.grad_w_k", "\\sum_{j=0, j \\ne y_n}^{C-1}, index n",
     r"\frac{1}{N}\sum_{n=0}^{N-1}\left(\mathbb{1}\{y_n \neq k\}\mathbb{1}\{m_{n,k} > 0\} - \mathbb{1}\{y_n = k\}"
     r"\sum_{j=0, j \ne y_n}^{C-1}\mathbb{1}\{m_{n,j} > 0\}\right) x_n + 2 r \left(W^\top\right)_{k}",
     r"\frac{1}{N}\sum_{n=0}^{N-1}\left(\mathbb{1}\{y_n \neq k\}\mathbb{1}\{m_{n,k} > 0\} + \mathbb{1}\{y_n = k\}"
     r"\sum_{j=0, j \ne y_n}^{C-1}\mathbb{1}\{m_{n,j} > 0\}\right) x_n + 2 r \left(W^\top\right)_{k}"),
    ("noisy.expected_loss", "x^T_i (the transpose of x_i)",
     r"\frac{1}{N}\sum_{i=1}^{N}(y_i - x^T_i\theta)^2 + \sigma^2\theta^T\theta",
     r"\frac{1}{N}\sum_{i=1}^{N}(y_i - x^T_i\theta)^2 - \sigma^2\theta^T\theta"),
    ("noisy.expected_loss", "\\frac1N, \\sum^N_{i=1}, \\limits",
     r"\frac1N\sum\limits^N_{i=1}(y_i - x_i^T\theta)^2 + \sigma^2\theta^T\theta",
     r"\frac1N\sum\limits^N_{i=2}(y_i - x_i^T\theta)^2 + \sigma^2\theta^T\theta"),
    ("noisy.expected_loss", "\\mathbf{x}, \\boldsymbol{\\theta}, \\vec",
     r"\frac{1}{N}\sum_{i=1}^{N}(y_i - \mathbf{x}_i^T\boldsymbol{\theta})^2 + \sigma^2\|\vec{\theta}\|^2",
     r"\frac{1}{N}\sum_{i=1}^{N}(y_i - \mathbf{x}_i^T\boldsymbol{\theta})^2 + \sigma^2\|\vec{\theta}\|"),
    ("noisy.expected_loss", "N^{-1}, \\langle x_i, \\theta\\rangle",
     r"N^{-1}\sum_{i=1}^{N}(y_i - \langle x_i, \theta\rangle)^2 + \sigma^2\langle\theta, \theta\rangle",
     r"N^{-1}\sum_{i=1}^{N}(y_i - \langle x_i, \theta\rangle)^2 + \sigma^2\langle\theta, x_1\rangle"),
    ("noisy.expected_loss", "\\theta^T\\sigma^2 I_{d\\times d}\\theta, \\mathbf{I}",
     r"\frac{1}{N}\|y - X\theta\|^2 + \theta^T\sigma^2 I_{d\times d}\theta",
     r"\frac{1}{N}\|y - X\theta\|^2 + \theta^T\sigma^2 \mathbf{I}\theta + 1"),
    ("noisy.ridge_minimiser", "\\mathbb{I} as the identity", r"(X^\top X + N\sigma^2\mathbb{I})^{-1}X^\top y",
     r"(X^\top X + N\sigma^2\mathbb{I})^{-1}X^\top X y"),
    ("hinge.grad_w", "\\max\\{0, …\\}",
     r"-\frac{1}{K}\sum_{i=1}^{K}\mathbb{1}\{\max\{0, 1 - y_i(w^\top x_i + b)\} > 0\} y_i x_i",
     r"-\frac{1}{K}\sum_{i=1}^{K}\mathbb{1}\{\max\{0, 1 - y_i(w^\top x_i + b)\} > 0\} x_i"),
    ("softmax.grad_b_i", "𝟙{…}, \\mathds{1}, \\mathbbm{1}",
     r"\sum_{j=1}^{m}\left(𝟙\{y_j = i\} - \mathds{1}\{y_j = i\}P_{j,i} - \mathbbm{1}\{y_j \ne i\}P_{j,i}\right)",
     r"\sum_{j=1}^{m}\left(𝟙\{y_j = i\} - \mathds{1}\{y_j = i\}P_{j,i} + \mathbbm{1}\{y_j \ne i\}P_{j,i}\right)"),
    ("softmax.grad_b_i", "1_{a = b}, \\mathbb{1}_{a = b}, 1[a = b], \\mathbb{1}(a = b)",
     r"\sum_{j=1}^{m}\left(\tfrac{1}{2}1_{y_j = i} + \tfrac{1}{2}1[y_j = i] - \mathbb{1}_{y^{(j)} = i}P_{ji}"
     r" - \mathbb{1}(y_j \neq i)P_{ji}\right)",
     r"\sum_{j=1}^{m}\left(\tfrac{1}{2}1_{y_j = i} + \tfrac{1}{2}1[y_j = i] - \mathbb{1}_{y^{(j)} = i}P_{ji}"
     r" - \mathbb{1}(y_j = i)P_{ji}\right)"),
    ("softmax.grad_b_i", "\\text{softmax}(W x_j + b)_i",
     r"\sum_{j=1}^{m}\left(\mathbb{1}\{y_j = i\} - \text{softmax}(W x_j + b)_i\right)",
     r"\sum_{j=1}^{m}\left(\mathbb{1}\{y_j = i\} - \text{softmax}(W x_j - b)_i\right)"),
    ("hinge.grad_w", "\\begin{cases} … & \\text{if } … \\\\ 0 & \\text{otherwise} \\end{cases}",
     r"\frac{1}{K}\sum_{i=1}^{K}\begin{cases} -y_i x_i & \text{if } y_i(w^\top x_i + b) < 1 \\ 0 & \text{otherwise}"
     r"\end{cases}",
     r"\frac{1}{K}\sum_{i=1}^{K}\begin{cases} y_i x_i & \text{if } y_i(w^\top x_i + b) < 1 \\ 0 & \text{otherwise}"
     r"\end{cases}"),
    ("hinge.grad_b", "cases with \\le (a subgradient at the kink), no otherwise",
     r"\frac{1}{K}\sum_{i=1}^{K}\begin{cases} -y_i & y_i(w^\top x_i + b) \le 1 \end{cases}",
     r"\frac{1}{K}\sum_{i=1}^{K}\begin{cases} -y_i & y_i(w^\top x_i + b) \ge 1 \end{cases}"),
]


@pytest.mark.parametrize("question, notation, right, wrong", PAIRS, ids=[f"{q}:{n}" for q, n, _, _ in PAIRS])
def test_a_notation_reads_right_and_wrong(question: str, notation: str, right: str, wrong: str) -> None:
    ok = check_answer(question, right, syntax="latex", n_instances=8)
    assert ok.equivalent, (notation, ok)
    bad = check_answer(question, wrong, syntax="latex", n_instances=8)
    assert not bad.equivalent, (notation, bad)


#: (question, answer, column of the caret, a fragment of the message)
REFUSED = [
    ("noisy.R", r"\theta^T \mathbb{E}[\delta\delta^T]\theta", 9, "an expectation E[...] is not a result"),
    ("noisy.R", r"\theta^T E[\delta\delta^T]\theta", 9, "an expectation E[...] is not a result"),
    ("noisy.R", r"\theta^T \mathrm{E}[\delta\delta^T]\theta", 9, "an expectation E[...] is not a result"),
    ("noisy.R", r"\theta^T 𝔼[\delta\delta^T]\theta", 9, "an expectation E[...] is not a result"),
    ("noisy.R", r"\lambda\|\theta\|^2", 0, r"unknown symbol \lambda; this question knows: I, N, X"),
    ("noisy.R", r"R = \sigma^2\theta^T\theta = \sigma^2\|\theta\|^2", 27, "a chain of equalities"),
    ("noisy.R", r"\sigma^2\theta^T\theta = \sigma^2\|\theta\|^2", 23, "both sides of '=' are expressions"),
    ("noisy.R", r"R = ", 4, "nothing after '='"),
    ("noisy.R", r"\sigma^2\|\theta\|_3^2", 18, r"expected the 2-norm \|v\|_2 or the Frobenius norm \|A\|_F, got \|...\|_3"),
    ("noisy.ridge_minimiser", r"\|X\|_2^2\theta", 5, r"\|A\|_2 of a matrix is ambiguous"),
    ("noisy.ridge_minimiser", r"(X^TX + N\sigma^2 I)^{-1}X^T\hat{y}", 28, r"unknown symbol \hat{y}"),
    ("softmax.grad_w_i", r"\sum_{j=1}^{m}\nabla_{w_i}\log P_{j,i}", 14, r"\nabla is an operator, not a result"),
    ("softmax.grad_w_i", r"\sum_{j=1}^{m}(1\{y_j = i\} - P(y^{(k)} = i | x^{(j)})) x_j", 30,
     "the label and the sample must have the same index"),
    ("softmax.grad_w_i", r"\sum_{j=1}^{m}(1\{y_j = i\} - P(y = i, x^{(j)})) x_j", 37, r"expected '|' (or \mid)"),
    ("softmax.initial_loss", r"\log_x c", 4, r"expected a logarithm's base (\log_e, \log_2, \log_{10}), got \log_x"),
    ("softmax.initial_loss", r"-\log\frac{e^{0}}{\sum_{k=1}^{c} e^{0}}", 18, "this question has no index to sum over"),
    ("svm.grad_w_k", r"\frac{1}{N}\sum_{i=1}^{N}\sum_{j < y_i} x_i", 33, r"expected j=<lower bound> or j \neq <value>"),
    ("svm.grad_w_k", r"\frac{1}{N}\sum_{i=1}^{N}\sum_{j=1, k \ne y_i}^{C} x_i", 36, r"expected j \neq <value> after the comma"),
    ("svm.grad_w_k", r"2 r W^\top_k", 10, r"W^T_k is ambiguous for a matrix"),
    ("softmax.grad_b", r"(Y - P)^\top \mathbf{1}", 13, r"a vector of ones is not supported here"),
    ("noisy.R", r"\sigma^2\mathbf{\theta\theta}", 8, r"expected one symbol in \mathbf{...}"),
    ("softmax.grad_b_i", r"\sum_{j=1}^{m}(1\{y_j = i\} - \text{softmax}(W x_j + b))", 55,
     "softmax(...) needs its class index after it"),
    ("hinge.grad_b", r"\begin{cases} -y_1 & \text{otherwise} \\ 0 & y_1 b < 1 \end{cases}", 0,
     r"only the last case may be \text{otherwise}"),
    ("hinge.grad_b", r"\begin{cases} -y_1 & y_1 b < 1 \\ 0 & \text{otherwise}", 54, r"expected \\ (the next case)"),
    ("noisy.R", "\u0661 + \\sigma", 0, "unexpected character"),
    ("noisy.ridge_gradient", r"\langle X, X\rangle\theta", 0, r"<A, B> of matrices is not read"),
]


@pytest.mark.parametrize("question, text, column, fragment", REFUSED)
def test_an_unreadable_form_says_what_was_expected_and_where(question: str, text: str, column: int,
                                                              fragment: str) -> None:
    with pytest.raises(AnswerParseError) as info:
        parse_answer(text, get_question(question), "latex")
    assert fragment in info.value.reason, info.value.reason
    assert info.value.position == column, (info.value.position, str(info.value))


def test_a_named_result_reads_only_its_right_hand_side() -> None:
    from derive.answers import render

    q = get_question("noisy.R")
    assert render(parse_answer(r"R = \sigma^2\|\theta\|^2", q, "latex")) == render(
        parse_answer(r"\sigma^2\|\theta\|^2", q, "latex"))
    # an indicator's or a sum's '=' is not the top-level one
    w = get_question("softmax.grad_b_i")
    assert "==" in render(parse_answer(r"\sum_{j=1}^{m}\mathbb{1}\{y_j = i\}", w, "latex"))


#: pieces of the forms above, to shuffle into hostile answers
_PIECES = [r"R", "=", r"\theta", "^", "_", "T", r"\top", "{", "}", "(", ")", "[", "]", r"\{", r"\}", r"\sum", "i", "j",
           "1", "0", "N", "-", r"\frac", r"\mathbb", r"\mathbf", "I", "E", "e", "P", "y", "x", "|", r"\mid", ",",
           r"\neq", r"\log", "2", r"\langle", r"\rangle", r"\hat", r"\boldsymbol", r"\max", "'", r"\|", "F",
           r"\sigma", "W", r"\limits", r"\times", "d", r"\nabla", r"\text{softmax}", r"\begin{cases}",
           r"\end{cases}", "\\\\", "&", r"\text{if}", r"\text{otherwise}", "𝟙", r"\mathds", "<", r"\le"]


@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=25), st.sampled_from(
    ["noisy.R", "noisy.ridge_minimiser", "softmax.grad_w_i", "svm.grad_w_k", "distances.expansion"]))
@example([r"\sum", "^"], "noisy.R")  # once an IndexError: \sum^ with nothing after it
@example(["R", "=", "=", "\\frac", "{"], "noisy.R")
def test_shuffled_forms_are_read_or_refused_never_crash(pieces: list[str], question: str) -> None:
    text = " ".join(pieces)
    try:
        parse_answer(text, get_question(question), "latex")
    except AnswerError:
        pass  # a parse error or a refusal, with its message: fine; anything else fails the test
