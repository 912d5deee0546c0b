"""Tests of derive/softmax.py: the derivation checks (and can fail), renders, and its numpy agrees.

The lambdified gradients are compared with float64 central differences of the
lambdified losses (an independent numerical check), and the losses with
``scipy.special.log_softmax`` (an independent implementation).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import log_softmax

from derive import softmax as S
from derive.latex import to_latex
from derive.notation import X as XI
from derive.notation import Y as LABEL
from derive.problems import get_derivation
from derive.matrix_forms import EntryMatrix, InOrder, OnesRow, explicit_entries, unroll_sums as unroll

m, n, c, i, j, k, p = S.m, S.n, S.c, S.i, S.j, S.k, S.p
M = S.MATRICES
NOTATION = S.derivation().notation

# -- a tiny central-difference helper (and its own tests) ---------------------------------------

#: Central differences with h = 1e-5 on |loss| <= ~60 (shapes below, entries in [-2, 2]): rounding
#: error ~ eps * 60 / 2h ~ 1e-9, truncation h^2/6 * |f'''| <= 1e-10 / 6 * 32 ~ 1e-9 (third
#: derivatives of log-sum-exp are bounded by |x|^3 per sample).  100x margin:
RTOL, ATOL = 1e-6, 1e-7


def central_diff(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Entry-wise central differences (f(x + h e) - f(x - h e)) / 2h, never touching ``x``."""
    g = np.zeros_like(x, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        up, down = x.astype(np.float64), x.astype(np.float64)
        up[idx] += h
        down[idx] -= h
        g[idx] = (f(up) - f(down)) / (2 * h)
    return g


def test_central_diff_matches_a_known_gradient_and_catches_a_small_error() -> None:
    x = np.array([[0.3, -1.2], [2.0, 0.7]])
    before = x.copy()
    g = central_diff(lambda z: float(np.sum(z**3)), x)
    np.testing.assert_allclose(g, 3 * x**2, rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(x, before)
    assert not np.allclose(g, 1.001 * 3 * x**2, rtol=RTOL, atol=ATOL)  # a 0.1% error is caught


# -- the derivation ---------------------------------------------------------------------------

EXACT = {"dW", "db-matrix", "LL-matrix", "loss-grad", "loss-matrix"}


@pytest.fixture(scope="module")
def results() -> list:
    return S.derivation().verify(np.random.default_rng(0))


def test_every_step_verifies(results: list) -> None:
    failed = [(r.index, r.step.label, r.detail) for r in results if not r.ok]
    assert not failed
    methods = {r.step.label: r.method for r in results if r.method != "definition"}
    assert {lab for lab, how in methods.items() if how.startswith("exact")} == EXACT
    assert all(how == "symbolic" for lab, how in methods.items() if lab not in EXACT)
    assert get_derivation("softmax") is S.derivation()


def _index(label: str) -> int:
    return [s.label for s in S.derivation().steps].index(label)


def _wrong(label: str, rhs: object) -> tuple[int, object]:
    idx = _index(label)
    return idx, S.derivation().replace_step(idx, dataclasses.replace(S.derivation().steps[idx], rhs=rhs))


d_iy = sp.KroneckerDelta(i, LABEL[j])
y_p = sp.Transpose(InOrder(M["Y"], -M["P"]))

#: label -> a plausible wrong right-hand side (chosen so that SymPy gives up quickly).
WRONG = {
    "LL-model": sp.Sum(sp.log(S.softmax_of(i, j)), (j, 0, m - 1)),  # class i, not the label
    "LL": sp.Sum(-sp.log(sp.Sum(sp.exp(S.score(k, j)), (k, 0, c - 1))), (j, 0, m - 1)),  # lost a_y
    "dw-expanded": sp.Sum(-S.softmax_of(i, j) * XI[j, p], (j, 0, m - 1)),  # lost the indicator
    "dw": sp.Sum((-d_iy - S.softmax(i, j)) * XI[j, p], (j, 0, m - 1)),  # sign of the indicator
    "db-expanded": sp.Sum(-S.softmax_of(i, j), (j, 0, m - 1)),
    "dW": sp.MatMul(sp.Transpose(InOrder(M["P"], -M["Y"])), M["X"]),  # sign flipped
    "db-matrix": sp.MatMul(sp.Transpose(M["Y"]), sp.OneMatrix(m, 1)),  # lost P
    "LL-matrix": sp.MatMul(OnesRow(1, m), sp.MatMul(sp.HadamardProduct(M["Y"], sp.MatMul(M["X"], M["W"].T)),
                                                    sp.OneMatrix(c, 1)) - M["ell"]),  # lost the bias
    "bias-trick": sp.Sum(S.WT[i, S.l] * S.XT[j, S.l], (S.l, 0, n - 1)),  # lost the appended entry
    "dwt": sp.Sum((d_iy - S.softmax(i, j)) * XI[j, p], (j, 0, m - 1)),  # x instead of x-tilde
    "dwt-b": sp.Sum((d_iy - S.softmax(i, j)) * XI[j, n], (j, 0, m - 1)),
    "loss-grad": sp.MatMul(sp.Transpose(InOrder(M["P"], -M["Y"])), M["Xt"]),  # missing 1/m
    "softmax-zero": 1 / (c - 1),
    "initial-loss": -sp.log(c),
    "cifar": sp.Float("2.302585"),  # the approximation is not the exact value
}


@pytest.mark.parametrize("label", sorted(WRONG))
def test_a_wrong_step_is_caught(label: str) -> None:
    idx, bad = _wrong(label, WRONG[label])
    r = bad.check_step(idx, np.random.default_rng(1))
    assert not r.ok, f"{label}: wrong rhs accepted ({r.detail})"


def test_verify_reports_the_wrong_step_and_only_it() -> None:
    idx, bad = _wrong("dW", WRONG["dW"])
    rs = bad.verify(np.random.default_rng(2))
    assert [r.index for r in rs if not r.ok] == [idx]


# -- rendering -------------------------------------------------------------------------------

def test_every_step_renders() -> None:
    for s in S.derivation().steps:
        assert to_latex(s.lhs, notation=NOTATION) and to_latex(s.rhs, notation=NOTATION)
    md = S.derivation()._repr_markdown_()
    assert md.count("$$") == 2 * len(S.derivation().steps)


@pytest.mark.parametrize(("label", "side", "expected"), [
    ("dw", "rhs", r"\mathbb{1}\{y^{(j)} = i\} - \operatorname{softmax}_{i}\left(x^{(j)}\right)"),
    ("dw", "lhs", r"\nabla_{w_{i,p}} \mathcal{L}"),
    ("db", "lhs", r"\nabla_{b_{i}} \mathcal{L}"),
    ("LL-def", "rhs", r"P\left(y^{(j)} \mid x^{(j)}, \theta\right)"),
    ("dW", "rhs", r"\left(Y - P\right)^\top X"),
    ("db-matrix", "rhs", r"\left(Y - P\right)^\top \mathbf{1}"),
    ("bias-trick", "rhs", r"\tilde{w}_{i}^\top \tilde{x}^{(j)}"),
    ("loss-grad", "rhs", r"\frac{1}{m} \left(P - Y\right)^\top \tilde{X}"),
    ("loss-matrix", "rhs", r"\mathbf{1}^\top"),
    ("initial-loss", "rhs", r"\log{\left(c \right)}"),
    ("initial-loss", "lhs", r"\right|_{\tilde{W} = 0}"),
])
def test_key_results_render_in_homework_notation(label: str, side: str, expected: str) -> None:
    assert expected in to_latex(getattr(S.derivation().step(label), side), notation=NOTATION)


def test_whole_derivation_latex() -> None:
    tex = S.derivation().to_latex()
    assert tex.count(r"\item") == len(S.derivation().steps)
    assert r"\mathbb{1}\{y^{(j)} = i\}" in tex and "log 10 = 2.302585" in tex


# -- the matrix-form helpers ---------------------------------------------------------------

def test_explicit_entries_leaves_symbolic_shapes_alone_and_fills_concrete_ones() -> None:
    norm = explicit_entries({"X": lambda r, s: XI[r, s]}, {"X": (m, n)})
    e = M["X"].T * sp.OneMatrix(m, 1)
    assert norm(e) == e
    out = norm(e.subs({m: 2, n: 1}))
    assert out == sp.ImmutableMatrix([[XI[0, 0] + XI[1, 0]]])


def test_entry_matrix_and_unroll() -> None:
    body = sp.Sum(XI[j, p] * (i + 1), (j, 0, 1))
    E = EntryMatrix(2, 1, i, p, body)
    assert E.doit() is E  # no attempt at evaluating symbolic sums
    assert i not in E.free_symbols and p not in E.free_symbols  # row and column indices are bound
    assert unroll(E.as_explicit()[1, 0]) == 2 * XI[0, 0] + 2 * XI[1, 0]


# -- numpy: lambdified results vs central differences and an independent implementation ----------

floats = st.floats(-2, 2, allow_nan=False, allow_subnormal=False)


@st.composite
def problems(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    mm, nn, cc = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 4))
    W = draw(arrays(np.float64, (cc, nn), elements=floats))
    b = draw(arrays(np.float64, (cc,), elements=floats))
    X = draw(arrays(np.float64, (mm, nn), elements=floats))
    y = draw(arrays(np.int64, (mm,), elements=st.integers(0, cc - 1)))
    return W, b, X, y


@given(problems())
def test_gradients_agree_with_central_differences(prob: tuple) -> None:
    W, b, X, y = prob
    note(f"W={W!r}, b={b!r}, X={X!r}, y={y!r}")
    np.testing.assert_allclose(S.grad_W(W, b, X, y), central_diff(lambda w: S.log_likelihood(w, b, X, y), W),
                               rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(S.grad_b(W, b, X, y), central_diff(lambda v: S.log_likelihood(W, v, X, y), b),
                               rtol=RTOL, atol=ATOL)


@given(problems())
def test_log_likelihood_matches_scipy_and_rows_match_the_index_form(prob: tuple) -> None:
    W, b, X, y = prob
    ref = log_softmax(X @ W.T + b, axis=1)[np.arange(len(y)), y].sum()
    assert S.log_likelihood(W, b, X, y) == pytest.approx(ref, rel=1e-12, abs=1e-12)
    full = S.grad_W(W, b, X, y)
    for row in range(W.shape[0]):
        np.testing.assert_allclose(S.grad_w_i(W, b, X, y, row), full[row], rtol=1e-12, atol=1e-12)


@given(problems())
def test_mean_loss_gradient_agrees_with_central_differences(prob: tuple) -> None:
    W, b, X, y = prob
    Wt, Xt = np.column_stack([W, b]), np.column_stack([X, np.ones(len(X))])  # bias trick
    assert S.mean_loss(Wt, Xt, y) == pytest.approx(-S.log_likelihood(W, b, X, y) / len(y), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(S.mean_loss_grad(Wt, Xt, y), central_diff(lambda w: S.mean_loss(w, Xt, y), Wt),
                               rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(S.mean_loss_grad(Wt, Xt, y)[:, :-1], -S.grad_W(W, b, X, y) / len(y), atol=1e-12)


@given(st.integers(1, 1000), st.integers(1, 5), st.integers(1, 4))
def test_initial_loss_is_log_c(cc: int, mm: int, dd: int) -> None:
    assert S.initial_loss(cc) == pytest.approx(np.log(cc), rel=1e-15)
    X = np.random.default_rng(cc).normal(size=(mm, dd))
    y = np.arange(mm) % cc
    assert S.mean_loss(np.zeros((cc, dd)), X, y) == pytest.approx(np.log(cc), rel=1e-12)


def test_cifar_initial_loss_is_about_2_3() -> None:
    assert abs(S.initial_loss(10) - 2.302585) < 1e-6


def test_large_scores_stay_finite() -> None:
    X = np.array([[1.0, 2.0], [-3.0, 0.5]])
    W, b, y = np.array([[800.0, 0.0], [0.0, 900.0], [-700.0, 1.0]]), np.zeros(3), np.array([2, 0])
    ll = S.log_likelihood(W, b, X, y)
    ref = log_softmax(X @ W.T + b, axis=1)[np.arange(2), y].sum()
    assert np.isfinite(ll) and ll == pytest.approx(ref, rel=1e-12)
    assert np.isfinite(S.grad_W(W, b, X, y)).all() and np.isfinite(S.mean_loss_grad(W, X, y)).all()


def test_inputs_are_not_modified_and_uint8_does_not_wrap() -> None:
    X = np.array([[200, 10], [0, 255]], dtype=np.uint8)
    W, b, y = np.array([[0.01, -0.02], [0.0, 0.03]]), np.array([0.1, -0.1]), np.array([1, 0])
    copies = [a.copy() for a in (X, W, b, y)]
    g = S.grad_W(W, b, X, y)
    for a, before in zip((X, W, b, y), copies, strict=True):
        np.testing.assert_array_equal(a, before)
    np.testing.assert_allclose(g, S.grad_W(W, b, X.astype(np.float64), y))


@pytest.mark.parametrize(("call", "match"), [
    (lambda: S.grad_W(np.ones(3), np.ones(3), np.ones((2, 3)), [0, 1]), "W: expected a 2-D array"),
    (lambda: S.grad_W(np.ones((2, 3)), np.ones(3), np.ones((2, 3)), [0, 1]), "b: expected length 2"),
    (lambda: S.grad_b(np.ones((2, 3)), np.ones(2), np.ones((2, 4)), [0, 1]), "X: expected 3 columns"),
    (lambda: S.log_likelihood(np.ones((2, 3)), np.ones(2), np.ones((2, 3)), [0, 2]), r"y: expected labels in 0\.\.1"),
    (lambda: S.log_likelihood(np.ones((2, 3)), np.ones(2), np.ones((2, 3)), [0]), "y: expected 2 labels"),
    (lambda: S.grad_w_i(np.ones((2, 3)), np.ones(2), np.ones((2, 3)), [0, 1], 2), "i: expected an integer <= 1"),
    (lambda: S.mean_loss(np.ones((2, 3)), np.full((2, 3), np.nan), [0, 1]), "X: expected finite values"),
    (lambda: S.mean_loss_grad(np.ones((2, 3)), np.ones((2, 3)), [0.5, 1]), "y: expected integer labels"),
    (lambda: S.initial_loss(0), "c: expected an integer >= 1"),
    (lambda: S.initial_loss(2.5), "c: expected an integer"),
])
def test_bad_input_raises_value_error(call: Callable[[], object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
