"""The squared-distance identity: derivation checked, checking can fail, numpy agrees."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derive import distances
from derive.core import Step
from derive.distances import derivation, matrix_form, squared_distances
from derive.latex import to_latex

D = derivation()


def _index(label: str) -> int:
    return [s.label for s in D.steps].index(label)


def test_every_step_verifies() -> None:
    results = D.verify(np.random.default_rng(1))
    assert [r.ok for r in results] == [True] * len(D.steps), [r.detail for r in results if not r.ok]
    assert {r.method for r in results} >= {"definition", "symbolic", "exact"}


def _wrong_steps() -> list[tuple[str, object]]:
    x, z, k, n = distances.x, distances.z, distances.k, distances.n
    Xm, Zm = distances.XM, distances.ZM
    s = lambda f: sp.Sum(f, (k, 0, n - 1))  # noqa: E731
    right = matrix_form()
    return [
        ("vector", s(x[k] ** 2) + s(z[k] ** 2) + 2 * s(x[k] * z[k])),          # sign flipped
        ("vector", s(x[k] ** 2) + s(z[k] ** 2) - s(x[k] * z[k])),              # factor 2 lost
        ("vector", s(x[k] ** 2) - 2 * s(x[k] * z[k])),                         # missing ||z||^2
        ("matrix", sp.MatAdd(right.args[0], right.args[1], -1 * Xm * Zm.T)),   # factor 2 lost
        ("vectorised", sp.MatAdd(right.args[0], right.args[1], 2 * Xm * Zm.T)),  # sign flipped
        ("vectorised", sp.MatAdd(right.args[0], -2 * Xm * Zm.T)),              # missing Z term
    ]


@pytest.mark.parametrize("label, wrong", _wrong_steps())
def test_a_wrong_step_is_caught(label: str, wrong: object) -> None:
    idx = _index(label)
    old = D.steps[idx]
    bad = D.replace_step(idx, Step(old.text, old.lhs, wrong, rule=old.rule, check=old.check, sizes=old.sizes,
                                   follows=old.follows, label=old.label, simplify=old.simplify))
    assert not bad.check_step(idx, np.random.default_rng(2)).ok


@given(A=st.integers(1, 5), B=st.integers(1, 5), n=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_matches_direct_computation(A: int, B: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-10, 10, (A, n))
    Z = rng.uniform(-10, 10, (B, n))
    direct = ((X[:, None, :] - Z[None, :, :]) ** 2).sum(axis=-1)
    # expansion cancels terms of size ~ ||x||^2 + ||z||^2 <= 2 * 100 * n: allow a few ulps of that
    scale = (X**2).sum(1)[:, None] + (Z**2).sum(1)[None, :]
    np.testing.assert_allclose(squared_distances(X, Z), direct, rtol=0, atol=float(64 * np.finfo(float).eps * scale.max()))


def test_uint8_does_not_wrap_and_input_untouched() -> None:
    X = np.array([[0, 255]], dtype=np.uint8)
    Z = np.array([[255, 0]], dtype=np.uint8)
    before = X.copy()
    assert squared_distances(X, Z)[0, 0] == 2 * 255.0**2
    np.testing.assert_array_equal(X, before)


def test_can_be_slightly_negative_and_docstring_says_so() -> None:
    # identical rows with large norms: the exact identity gives 0, floats may not (not clamped here)
    X = np.array([[1e8 + 0.1, 3.3, 1e-3]])
    assert abs(squared_distances(X, X)[0, 0]) < 1e4
    assert "clamp" in (squared_distances.__doc__ or "")


@pytest.mark.parametrize("X, Z, match", [
    (np.ones(3), np.ones((2, 3)), "X: expected a 2-D array"),
    (np.ones((2, 3)), np.ones((2, 4)), "Z: expected 3 columns"),
    (np.ones((2, 3)), np.full((2, 3), np.nan), "Z: expected finite values"),
    (np.ones((0, 3)), np.ones((2, 3)), "X: expected a non-empty array"),
])
def test_bad_input(X: np.ndarray, Z: np.ndarray, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        squared_distances(X, Z)


def test_latex() -> None:
    for s in D.steps:
        assert to_latex(s.lhs, notation=D.notation) and to_latex(s.rhs, notation=D.notation)
    tex = D.to_latex()
    assert r"- 2 x^\top z + \|x\|_2^2 + \|z\|_2^2" in tex
    assert r"\|x^{(a)}\|_2^2" in tex and r"x^{(a)\top} z^{(b)}" in tex
    assert r"\operatorname{diag}\left(X X^\top\right) \mathbf{1}_{B}^\top" in tex
    assert r"- 2 X Z^\top" in tex and r"\left(X \circ X\right) \mathbf{1}_{n}" in tex
