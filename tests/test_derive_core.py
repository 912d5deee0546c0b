"""The step checker itself: it accepts right steps and, above all, rejects wrong ones."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from derive.core import Derivation, Step
from derive.latex import to_latex
from derive.notation import THETA, X, Y, Expect, DELTA
from derive.zero import collapse_deltas, drop_range_guards, exact_zero, symbolic_zero

n, N, d = sp.symbols("n N d", integer=True, positive=True)
j, k, l, i = sp.symbols("j k l i", integer=True)
x = sp.IndexedBase("x")
RNG = np.random.default_rng


def _chain(*rhs: sp.Expr, check: str = "symbolic", sizes=()) -> Derivation:
    f = sp.Symbol("f")
    steps = [Step("Definition.", f, rhs[0], check="definition")]
    steps += [Step(f"Step {q}.", f, r, check=check, sizes=sizes) for q, r in enumerate(rhs[1:], 1)]
    return Derivation("t", "test", steps)


# ---------------------------------------------------------------- symbolic checks
RIGHT_SYMBOLIC = {
    "expand square": ((sp.Symbol("a") + 1) ** 2, sp.Symbol("a") ** 2 + 2 * sp.Symbol("a") + 1),
    "log of product": (sp.log(sp.Symbol("p", positive=True) * sp.Symbol("q", positive=True)),
                       sp.log(sp.Symbol("p", positive=True)) + sp.log(sp.Symbol("q", positive=True))),
    "split a sum": (sp.Sum(x[k] + 2 * x[k], (k, 0, n - 1)), 3 * sp.Sum(x[k], (k, 0, n - 1))),
}

WRONG_SYMBOLIC = {
    "sign": ((sp.Symbol("a") - 1) ** 2, sp.Symbol("a") ** 2 + 2 * sp.Symbol("a") + 1),
    "factor 2": (sp.Sum(x[k], (k, 0, n - 1)), 2 * sp.Sum(x[k], (k, 0, n - 1))),
    "missing term": ((sp.Symbol("a") + 1) ** 2, sp.Symbol("a") ** 2 + 1),
}


@pytest.mark.parametrize("name", RIGHT_SYMBOLIC)
def test_right_rewrites_verify(name: str) -> None:
    results = _chain(*RIGHT_SYMBOLIC[name]).verify()
    assert all(r.ok for r in results), results[-1].detail
    assert results[-1].method == "symbolic"


@pytest.mark.parametrize("name", WRONG_SYMBOLIC)
def test_wrong_rewrites_fail(name: str) -> None:
    results = _chain(*WRONG_SYMBOLIC[name]).verify()
    assert results[0].ok and not results[1].ok


@pytest.mark.parametrize("name", WRONG_SYMBOLIC)
def test_wrong_rewrites_fail_exactly_too(name: str) -> None:
    results = _chain(*WRONG_SYMBOLIC[name], check="exact", sizes=[{n: 3}]).verify(RNG(1))
    assert not results[1].ok
    assert "non-zero" in results[1].detail


def test_rule_step_derivative_and_its_mutant() -> None:
    f = sp.Symbol("f")
    loss = sp.Sum((Y[j] - sp.Sum(X[j, l] * THETA[l], (l, 0, d - 1))) ** 2, (j, 0, N - 1))
    p = sp.Symbol("p", integer=True)
    grad = sp.Sum(-2 * (Y[j] - sp.Sum(X[j, l] * THETA[l], (l, 0, d - 1))) * X[j, p], (j, 0, N - 1))
    good = Derivation("g", "grad", [
        Step("Loss.", f, loss, check="definition"),
        Step("Differentiate.", sp.Symbol("g"), grad, rule=lambda e: sp.diff(e, THETA[p]), assume={p: (0, d - 1)}),
    ])
    assert all(r.ok for r in good.verify())
    for wrong in (-grad, 2 * grad, grad.xreplace({X[j, p]: X[j, 0]})):
        bad = good.replace_step(1, Step("Differentiate.", sp.Symbol("g"), wrong,
                                        rule=lambda e: sp.diff(e, THETA[p]), assume={p: (0, d - 1)}))
        assert not bad.verify()[1].ok


def test_verify_or_raise_names_the_step() -> None:
    from derive.core import DerivationError

    with pytest.raises(DerivationError, match=r"step 2 \('Step 1.'\)"):
        _chain(*WRONG_SYMBOLIC["sign"]).verify_or_raise()


def test_follows_label_and_unknown_label() -> None:
    a = sp.Symbol("a")
    d_ok = Derivation("t", "t", [
        Step("A.", a, (a + 1) ** 2, check="definition", label="start"),
        Step("B.", a, sp.Integer(7), check="definition"),
        Step("C.", a, a**2 + 2 * a + 1, follows="start"),
    ])
    assert all(r.ok for r in d_ok.verify())
    with pytest.raises(ValueError, match="unknown label"):
        Derivation("t", "t", [Step("A.", a, a, check="definition"), Step("B.", a, a, follows="nope")])


def test_step_validation() -> None:
    with pytest.raises(ValueError, match="check"):
        Step("x", 1, 1, check="maybe")
    with pytest.raises(ValueError, match="needs at least one concrete size"):
        Step("x", 1, 1, check="exact")


def test_failing_rule_is_a_failed_step_not_a_crash() -> None:
    a = sp.Symbol("a")
    def boom(e):
        raise NotImplementedError("cubic moment")
    der = Derivation("t", "t", [Step("A.", a, a, check="definition"), Step("B.", a, a, rule=boom)])
    r = der.verify()[1]
    assert not r.ok and "cubic moment" in r.detail


# ---------------------------------------------------------------- deciders
def test_kronecker_sum_with_range_guard() -> None:
    e = sp.Sum(sp.KroneckerDelta(k, l) * x[l], (l, 0, n - 1)).doit()
    assert isinstance(e, sp.Piecewise) or e.has(sp.Piecewise) or e == x[k]
    assert symbolic_zero(e - x[k], assume={k: (0, n - 1)}) is True
    # Without the range assumption the guard cannot be dropped: undecided, never "True".
    assert symbolic_zero(e - x[k]) is not True


def test_drop_range_guards_only_when_implied() -> None:
    pw = sp.Piecewise((x[k], k <= n - 1), (0, True))
    assert drop_range_guards(pw, {k: (0, n - 1)}) == x[k]
    assert drop_range_guards(pw, {k: (0, n)}) == pw


def test_collapse_deltas() -> None:
    e = sp.Sum(sp.KroneckerDelta(i, k) * x[k] ** 2, (k, 0, n - 1))
    assert collapse_deltas(e, {i: (0, n - 1)}) == x[i] ** 2


def test_matrix_difference_zero_matrix() -> None:
    A = sp.MatrixSymbol("A", 2, 3)
    assert symbolic_zero(A.T.T - A) is True
    assert symbolic_zero(sp.Matrix([[1, 0]]) - sp.Matrix([[1, 0]])) is True
    assert symbolic_zero(sp.Matrix([[1, 0]]) - sp.Matrix([[1, 1]])) is False


def test_exact_zero_matrix_symbols_and_labels() -> None:
    m_, c_ = sp.symbols("m c", integer=True, positive=True)
    A = sp.MatrixSymbol("A", m_, c_)
    assert exact_zero((A.T * A).T - A.T * A, [{m_: 2, c_: 3}], rng=RNG(0))[0]
    assert not exact_zero(A.T * A - A * A.T if False else A.T - A.T * 2, [{m_: 2, c_: 2}], rng=RNG(0))[0]
    # labels: sum of indicators over classes is 1
    e = sp.Sum(sp.KroneckerDelta(i, Y[0]), (i, 0, c_ - 1)) - 1
    assert exact_zero(e, [{c_: 4, Y: ("int", 0, c_ - 1)}], rng=RNG(0))[0]
    assert not exact_zero(e - 1, [{c_: 4, Y: ("int", 0, c_ - 1)}], rng=RNG(0))[0]


def test_exact_zero_transcendental_uses_a_relative_tolerance_only_there() -> None:
    a = sp.Symbol("a")
    ok, method, _ = exact_zero(sp.log(sp.exp(a) * sp.exp(2 * a)) - 3 * a, [{n: 1}], rng=RNG(0))
    assert ok
    ok, method, _ = exact_zero(sp.log(1 + sp.exp(a)) - sp.log(sp.exp(a) * (1 + sp.exp(-a))), [{n: 1}], rng=RNG(0))
    assert ok and method == "exact and numeric"
    ok, _, detail = exact_zero(sp.log(1 + sp.exp(a)) - sp.log(sp.exp(a) * (1 + sp.exp(-a))) + sp.Rational(1, 10**50),
                               [{n: 1}], rng=RNG(0))
    assert not ok and "non-zero" in detail
    # rational values: no tolerance at all
    for tiny in (sp.Rational(1, 10**50), sp.Float("1e-50"), sp.Float(1.0000000001) - 1):
        ok, method, detail = exact_zero(sp.Integer(-2) + tiny - (-2) + 0 * a, [{n: 1}], rng=RNG(0))
        assert not ok and method == "exact" and "exactly" in detail
    ok, _, detail = exact_zero(sp.log(1 + sp.exp(a)) - a, [{n: 1}], rng=RNG(0))
    assert not ok and "non-zero" in detail


# ---------------------------------------------------------------- notation
LATEX_CASES = {
    "sample element": (X[j, k], "x^{(j)}_{k}"),
    "squared norm": (sp.Sum(THETA[k] ** 2, (k, 0, d - 1)), r"\|\theta\|_2^2"),
    "dot product": (sp.Sum(X[j, k] * THETA[k], (k, 0, d - 1)), r"x^{(j)\top} \theta"),
    "one-based sum": (sp.Sum(Y[j], (j, 0, N - 1)), r"\sum_{j=1}^{N} y^{(j)}"),
    "indicator": (sp.KroneckerDelta(i, Y[j]), r"\mathbb{1}\{y^{(j)} = i\}"),
    "hinge indicator": (sp.Heaviside(1 - sp.Symbol("p"), 0), r"\mathbb{1}\{p < 1\}"),
    "hinge indicator kink 1": (sp.Heaviside(1 - sp.Symbol("p"), 1), r"\mathbb{1}\{p \le 1\}"),
    "transpose": (sp.Transpose(sp.MatrixSymbol("X", N, d)), r"X^\top"),
    "expectation": (Expect(DELTA[j, k], DELTA), r"\mathbb{E}_{\delta}\left[\delta^{(j)}_{k}\right]"),
    "squared sample": (DELTA[j, k] ** 2, r"\left(\delta^{(j)}_{k}\right)^{2}"),
}


@pytest.mark.parametrize("name", LATEX_CASES)
def test_homework_notation(name: str) -> None:
    expr, expected = LATEX_CASES[name]
    assert to_latex(expr) == expected


def test_derivation_renders_for_jupyter() -> None:
    der = _chain(*RIGHT_SYMBOLIC["expand square"])
    assert "\\begin{enumerate}" in der.to_latex()
    display = der._repr_latex_()
    assert display.startswith("$$\\begin{aligned}") and display.endswith("\\end{aligned}$$")
    assert display.count("&=") == len(der.steps) and "enumerate" not in display
    md = der._repr_markdown_()
    assert md.startswith("**test**") and "$$" in md
