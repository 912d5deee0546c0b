r"""Subdifferentials of piecewise-linear convex losses: a point plus a sum of segments.

At a kink of the hinge loss the gradient is not unique: the set of subgradients is

.. math::

    \partial L = \Big\{ g_0 + \sum_{j=1}^{m} t_j v_j \;:\; t \in [0, 1]^m \Big\},

the fixed contribution :math:`g_0` of the samples off the kink plus, for every
sample :math:`j` exactly at the kink, the segment :math:`\{t v_j : t \in [0, 1]\}`
(for the hinge :math:`v_j = -y^{(j)} x^{(j)}/K`).  With one kink sample the set is
a segment; with several it is their Minkowski sum.  :class:`Subdifferential`
holds such a set, tests membership (exactly for SymPy numbers, with a tolerance
for floats) and renders it as LaTeX.

Examples
--------
>>> import sympy as sp
>>> S = Subdifferential.segment([-1, 2])          # {t·(-1, 2) : t in [0, 1]}
>>> S.contains([0, 0]), S.contains([sp.Rational(-1, 2), 1]), S.contains([-2, 4])
(True, True, False)
>>> S.contains([-0.5, 1.0 + 1e-12], atol=1e-9)
True
>>> S.to_latex()
'\\left\\{t \\left[\\begin{matrix}-1\\\\2\\end{matrix}\\right] \\;:\\; t \\in [0, 1]\\right\\}'
"""

from __future__ import annotations

import numbers
from fractions import Fraction
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

__all__ = ["Subdifferential"]


def _entries(v: Any, name: str) -> tuple[Any, ...]:
    """A flat tuple of coordinates (SymPy expressions or floats) from a vector-like."""
    if isinstance(v, (sp.MatrixBase, np.ndarray)):
        flat = list(v) if isinstance(v, sp.MatrixBase) else list(np.asarray(v).ravel())
    elif isinstance(v, Sequence) and not isinstance(v, str):
        flat = list(v)
    else:
        raise ValueError(f"{name}: expected a vector (sequence, ndarray or sympy Matrix), got {type(v).__name__}")
    out: list[Any] = []
    for x in flat:
        if isinstance(x, (bool, np.bool_)):
            raise ValueError(f"{name}: expected numbers, got a boolean")
        if isinstance(x, (float, np.floating)):
            if not np.isfinite(x):
                raise ValueError(f"{name}: expected finite numbers, got {x!r}")
            out.append(float(x))
        elif isinstance(x, (numbers.Integral, np.integer)):
            out.append(sp.Integer(int(x)))
        elif isinstance(x, sp.Basic):
            out.append(x)
        else:
            raise ValueError(f"{name}: expected numbers or SymPy expressions, got {type(x).__name__}")
    return tuple(out)


def _is_float(x: Any) -> bool:
    return isinstance(x, float) or isinstance(x, sp.Float)


def _fraction(x: Any) -> Fraction:
    """An exact rational coordinate as a Fraction (ValueError for irrationals)."""
    q = sp.nsimplify(x)
    if not q.is_Rational:
        raise ValueError(f"contains: exact membership needs rational coordinates, got {x}; pass floats and atol instead")
    return Fraction(int(q.p), int(q.q))


def _box_feasible(V: list[list[Fraction]], r: list[Fraction]) -> bool:
    r"""Whether :math:`V t = r` has a solution with :math:`t \in [0, 1]^m` (exact phase-1 simplex).

    Standard form :math:`[V\ 0;\ I\ I](t, s) = (r, 1)`, :math:`t, s \ge 0`, plus one artificial
    variable per row; minimise their sum with Bland's rule (which cannot cycle).  Feasible
    iff the minimum is 0.
    """
    dim, m = len(r), (len(V[0]) if V else 0)
    if m == 0:
        return all(x == 0 for x in r)
    rows = [V[i] + [Fraction(0)] * m + [r[i]] for i in range(dim)]
    rows += [[Fraction(int(j == q)) for j in range(m)] + [Fraction(int(j == q)) for j in range(m)] + [Fraction(1)]
             for q in range(m)]
    n_rows, n_x = len(rows), 2 * m
    for row in rows:  # rhs >= 0, then one artificial per row (the initial basis)
        if row[-1] < 0:
            row[:] = [-v for v in row]
    T = [row[:-1] + [Fraction(int(i == j)) for j in range(n_rows)] + [row[-1]] for i, row in enumerate(rows)]
    basis = [n_x + i for i in range(n_rows)]
    n_cols = n_x + n_rows
    obj = [-sum((T[i][j] for i in range(n_rows)), Fraction(0)) if j < n_x else Fraction(0) for j in range(n_cols)]
    obj.append(-sum((T[i][-1] for i in range(n_rows)), Fraction(0)))
    while True:
        entering = next((j for j in range(n_cols) if obj[j] < 0), None)
        if entering is None:
            return obj[-1] == 0
        ratios = [(T[i][-1] / T[i][entering], basis[i], i) for i in range(n_rows) if T[i][entering] > 0]
        _, _, p = min(ratios)  # ties broken by the smallest basic index (Bland)
        piv = T[p][entering]
        T[p] = [v / piv for v in T[p]]
        for i in range(n_rows):
            if i != p and T[i][entering] != 0:
                f = T[i][entering]
                T[i] = [a - f * b for a, b in zip(T[i], T[p])]
        f = obj[entering]
        obj = [a - f * b for a, b in zip(obj, T[p])]
        basis[p] = entering


@dataclass(frozen=True)
class Subdifferential:
    r"""The set :math:`\{g_0 + \sum_j t_j v_j : t \in [0, 1]^m\}`.

    Parameters
    ----------
    base : tuple
        The fixed point :math:`g_0` (length ``dim``).
    generators : tuple of tuple
        The segment directions :math:`v_j` (each of length ``dim``); empty when no
        sample is at a kink (the set is then the single point ``base``).

    Coordinates are SymPy expressions (exact or symbolic) or Python floats.
    """

    base: tuple[Any, ...]
    generators: tuple[tuple[Any, ...], ...] = ()

    def __post_init__(self) -> None:
        for j, g in enumerate(self.generators):
            if len(g) != len(self.base):
                raise ValueError(f"generator {j}: expected length {len(self.base)} (the dimension of base), got {len(g)}")

    # -- construction ---------------------------------------------------------------
    @classmethod
    def from_parts(cls, base: Any, generators: Sequence[Any] = ()) -> Subdifferential:
        """Build from vector-likes (lists, ndarrays, SymPy matrices)."""
        b = _entries(base, "base")
        return cls(b, tuple(_entries(g, f"generators[{j}]") for j, g in enumerate(generators)))

    @classmethod
    def segment(cls, direction: Any) -> Subdifferential:
        r"""The segment :math:`\{t v : t \in [0, 1]\}` from 0 to ``direction``."""
        v = _entries(direction, "direction")
        return cls(tuple(sp.Integer(0) for _ in v), (v,))

    @property
    def dim(self) -> int:
        """Number of coordinates."""
        return len(self.base)

    def project(self, coords: Sequence[int]) -> Subdifferential:
        """The image under keeping only ``coords`` (e.g. the w part or the b part)."""
        return Subdifferential(tuple(self.base[c] for c in coords),
                               tuple(tuple(g[c] for c in coords) for g in self.generators))

    def point(self, t: Sequence[Any]) -> tuple[Any, ...]:
        r"""The element :math:`g_0 + \sum_j t_j v_j` (``t`` need not lie in the box)."""
        if len(t) != len(self.generators):
            raise ValueError(f"t: expected {len(self.generators)} coefficients (one per segment), got {len(t)}")
        return tuple(self.base[c] + sum((tj * g[c] for tj, g in zip(t, self.generators)), sp.Integer(0))
                     for c in range(self.dim))

    # -- membership ---------------------------------------------------------------
    def contains(self, candidate: Any, *, atol: float | None = None) -> bool:
        r"""Whether ``candidate`` lies in the set.

        Parameters
        ----------
        candidate : vector-like of length ``dim``
        atol : float, optional
            Absolute tolerance (max-norm of the residual) for the float case;
            default ``1e-9``.  Giving it selects the float test even for exact input.

        Returns
        -------
        bool
            Exact answer (rational arithmetic: an exact phase-1 simplex for the
            coefficients :math:`t \in [0, 1]^m`) when the set and the candidate are
            integers or SymPy rationals and ``atol`` is not given; otherwise the bounded least-squares residual
            :math:`\min_{t\in[0,1]^m} \|g_0 + Vt - c\|_\infty` compared with ``atol``.

        Raises
        ------
        ValueError
            On a wrong length, symbolic (non-numeric) or irrational exact coordinates,
            or a negative ``atol``.
        """
        c = _entries(candidate, "candidate")
        if len(c) != self.dim:
            raise ValueError(f"candidate: expected length {self.dim}, got {len(c)}")
        values = [*self.base, *c, *(x for g in self.generators for x in g)]
        symbolic = [x for x in values if isinstance(x, sp.Basic) and not x.is_number]
        if symbolic:
            raise ValueError(f"contains: expected numeric coordinates, got the symbolic {symbolic[0]}; "
                             "substitute values first")
        if any(_is_float(x) for x in values) or atol is not None:
            tol = 1e-9 if atol is None else float(atol)
            if not (np.isfinite(tol) and tol >= 0):
                raise ValueError(f"atol: expected a finite number >= 0, got {atol!r}")
            return self._contains_float(c, tol)
        return self._contains_exact(c)

    def _contains_exact(self, c: tuple[Any, ...]) -> bool:
        r = [_fraction(ci - bi) for ci, bi in zip(c, self.base)]
        V = [[_fraction(g[row]) for g in self.generators] for row in range(self.dim)]
        return _box_feasible(V, r)

    def _contains_float(self, c: tuple[Any, ...], tol: float) -> bool:
        r = np.array([float(ci) - float(bi) for ci, bi in zip(c, self.base)])
        if not self.generators:
            return bool(np.max(np.abs(r), initial=0.0) <= tol)
        from scipy.optimize import lsq_linear

        V = np.array([[float(x) for x in g] for g in self.generators]).T  # (dim, m)
        if not np.any(V):
            return bool(np.max(np.abs(r), initial=0.0) <= tol)
        t = lsq_linear(V, r, bounds=(0.0, 1.0), method="bvls").x
        return bool(np.max(np.abs(V @ t - r), initial=0.0) <= tol)

    # -- rendering --------------------------------------------------------------------
    def to_latex(self, notation: Mapping[str, tuple[str, str]] | None = None) -> str:
        r"""LaTeX of the set, e.g. ``\left\{t \left[...\right] \;:\; t \in [0, 1]\right\}``."""
        from derive.latex import to_latex

        def vec(v: tuple[Any, ...]) -> str:
            return to_latex(sp.Matrix(v) if len(v) > 1 else v[0], notation=notation)

        m = len(self.generators)
        names = ["t"] if m == 1 else [f"t_{{{j + 1}}}" for j in range(m)]
        terms = [] if all(x == 0 for x in self.base) else [vec(self.base)]
        for name, g in zip(names, self.generators):
            if len(g) == 1:  # a scalar: let SymPy place the sign, e.g. -\frac{t y}{K}
                terms.append(to_latex(sp.Symbol(name) * g[0], notation=notation))
            else:
                terms.append(f"{name} {vec(g)}")
        if not terms:
            terms = [vec(self.base)]
        inner = " + ".join(terms)
        if m == 0:
            return f"\\left\\{{{inner}\\right\\}}"
        box = "t \\in [0, 1]" if m == 1 else f"t \\in [0, 1]^{{{m}}}"
        return f"\\left\\{{{inner} \\;:\\; {box}\\right\\}}"

    def _repr_latex_(self) -> str:  # Jupyter
        return f"$${self.to_latex()}$$"
