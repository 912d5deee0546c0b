"""What the problems' questions share: instance data, and a derived result at concrete sizes.

:func:`uniform` draws readable random data, and :func:`concrete` puts a derivation's
symbolic result at concrete sizes and entries.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

__all__ = ["uniform", "concrete"]


def uniform(rng: np.random.Generator, *shape: int, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    """Uniform data rounded to 2 decimals (readable counterexamples, still generic)."""
    return np.round(rng.uniform(low, high, size=shape), 2)


def concrete(expr: Any, env: dict[str, Any]) -> Any:
    """Substitute sizes, expand the sums, and put ``env``'s element symbols for the entries."""
    expr = expr.xreplace({s: sp.Integer(env[s.name]) for s in expr.free_symbols
                          if s.name in env and isinstance(env[s.name], int)}).doit()
    expr = expr.replace(lambda e: isinstance(e, sp.Indexed),
                        lambda e: env[str(e.base.label)][tuple(int(i) for i in e.indices)])
    return expr.xreplace({s: env[s.name] for s in expr.free_symbols if s.name in env})
