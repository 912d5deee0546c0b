"""What the problems' questions share: instance data, and a derived result at concrete sizes.

:func:`uniform` draws unrounded random data, :func:`positive_scale` a positive parameter
such as σ over (0, ∞) with no gaps, and :func:`concrete` puts a derivation's
symbolic result at concrete sizes and entries.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

__all__ = ["uniform", "positive_scale", "concrete", "kink_offset", "KINK_EXPONENTS"]

#: exponents k of the offsets 2⁻ᵏ from a kink: a third uniform over 1..60, a third log-uniform over
#: 60..4000, a third uniform over 1000..4000 (2⁻⁴⁰⁰⁰ ≈ 10⁻¹²⁰⁴: below the threshold shifts a student
#: would type, e.g. 1e-300 ≈ 2⁻⁹⁹⁷)
KINK_EXPONENTS = (60, 1000, 4000)


def uniform(rng: np.random.Generator, *shape: int, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    """Uniform data, unrounded (counterexamples are reported rounded)."""
    return rng.uniform(low, high, size=shape)


def positive_scale(rng: np.random.Generator) -> float:
    """A positive parameter drawn over (0, ∞) with no gaps: log-uniform over [10⁻², 10²] or uniform near 1.

    Every interval of (0.01, 100) has a positive probability; half the draws fall in
    [0.5, 2], where a term switched on for a narrow range of values would hide.
    """
    if rng.random() < 0.5:
        return float(np.exp(rng.uniform(np.log(1e-2), np.log(1e2))))
    return float(rng.uniform(0.5, 2.0))


def kink_offset(rng: np.random.Generator) -> Any:
    """An exact offset ±2⁻ᵏ from a kink (the sign and k drawn; see :data:`KINK_EXPONENTS`)."""
    low, deep, high = KINK_EXPONENTS
    u = rng.random()
    if u < 1 / 3:
        k = int(rng.integers(1, low + 1))
    elif u < 2 / 3:
        k = int(np.exp(rng.uniform(np.log(low), np.log(high))))
    else:
        k = int(rng.integers(deep, high + 1))
    return int(rng.choice([-1, 1])) * sp.Rational(1, 2**k)


def concrete(expr: Any, env: dict[str, Any]) -> Any:
    """Substitute sizes, expand the sums, and put ``env``'s element symbols for the entries."""
    expr = expr.xreplace({s: sp.Integer(env[s.name]) for s in expr.free_symbols
                          if s.name in env and isinstance(env[s.name], int)}).doit()
    expr = expr.replace(lambda e: isinstance(e, sp.Indexed),
                        lambda e: env[str(e.base.label)][tuple(int(i) for i in e.indices)])
    return expr.xreplace({s: env[s.name] for s in expr.free_symbols if s.name in env})
