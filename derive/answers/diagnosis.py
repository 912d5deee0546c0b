r"""Name the classic mistake behind a wrong answer.

Given the answer's values and the reference's on every instance, each test asks
whether one transformation of the reference matches the answer on *all* the
instances where the answer could be evaluated:

* a known wrong answer of the question (:class:`~derive.answers.questions.Variant`);
* the transpose (also when the shapes differ only by it), else a shape mismatch;
* a global factor: −1 (sign flip), a constant (a stray 2, a missing 2), a size
  (missing 1/N, 1/m, 1/K: the ratio equals the size), a power of σ;
* the reference with σ replaced by a power of σ (σ vs σ² vs σ⁴);
* per-term coefficients (least squares on the reference's terms): a missing or an
  extra term, a flipped or rescaled term.

Examples
--------
>>> describe_factor(Factor(-1.0))
('sign_flip', 'sign flip: the answer is −1 × the expected result')
>>> describe_factor(Factor(1.0, size="N", exponent=1))
('missing_1_over_size', 'missing 1/N: the answer is N × the expected result')
>>> describe_factor(Factor(2.0))
('constant_factor', 'constant factor 2: a stray factor 2')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from derive.answers.detectors import (
    Factor, describe_factor, fit_factor, global_factor, sigma_substitution, term_coefficients,
)
from derive.answers.outcomes import ATOL, RTOL, Diagnosis, Outcome, close, format_number

# The detectors live in derive.answers.detectors, the outcome types and close() in
# derive.answers.outcomes; they stay importable from here.
__all__ = ["Factor", "Diagnosis", "Outcome", "diagnose", "close", "fit_factor", "describe_factor", "format_number",
           "RTOL", "ATOL"]


def _transposed(outcomes: Sequence[Outcome]) -> bool:
    return all(o.expected.ndim == 2 and close(o.got, o.expected.T) for o in outcomes)


def _matching_variant(question: Any, ok: Sequence[Outcome], evaluate_text: Callable[..., Any]) -> Diagnosis | None:
    """The question-specific mistake whose expression matches the answer on every instance, if any."""
    for variant in question.variants:
        try:
            if all(close(o.got, evaluate_text(variant.expression, o)) for o in ok):
                return Diagnosis(variant.code, variant.mistake)
        except ValueError:
            continue
    return None


def diagnose(question: Any, outcomes: Sequence[Outcome],
             evaluate_text: Callable[[str, Outcome], NDArray[np.float64]]) -> Diagnosis:
    """The mistake that explains the answer's values (see the module docstring).

    Parameters
    ----------
    question : Question
        Supplies the terms, the known wrong answers and the reference.
    outcomes : sequence of Outcome
        The answer and the reference on every instance.
    evaluate_text : callable
        Evaluates a numpy-syntax expression of the question on an instance.
    """
    ok = [o for o in outcomes if o.got is not None]
    failed = [o for o in outcomes if o.got is None]
    if failed:
        if len(ok) >= 3:  # e.g. a singular solve on some instances: a known wrong answer?
            match = _matching_variant(question, ok, evaluate_text)
            if match is not None:
                return match
        first = min(failed, key=lambda o: sum(o.sizes.values()))
        sizes = ", ".join(f"{k}={v}" for k, v in first.sizes.items())
        code = "shape" if first.shape_error else "not_evaluable"
        return Diagnosis(code, f"the answer cannot be evaluated at {sizes}: {first.error}")
    if any(np.shape(o.got) != o.expected.shape for o in ok):
        if _transposed(ok):
            return Diagnosis("transpose", "transposed: the answer is the transpose of the expected result")
        bad = next(o for o in ok if np.shape(o.got) != o.expected.shape)
        sizes = ", ".join(f"{k}={v}" for k, v in bad.sizes.items())
        return Diagnosis("shape", f"shape mismatch: expected shape {question.shape_text()} = {bad.expected.shape} "
                                  f"at {sizes}, got {np.shape(bad.got)}")
    match = _matching_variant(question, ok, evaluate_text)
    if match is not None:
        return match
    if _transposed(ok):
        return Diagnosis("transpose", "transposed: the answer is the transpose of the expected result")
    factor = global_factor(ok)
    if factor is not None:
        code, text = describe_factor(factor, sigma_power=question.sigma_power)
        return Diagnosis(code, text)
    found = sigma_substitution(ok, question.reference, question.sigma_power or 2)
    if found is not None:
        return found
    if question.terms:
        try:
            values = [[evaluate_text(t.expression, o) for t in question.terms] for o in ok]
        except ValueError:
            values = []
        if values:
            found = term_coefficients(ok, values, [t.name for t in question.terms],
                                      [t.coefficient for t in question.terms],
                                      [t.sigma_power for t in question.terms])
            if found is not None:
                return found
    return Diagnosis("unknown", "not equivalent, and none of the known mistakes (sign, constant factor, 1/size, "
                                "transpose, missing or extra term, power of σ) explains the difference")
