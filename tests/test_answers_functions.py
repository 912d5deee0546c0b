"""The one function table: every reader uses it, and its numpy and SymPy columns agree."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from derive.answers.ast_nodes import Call, Num
from derive.answers.evaluate import IMPLEMENTATIONS
from derive.answers.functions import FUNCTIONS, LATEX_NAMES, NUMPY, SYMPY
from derive.answers.latex_input import parse_latex
from derive.answers.parser import FUNCTIONS as PARSER_FUNCTIONS
from derive.answers.parser import Vocabulary, parse_expression
from derive.answers.to_sympy import SYMPY_FUNCTIONS, exact_number

V = Vocabulary({"A": 2, "v": 1, "s": 0, "N": 0})
A = np.array([[2.0, -1.0], [0.5, 3.0]])
v = np.array([0.25, -1.5])

#: function -> a call of it on A, v, s (positive where the domain needs it)
CALLS = {
    "exp": "exp(v)", "log": "log(A * A + 1)", "sqrt": "sqrt(A * A)", "abs": "abs(v)", "square": "square(A)",
    "sum": "sum(A, axis=0)", "mean": "mean(A, axis=1)", "norm": "norm(v)", "max": "max(v, s)",
    "min": "min(v, s)", "maximum": "maximum(A, s)", "minimum": "minimum(A, s)", "where": "where(v, A, s)",
    "ind": "ind(v)", "ones": "ones(N, N)", "zeros": "zeros(N)", "eye": "eye(N)", "inv": "inv(A)",
    "solve": "solve(A, v)", "diag": "diag(v)", "outer": "outer(v, v)", "dot": "dot(A, v)", "trace": "trace(A)",
    "transpose": "transpose(A)", "softmax": "softmax(A, axis=1)", "logsumexp": "logsumexp(A, axis=1)",
}


def test_every_reader_reads_the_one_table() -> None:
    assert PARSER_FUNCTIONS is FUNCTIONS
    assert IMPLEMENTATIONS is NUMPY and SYMPY_FUNCTIONS is SYMPY
    assert set(CALLS) == set(FUNCTIONS)
    assert {f.name for f in LATEX_NAMES.values()} <= set(FUNCTIONS)
    for name in ("tr", "log", "ln", "exp", "max", "min", "sqrt"):  # (softmax_i is read as P by the LaTeX reader)
        node = parse_latex(rf"\operatorname{{{name}}}(A)" if name not in ("max", "min") else rf"\{name}(s, s)", V) \
            if name != "sqrt" else parse_latex(r"\sqrt{s}", V)
        assert isinstance(node, Call) and node.func == LATEX_NAMES[name].name


@pytest.mark.parametrize("name", list(CALLS))
def test_numpy_and_sympy_columns_agree(name: str) -> None:
    from derive.answers.evaluate import evaluate

    tree = parse_expression(CALLS[name], V)
    env = {"A": A, "v": v, "s": 0.75, "N": 2}
    want = evaluate(tree, env, ranges={})
    if FUNCTIONS[name].sympy is None:
        assert name in ("softmax", "logsumexp")
        return
    exact = {"A": np.vectorize(sp.nsimplify, otypes=[object])(A), "v": np.vectorize(sp.nsimplify, otypes=[object])(v),
             "s": sp.Rational(3, 4), "N": 2}
    got = evaluate(tree, exact, ranges={}, functions=SYMPY, number=exact_number)
    np.testing.assert_allclose(np.asarray(got, dtype=float), want, rtol=1e-12)


def test_the_size_column_bounds_the_result_before_it_is_built() -> None:
    from derive.answers.evaluate import evaluate

    for name, text in CALLS.items():
        tree = parse_expression(text, V)
        if not isinstance(tree, Call):  # ind(c) is read as an indicator node
            continue
        value = evaluate(tree, {"A": A, "v": v, "s": 0.75, "N": 2}, ranges={})
        args = [evaluate(a, {"A": A, "v": v, "s": 0.75, "N": 2}, ranges={}) for a in tree.args]
        values = [int(a) if np.ndim(a) == 0 and float(a).is_integer() else None for a in args]
        assert FUNCTIONS[name].result_size([np.shape(a) for a in args], values) >= np.size(value), name


def test_literals_are_exact_as_typed() -> None:
    tree = parse_expression("1.00000000000000000001", V)
    assert tree == Num(1.0)
    assert exact_number(tree) == sp.Rational(1) + sp.Rational(1, 10**20)
    assert exact_number(parse_latex("1.0009", V)) == sp.Rational(10009, 10000)
    assert exact_number(parse_expression("1e-50", V)) == sp.Rational(1, 10**50)
