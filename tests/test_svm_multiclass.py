"""Problem 6, the multiclass SVM: the battery's checks, the derivation, numerics, questions, experiment, CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, note

from battery.svm import (
    SvmCase,
    check_svm_initial,
    check_svm_kink,
    check_svm_smooth,
    check_svm_wide,
    one_sided_slopes,
    svm_cases,
    svm_impls,
    svm_initial_cases,
    svm_kink_cases,
    svm_wide_cases,
)


def _note(case: SvmCase) -> None:
    note(f"W = {case.W.tolist()!r}\nX = {case.X.tolist()!r}\ny = {case.y.tolist()!r}\nreg = {case.reg!r}")


# -- the battery ---------------------------------------------------------------------------------

@given(case=svm_cases())
def test_off_the_kinks_exact_and_central_differences(case: SvmCase) -> None:
    _note(case)
    check_svm_smooth(svm_impls(), case)


@given(case=svm_kink_cases())
def test_at_a_kink_every_subgradient_is_in_the_subdifferential(case: SvmCase) -> None:
    _note(case)
    check_svm_kink(svm_impls(), case)


@given(case=svm_wide_cases())
def test_naive_vectorised_derived_agree_at_wide_sizes(case: SvmCase) -> None:
    _note(case)
    check_svm_wide(svm_impls(), case)


@given(case=svm_initial_cases())
def test_loss_at_zero_weights_is_exactly_c_minus_1(case: tuple[int, SvmCase]) -> None:
    check_svm_initial(svm_impls(), case)


@given(case=svm_kink_cases())
def test_kink_cases_really_have_a_kink(case: SvmCase) -> None:
    """Some entry's one-sided slopes differ (the kink is seen) and backward ≤ forward (convexity)."""
    back, fwd = one_sided_slopes(case)
    assert any(b < f for b, f in zip(back, fwd))
    assert all(b <= f for b, f in zip(back, fwd))
