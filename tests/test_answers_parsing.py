"""Reading answers: the numpy-like/index syntax, the LaTeX subset, and parse-error positions."""

from __future__ import annotations

import numpy as np
import pytest

from derive.answers import AnswerParseError, get_question, parse_answer
from derive.answers.ast_nodes import Bin, Indicator, Name, SumOver, render
from derive.answers.evaluate import IMPLEMENTATIONS, evaluate
from derive.answers.lexer import rewrite_index_form
from derive.answers.parser import FUNCTIONS, Vocabulary, parse_expression
from derive.answers.latex_input import parse_latex

SOFTMAX = get_question("softmax.grad_w_i")
NOISY = get_question("noisy.ridge_gradient")

#: text -> canonical rendering (numpy-like and index form)
CANONICAL = {
    "2/N * X.T @ (X @ theta - y)": "2 / N * X.T @ (X @ theta - y)",
    "sigma**2 * theta @ theta": "sigma ** 2 * theta @ theta",
    "+sigma": "sigma",
    "-(-theta)": "--theta",
    "sum(X**2, axis=1)[:, None]": "sum(X ** 2, axis=1)[:, None]",
    "sum_j (x_j @ theta - y_j) * x_j": "sum(j, (X[j] @ theta - y[j]) * X[j])",
    "2/N * sum_j x_j + theta": "2 / N * sum(j, X[j]) + theta",
    "sum(j, y[j] * X[j])": "sum(j, y[j] * X[j])",
    "-sum_j y_j": "-sum(j, y[j])",
    "sum_j sum_k X[j, k] * theta_k": "sum(j, sum(k, X[j, k] * theta[k]))",
}


@pytest.mark.parametrize("text, canonical", CANONICAL.items())
def test_canonical_rendering(text: str, canonical: str) -> None:
    tree = parse_answer(text, NOISY)
    assert render(tree) == canonical
    assert parse_answer(render(tree), NOISY) == tree  # the rendering reads back to the same tree


def test_index_form_indicator_and_sum() -> None:
    tree = parse_answer("sum_j (1{y_j = i} - P[j, i]) * x_j", SOFTMAX)
    assert isinstance(tree, SumOver) and tree.var == "j"
    assert any(isinstance(n, Indicator) for n in _walk(tree))
    assert parse_answer("sum(j, (1{y[j] == i} - P[j,i]) * X[j])", SOFTMAX) == tree


def _walk(tree):
    from derive.answers.ast_nodes import walk
    return list(walk(tree))


def test_sum_binds_the_rest_of_the_product_term_only() -> None:
    tree = parse_answer("sum_j y_j * x_j + theta", NOISY)
    assert isinstance(tree, Bin) and tree.op == "+" and isinstance(tree.left, SumOver)
    assert tree.right == Name("theta")


def test_lexer_keeps_columns_of_the_original() -> None:
    r = rewrite_index_form("1{y_j = i}", {"y": "y"}, {"i", "j"})
    assert r.text == "ind(y[j] == i)"
    assert r.original_column(r.text.index("i)")) == len("1{y_j = ")


def test_function_whitelist_matches_implementations() -> None:
    assert set(FUNCTIONS) == set(IMPLEMENTATIONS)


LATEX_CANONICAL = {
    r"\frac{2}{N} X^\top (X\theta - y) + 2\sigma^2\theta": "2 / N * X.T @ (X @ theta - y) + 2 * sigma ** 2 * theta",
    r"\frac{2}{N} X^T (X\theta - y) + 2\sigma^{2}\theta": "2 / N * X.T @ (X @ theta - y) + 2 * sigma ** 2 * theta",
    r"\sigma^2 \|\theta\|_2^2": "sigma ** 2 * norm(theta) ** 2",
    r"\sigma^2 \cdot \theta^{\top}\theta": "sigma ** 2 * theta.T @ theta",
    r"\left(X^\top X + N\sigma^2 I\right)^{-1} X^\top y": "inv(X.T @ X + N * sigma ** 2 * I) @ X.T @ y",
    r"\frac{2}{N}\sum_{j=1}^{N} (x^{(j)\top}\theta - y^{(j)}) x^{(j)}":
        "2 / N * sum(j, (X[j].T @ theta - y[j]) * X[j])",
    r"\sum_{j=0}^{N-1} y_j \, x^{(j)}": "sum(j, y[j] * X[j])",
}


@pytest.mark.parametrize("text, canonical", LATEX_CANONICAL.items())
def test_latex_subset(text: str, canonical: str) -> None:
    assert render(parse_answer(text, NOISY, "latex")) == canonical


def test_latex_indicator_and_subscripts() -> None:
    tree = parse_latex(r"\sum_{j=1}^{m}\left(\mathbb{1}\{y^{(j)} = i\} - P_{j,i}\right) x^{(j)}", SOFTMAX.vocabulary())
    assert render(tree) == "sum(j, (1{y[j] == i} - P[j, i]) * X[j])"
    assert render(parse_latex(r"\sum_j (1\{y_j \neq i\}) x_j", SOFTMAX.vocabulary())) == "sum(j, 1{y[j] != i} * X[j])"


#: (syntax, text, expected column (0-based), message fragment)
PARSE_ERRORS = [
    ("latex", r"\frac{1}{N} \foo", 12, r"unsupported LaTeX command \foo"),
    ("latex", r"\sigma^2 \|\theta\|_3", 19, "2-norm"),
    ("latex", r"\frac{1}{N}\sum_{j=1}^{m} y_j", 23, "unknown symbol 'm'"),
    ("latex", r"\sigma^2 + ", 11, "ends too early"),
    ("latex", r"\theta @ \theta", 7, "unexpected character '@'"),
    ("latex", r"(\theta + \sigma", 16, "expected ')'"),
    ("latex", r"\mathbb{1}\{y_j\}", 15, "comparison"),
    ("numpy", "2/N * X.T @ (X @ theta - y", 12, "never closed"),
    ("numpy", "2/N * Q @ theta", 6, "unknown name 'Q'"),
    ("numpy", "theta.sum", 0, "only .T"),
    ("numpy", "frobnicate(theta)", 0, "unknown function 'frobnicate'"),
    ("numpy", "sum_q theta", 0, "cannot sum over 'q'"),
    ("numpy", "1{y_j = i", 1, "never closed"),
    ("numpy", "theta // 2", 0, "not supported"),
    ("numpy", "sum(theta, axis=k)", 11, "small integer constant"),
]


@pytest.mark.parametrize("syntax, text, column, fragment", PARSE_ERRORS)
def test_parse_error_points_at_the_column(syntax: str, text: str, column: int, fragment: str) -> None:
    with pytest.raises(AnswerParseError, match="parse error at column") as info:
        parse_answer(text, NOISY, syntax)
    err = info.value
    assert fragment in err.reason
    assert err.position == column, (err.position, str(err))
    caret_line = str(err).splitlines()[-1]
    assert caret_line.index("^") - 2 == column  # the caret sits under the column


def test_a_right_parse_is_not_an_error() -> None:
    # the error tests above would pass vacuously if everything failed: check the counterpart
    assert render(parse_answer(r"\frac{1}{N} \sigma", NOISY, "latex")) == "1 / N * sigma"


def test_evaluate_numpy_semantics() -> None:
    vocab = Vocabulary({"X": 2, "y": 1, "N": 0}, frozenset({"j"}), {"x": "X"}, {"j": "N"})
    X = np.array([[1.0, 2.0], [3.0, 5.0]])
    env = {"X": X, "y": np.array([2.0, -1.0]), "N": 2}
    got = evaluate(parse_expression("sum_j y_j * x_j", vocab), env, ranges={"j": "N"})
    np.testing.assert_allclose(got, X.T @ env["y"])
    got = evaluate(parse_expression("softmax(X, axis=1)", vocab), env, ranges={})
    np.testing.assert_allclose(got.sum(axis=1), 1.0)
