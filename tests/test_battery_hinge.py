"""Battery: hinge loss and subgradients, off the kinks and exactly at a kink.

Off the kinks (hypothesis ``assume``s every margin is clear of 1 for the probe size) the
subgradient is the gradient and equals central differences.  At a kink -- data in exact
binary fractions with a margin of exactly 1 -- the returned subgradient, for the kink values
0 (homework), ½ (SymPy's Heaviside) and 1 (indicator on p ≤ 1), lies in derive's
subdifferential and between the exact one-sided difference quotients.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, note

from battery import (
    HingeCase,
    check_hinge_kink,
    check_hinge_smooth,
    hinge_cases,
    hinge_impls,
    hinge_kink_cases,
    one_sided_slopes,
)


def _note(case: HingeCase) -> None:
    note(f"w = {case.w.tolist()!r}\nb = {case.b!r}\nX = {case.X.tolist()!r}\ny = {case.y.tolist()!r}")


@given(case=hinge_cases())
def test_hinge_off_the_kinks_matches_central_differences(case: HingeCase) -> None:
    _note(case)
    check_hinge_smooth(hinge_impls(), case)


@given(case=hinge_kink_cases())
def test_hinge_at_a_kink_returns_a_subgradient(case: HingeCase) -> None:
    _note(case)
    check_hinge_kink(hinge_impls(), case)


@given(case=hinge_kink_cases())
def test_kink_cases_really_have_a_kink(case: HingeCase) -> None:
    """The constructed margin is exactly 1 and the one-sided slopes differ along some coordinate
    where that sample has a non-zero feature (the bias always is one)."""
    p = case.y * (case.X @ case.w + case.b)
    assert np.any(p == 1.0)
    back, fwd = one_sided_slopes(case)
    assert back[-1] < fwd[-1]  # the bias direction always sees the kink
    assert all(bk <= fw for bk, fw in zip(back, fwd))  # convexity
