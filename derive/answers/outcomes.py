"""An answer's values on the checked instances, and how two values are compared.

:class:`Outcome` holds the answer and the reference on one instance, :func:`close`
decides equality within :data:`RTOL`, and :class:`Diagnosis` is the named mistake
that :func:`derive.answers.diagnosis.diagnose` reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Outcome", "Diagnosis", "close", "format_number", "RTOL", "ATOL"]

RTOL = 1e-9
ATOL = 1e-12


@dataclass(frozen=True, eq=False)
class Outcome:
    """The answer on one instance: ``got`` is None when it could not be evaluated.

    ``error`` is then the reason, ``shape_error`` whether it was a shape mismatch, and
    ``left_failed`` whether it was the left-hand side (the reference side) that failed.
    """

    sizes: dict[str, int]
    env: dict[str, Any]
    expected: NDArray[np.float64]
    got: NDArray[np.float64] | None
    error: str | None = None
    shape_error: bool = False
    left_failed: bool = False


@dataclass(frozen=True)
class Diagnosis:
    """A named mistake (``code``) and its human-readable message."""

    code: str
    message: str


def close(got: Any, expected: Any) -> bool:
    """Same shape and equal within ``RTOL`` (absolute floor scaled by the values)."""
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        return False
    if not (np.all(np.isfinite(got)) and np.all(np.isfinite(expected))):
        return bool(np.array_equal(got, expected))  # infinities must match exactly; NaN never does
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    return bool(np.allclose(got, expected, rtol=RTOL, atol=ATOL * scale))


def format_number(x: float) -> str:
    """A float as a short fraction when it is one (``0.5 -> '1/2'``)."""
    frac = Fraction(x).limit_denominator(24)
    if abs(float(frac) - x) <= 1e-9 * max(1.0, abs(x)):
        return str(frac)
    return f"{x:.6g}"

