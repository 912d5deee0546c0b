"""Hinge loss: derivation checked, checking can fail, numpy agrees with finite differences,
subgradients at the kink lie in the subdifferential."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, note
from hypothesis import strategies as st

from derive import hinge
from derive.core import Step
from derive.hinge import (derivation, hinge_grad_b, hinge_grad_w, hinge_loss, hinge_subdifferential, kink_segment,
                          off_kink, subgradient_in_subdifferential)
from derive.latex import to_latex
from derive.notation import X as XB
from derive.notation import Y as YB
from derive.subdifferential import Subdifferential

D = derivation()
R = sp.Rational


def _index(label: str) -> int:
    return [s.label for s in D.steps].index(label)


def central_difference(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Float64 central differences of scalar ``f`` at ``x`` (x is not modified)."""
    g = np.empty_like(x)
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = h
        g[j] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def test_central_difference_helper() -> None:
    x = np.array([1.0, -2.0])
    np.testing.assert_allclose(central_difference(lambda v: v[0] ** 2 + 3 * v[1], x), [2.0, 3.0], atol=1e-8)
    with pytest.raises(AssertionError):  # the helper can fail: a wrong derivative is noticed
        np.testing.assert_allclose(central_difference(lambda v: v[0] ** 2, x), [2.002, 0.0], rtol=1e-4)


# -- the derivation -------------------------------------------------------------------------
def test_every_step_verifies() -> None:
    results = D.verify(np.random.default_rng(0))
    assert all(r.ok for r in results), [(r.step.label, r.detail) for r in results if not r.ok]
    checked = {r.step.label for r in results if r.method == "symbolic"}
    assert {"grad_w_sympy", "grad_w_h", "grad_w", "kink_w", "grad_b_sympy", "grad_b_h", "grad_b", "kink_b"} <= checked


def _wrong_steps() -> list[tuple[str, object]]:
    i, k, K = hinge.i, hinge.k, hinge.K
    p, h = hinge.margin(), hinge.H_KINK
    Hs = sp.Heaviside

    def g(step_fn, factor=1, with_x=True):
        return factor * sp.Sum(-step_fn * YB[i] * (XB[i, k] if with_x else 1), (i, 0, K - 1)) / K

    # each failing symbolic check costs ~2 s (SymPy tries everything before giving up): a few suffice
    return [
        ("grad_w_sympy", g(Hs(1 - p), 2)),               # factor 2
        ("grad_w_h", g(Hs(p - 1, h))),                   # indicator of the wrong side of the kink
        ("kink_w", YB[i] * XB[i, k] * h / K),            # sign flipped
        ("kink_w", -YB[i] * XB[i, k] / K),               # kink value forgotten
        ("grad_b_h", g(Hs(1 - p, h), -1, False)),        # sign flipped
        ("kink_b", -h * YB[i] / K**2),                   # extra 1/K
    ]


@pytest.mark.parametrize("label, wrong", _wrong_steps())
def test_a_wrong_step_is_caught(label: str, wrong: object) -> None:
    idx = _index(label)
    old = D.steps[idx]
    bad = D.replace_step(idx, Step(old.text, old.lhs, wrong, rule=old.rule, check=old.check, follows=old.follows,
                                   label=old.label, assume=old.assume, simplify=old.simplify))
    assert not bad.check_step(idx).ok


def test_kink_rewrite_is_only_true_off_the_kink() -> None:
    """The kink step's checker is honest: at the kink the two sides differ by (½ − h)."""
    u, h = sp.Symbol("u", real=True), sp.Symbol("h", real=True)
    assert sp.simplify(off_kink(sp.Heaviside(u) - sp.Heaviside(u, h))) == 0
    at_kink = (sp.Heaviside(u) - sp.Heaviside(u, h)).subs(u, 0)
    assert sp.simplify(at_kink - (R(1, 2) - h)) == 0
    assert "choice from the subdifferential" in D.step("grad_w_h").why


def test_kink_value_parameter() -> None:
    i, k, K, p = hinge.i, hinge.k, hinge.K, hinge.margin()
    eta = sp.Symbol("eta", real=True)
    d = derivation(eta)
    assert all(r.ok for r in d.verify())
    expected = sp.Sum(-sp.Heaviside(1 - p, eta) * YB[i] * XB[i, k], (i, 0, K - 1)) / K
    assert d.step("grad_w").rhs == expected
    assert all(r.ok for r in derivation(1).verify())
    with pytest.raises(ValueError, match=r"kink_value: expected a number in \[0, 1\]"):
        derivation(2)


# -- the subdifferential --------------------------------------------------------------------
def test_single_sample_segment_exact() -> None:
    x, y, K = [R(3), R(-1, 2)], -1, 4
    seg = Subdifferential.segment([-y * xi / K for xi in x])       # {t·(3/4, -1/8)}
    assert seg.contains([0, 0])                                      # t = 0 (the homework's choice)
    assert seg.contains([R(3, 4), R(-1, 8)])                         # t = 1, the endpoint
    assert seg.contains([R(3, 8), R(-1, 16)])                        # t = 1/2
    assert not seg.contains([R(33, 40), R(-11, 80)])                 # t = 1.1: beyond the endpoint
    assert not seg.contains([R(-3, 8), R(1, 16)])                    # t = -1/2: wrong direction
    assert not seg.contains([R(3, 8), R(1, 16)])                     # off the line
    seg_b = Subdifferential.segment([R(-y, K)])
    assert seg_b.contains([R(1, 8)]) and not seg_b.contains([R(-1, 8)]) and not seg_b.contains([R(3, 10)])


def test_segment_floats_use_tolerance() -> None:
    seg = Subdifferential.segment(np.array([0.75, -0.125]))
    assert seg.contains(np.array([0.375, -0.0625 + 1e-12]))
    assert not seg.contains(np.array([0.375, -0.0625 + 1e-6]))
    assert seg.contains(np.array([0.375, -0.0625 + 1e-6]), atol=1e-5)
    assert not seg.contains(1.1 * np.array([0.75, -0.125]))
    assert not seg.contains(-0.5 * np.array([0.75, -0.125]))


def test_minkowski_sum_of_two_kink_samples() -> None:
    S = Subdifferential.from_parts([1, 0], [[1, 0], [1, 1]])      # 1 + [0,1](1,0) + [0,1](1,1)
    assert S.contains([1, 0]) and S.contains([3, 1]) and S.contains([2, R(1, 2)])
    assert not S.contains([1, R(1, 2)]) and not S.contains([R(7, 2), 1]) and not S.contains([2, -R(1, 10)])
    assert S.contains([2.5, 0.5]) and not S.contains([1.0, 0.5])
    assert S.point([R(1, 2), R(1, 2)]) == (R(2), R(1, 2))


@pytest.mark.parametrize("candidate, kwargs, match", [
    ([1, 2, 3], {}, "candidate: expected length 2"),
    ("ab", {}, "candidate: expected a vector"),
    ([0.0, float("nan")], {}, "candidate: expected finite numbers"),
    ([0.0, 0.0], {"atol": -1.0}, "atol: expected a finite number >= 0"),
    ([sp.Symbol("q"), 0], {}, "expected numeric coordinates"),
])
def test_contains_bad_input(candidate: object, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Subdifferential.segment([1, 2]).contains(candidate, **kwargs)


def test_subdifferential_latex() -> None:
    assert kink_segment("w").to_latex(notation=D.notation) == \
        r"\left\{- \frac{t x^{(i)}_{k} y^{(i)}}{K} \;:\; t \in [0, 1]\right\}"
    assert kink_segment("b").to_latex() == r"\left\{- \frac{t y^{(i)}}{K} \;:\; t \in [0, 1]\right\}"
    two = Subdifferential.from_parts([1, 0], [[1, 0], [1, 1]]).to_latex()
    assert "t_{1}" in two and "t_{2}" in two and "[0, 1]^{2}" in two


def test_kink_segment_is_the_derivations_set() -> None:
    t = sp.Symbol("t", real=True)
    S = D.step("subdiff_w").rhs
    assert sp.simplify(S.lamda.expr.subs(S.lamda.variables[0], t) - t * kink_segment("w").generators[0][0]) == 0


# -- numpy vs finite differences ----------------------------------------------------------------
def _data(data: st.DataObject, dyadic: bool = False) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    K = data.draw(st.integers(1, 6), label="K")
    n = data.draw(st.integers(1, 4), label="n")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    if dyadic:  # small integers and halves: margins are computed exactly, so kinks are exact
        X = rng.integers(-3, 4, (K, n)).astype(float)
        w = rng.integers(-4, 5, n) / 2.0
    else:
        X = rng.uniform(-2, 2, (K, n))
        w = rng.uniform(-2, 2, n)
    y = rng.choice([-1, 1], K)
    b = float(rng.uniform(-1, 1)) if not dyadic else float(y[0] - X[0] @ w)  # dyadic: sample 0 at the kink
    return w, b, X, y


@given(data=st.data())
def test_gradients_match_central_differences_away_from_kink(data: st.DataObject) -> None:
    w, b, X, y = _data(data)
    margins = y * (X @ w + b)
    # central differences with step 1e-6 move a margin by at most ~1e-5 (|x| <= 2, n <= 4): keep every
    # margin 1e-3 from the kink so the loss is linear on the whole stencil
    assume(np.all(np.abs(margins - 1) > 1e-3))
    note(f"margins={margins}")
    num_w = central_difference(lambda v: hinge_loss(v, b, X, y), w)
    num_b = central_difference(lambda v: hinge_loss(w, float(v[0]), X, y), np.array([b]))[0]
    # the loss is piecewise linear: central differences are exact up to rounding, |L| <= ~20, h = 1e-6
    # -> error ~ 20 * 1e-16 / 1e-6 = 2e-9
    np.testing.assert_allclose(hinge_grad_w(w, b, X, y), num_w, rtol=0, atol=1e-7)
    assert abs(hinge_grad_b(w, b, X, y) - num_b) < 1e-7
    # off the kink the kink value does not matter
    np.testing.assert_array_equal(hinge_grad_w(w, b, X, y, kink_value=1.0), hinge_grad_w(w, b, X, y))


@given(data=st.data(), h=st.sampled_from([0.0, 0.5, 1.0]))
def test_at_the_kink_one_sided_differences_bracket_the_subgradient(data: st.DataObject, h: float) -> None:
    w, b, X, y = _data(data, dyadic=True)
    assert y[0] * (X[0] @ w + b) == 1.0  # exactly at the kink
    gw, gb = hinge_grad_w(w, b, X, y, kink_value=h), hinge_grad_b(w, b, X, y, kink_value=h)
    assert subgradient_in_subdifferential(gw, gb, w, b, X, y)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="direction seed"))
    theta = np.append(w, b)
    L = lambda v: hinge_loss(v[:-1], float(v[-1]), X, y)  # noqa: E731
    for _ in range(3):
        d = rng.normal(size=theta.size)
        eps = 1e-4
        right = (L(theta + eps * d) - L(theta)) / eps
        left = (L(theta) - L(theta - eps * d)) / eps
        slope = float(np.append(gw, gb) @ d)
        # convexity: secant slopes bracket <g, d> for every subgradient g; 1e-9 absorbs rounding
        note(f"d={d}, left={left}, slope={slope}, right={right}")
        assert left - 1e-9 <= slope <= right + 1e-9


@given(data=st.data())
def test_wrong_subgradients_are_refused(data: st.DataObject) -> None:
    w, b, X, y = _data(data, dyadic=True)
    S = hinge_subdifferential(w, b, X, y)
    assert len(S.generators) >= 1  # sample 0 is at the kink
    base = np.asarray(S.base, dtype=float)
    v = np.asarray(S.generators[0], dtype=float)  # -y0 (x0, 1)/K, never 0 (its b entry is ±1/K)
    reach = sum(np.abs(np.asarray(g, dtype=float)) for g in S.generators)
    assert not S.contains(base + reach + 0.1)  # beyond every segment's end
    assert S.contains(base + 0.5 * v)
    if len(S.generators) == 1:  # one kink sample: the set is the segment, so t = 1.1 and t = -0.5 are out
        assert not subgradient_in_subdifferential((base + 1.1 * v)[:-1], float((base + 1.1 * v)[-1]), w, b, X, y)
        assert not subgradient_in_subdifferential((base - 0.5 * v)[:-1], float((base - 0.5 * v)[-1]), w, b, X, y)


def test_homework_choice_is_in_the_subdifferential_and_endpoints() -> None:
    X = np.array([[1.0, 2.0], [0.0, 1.0], [2.0, 0.0]])
    y = np.array([1, -1, 1])
    w, b = np.array([0.5, 0.0]), 0.5          # margins: 1 (kink), -0.5, 1.5
    gw0, gb0 = hinge_grad_w(w, b, X, y), hinge_grad_b(w, b, X, y)
    np.testing.assert_allclose(gw0, [0.0, 1 / 3])          # only sample 1 (p < 1) counts
    for h in (0.0, 0.5, 1.0):
        assert subgradient_in_subdifferential(hinge_grad_w(w, b, X, y, h), hinge_grad_b(w, b, X, y, h), w, b, X, y)
    v = -np.append(X[0], 1.0) / 3             # sample 0's segment direction
    assert not subgradient_in_subdifferential(gw0 + 1.1 * v[:2], gb0 + 1.1 * v[2], w, b, X, y)  # t = 1.1
    assert not subgradient_in_subdifferential(gw0 - 0.5 * v[:2], gb0 - 0.5 * v[2], w, b, X, y)  # wrong way
    assert not subgradient_in_subdifferential(gw0 * 1.001 + 0.01, gb0, w, b, X, y)
    assert hinge_loss(w, b, X, y) == pytest.approx(0.5)


@pytest.mark.parametrize("call, match", [
    (lambda: hinge_loss(np.zeros(3), 0.0, np.ones((2, 2)), [1, -1]), "w: expected length 2"),
    (lambda: hinge_loss(np.zeros(2), 0.0, np.ones((2, 2)), [1, 0]), r"y: expected labels in \{"),
    (lambda: hinge_loss(np.zeros(2), 0.0, np.ones((2, 2)), [1, -1, 1]), "y: expected 2 labels"),
    (lambda: hinge_loss(np.zeros(2), "0", np.ones((2, 2)), [1, -1]), "b: expected a real number"),
    (lambda: hinge_loss(np.zeros(2), np.inf, np.ones((2, 2)), [1, -1]), "b: expected a finite real"),
    (lambda: hinge_grad_w(np.zeros(2), 0.0, np.ones((2, 2)), [1, -1], kink_value=1.5), "kink_value: expected"),
    (lambda: hinge_grad_b(np.zeros(2), 0.0, np.ones(2), [1, -1]), "X: expected a 2-D array"),
    (lambda: subgradient_in_subdifferential(np.zeros(3), 0.0, np.zeros(2), 0.0, np.ones((2, 2)), [1, -1]),
     "gw: expected length 2"),
    (lambda: subgradient_in_subdifferential(np.zeros(2), 0.0, np.zeros(2), 0.0, np.ones((2, 2)), [1, -1],
                                            atol=-1.0), "atol: expected"),
])
def test_bad_input(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_inputs_not_modified_and_uint8() -> None:
    X = np.array([[200, 3], [4, 250]], dtype=np.uint8)
    w, y = np.array([0.01, -0.02]), np.array([1, -1])
    X0, w0 = X.copy(), w.copy()
    g = hinge_grad_w(w, 0.0, X, y)
    np.testing.assert_allclose(g, hinge_grad_w(w, 0.0, X.astype(float), y))
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(w, w0)


# -- rendering -----------------------------------------------------------------------------------
def test_latex() -> None:
    for s in D.steps:
        assert to_latex(s.lhs, notation=D.notation) and to_latex(s.rhs, notation=D.notation)
    tex = D.to_latex()
    assert r"\mathbb{1}\{y^{(i)} \left(b + w^\top x^{(i)}\right) < 1\}" in tex
    assert r"\max\left(0, 1 - y^{(i)} \left(b + w^\top x^{(i)}\right)\right)" in tex
    assert r"\nabla_{w_{k}} L(w, b)" in tex and r"\nabla_{b} L(w, b)" in tex
    assert r"H_{\frac{1}{2}}" in tex                   # SymPy's default, before the kink value is chosen
    assert r"t \in \left[0, 1\right]" in tex
    assert r"\partial_{w_{k}} \ell_{i}" in tex
    assert derivation(sp.Symbol("eta")).to_latex().count(r"H_{\eta}") >= 2


@pytest.mark.parametrize("label", ["subdiff_w", "subdiff_b"])
def test_subdifferential_steps_are_machine_checked_and_can_fail(label: str) -> None:
    import sympy as sp

    from derive.hinge import t

    d = hinge.derivation()
    idx = [s.label for s in d.steps].index(label)
    s = d.steps[idx]
    assert s.check == "symbolic" and s.rule is not None
    assert d.check_step(idx).ok
    expr = s.rhs.lamda.expr
    for wrong in (-expr, 2 * expr, expr.subs(t, 1 - t)):
        bad = d.replace_step(idx, Step(s.text, s.lhs, sp.ImageSet(sp.Lambda(t, wrong), sp.Interval(0, 1)),
                                       rule=s.rule, follows=s.follows, assume=s.assume, label=s.label))
        assert not bad.check_step(idx).ok


def test_kink_value_outside_the_subdifferential_is_refused() -> None:
    import numpy as np

    from derive.hinge import hinge_grad_w

    X, y = np.array([[1.0, 0.0]]), np.array([1])
    for bad in (1.5, -0.1, float("nan")):
        with pytest.raises(ValueError, match="kink_value: expected a finite real number in"):
            hinge_grad_w(np.zeros(2), 0.0, X, y, kink_value=bad)
