r"""Certificates that an expression is positive whenever a given vector is non-zero.

Used by :mod:`derive.core` for ``check="positive"`` steps (e.g. the noisy-regression
Hessian's quadratic form :math:`v^\top H v = \frac2N(\|Xv\|^2 + N\sigma^2\|v\|^2)`).
The certificate is structural and sound, not numerical:

* a *non-negative* term is a factor SymPy proves non-negative (``N``, ``sigma**2``, ...),
  a Gram form :math:`u^\top u` of a real column :math:`u` (:math:`\|u\|^2`), an even power
  of a real expression, or a sum / product of non-negative terms;
* a term *positive for* :math:`v \ne 0` is :math:`v^\top v` (or
  :math:`\sum_k v_k^2` over every entry of :math:`v`), a product of it with factors SymPy
  proves positive, or a sum of non-negative terms at least one of which is positive for
  :math:`v \ne 0`.

Anything else is not certified (the step fails): the check can say "not shown", never a
wrong "positive".

Examples
--------
>>> import sympy as sp
>>> n = sp.Symbol("n", integer=True, positive=True)
>>> s = sp.Symbol("s", positive=True)
>>> A, v = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("v", n, 1)
>>> positive_for_nonzero(2 * ((A * v).T * (A * v) + s**2 * v.T * v), v)
True
>>> positive_for_nonzero((A * v).T * (A * v), v)  # only non-negative: A may be singular
False
>>> positive_for_nonzero(v.T * v - s * v.T * v, v)
False
"""

from __future__ import annotations

from typing import Any

import sympy as sp

__all__ = ["positive_for_nonzero", "nonnegative"]


def _scalar_factors(e: Any) -> tuple[list[Any], list[Any]]:
    """Split a product (scalar ``Mul`` or ``MatMul``) into its scalar and matrix factors."""
    if isinstance(e, sp.MatMul):
        args = list(e.args)
    elif isinstance(e, sp.Mul):
        args = list(e.args)
    else:
        return [], [e]
    scalars = [a for a in args if not getattr(a, "is_Matrix", False)]
    mats = [a for a in args if getattr(a, "is_Matrix", False)]
    return scalars, mats


def _real_column(u: Any) -> bool:
    return all(getattr(x, "is_real", False) is True for x in _matrix_atoms(u))


def _matrix_atoms(u: Any) -> list[Any]:
    """The matrix symbols' entries as a proxy for realness: a MatrixSymbol's entries are real here.

    SymPy's ``MatrixSymbol`` has no realness assumption; the derivations use real data, so a
    product of matrix symbols is treated as real.  Scalars in it must be real.
    """
    return [s for s in getattr(u, "free_symbols", set()) if not isinstance(s, sp.MatrixSymbol)]


def _is_gram(e: Any) -> Any:
    """``u`` if ``e`` is ``u.T * u`` (a matrix product) for a column ``u``, else ``None``."""
    if not isinstance(e, sp.MatMul):
        return None
    scalars, mats = _scalar_factors(e)
    if scalars or len(mats) < 2:
        return None
    # u.T * u with u = M1 * ... * Mk: the factors are the transposes of the reversed tail.
    k = len(mats)
    if k % 2:
        return None
    head, tail = mats[: k // 2], mats[k // 2:]
    u = sp.MatMul(*tail) if len(tail) > 1 else tail[0]
    if sp.Transpose(u).doit() != (sp.MatMul(*head).doit() if len(head) > 1 else head[0].doit()):
        return None
    if u.shape[1] != 1:
        return None
    return u


def nonnegative(e: Any) -> bool:
    """True if ``e`` is certified non-negative (see the module docstring)."""
    if getattr(e, "is_nonnegative", None) is True:
        return True
    if isinstance(e, (sp.Add, sp.MatAdd)):
        return all(nonnegative(a) for a in e.args)
    if isinstance(e, sp.Pow) and e.exp.is_even and e.base.is_real:
        return True
    if isinstance(e, sp.Sum):
        return nonnegative(e.function)
    if _is_gram(e) is not None and _real_column(_is_gram(e)):
        return True
    if isinstance(e, (sp.Mul, sp.MatMul)):
        scalars, mats = _scalar_factors(e)
        if not scalars:
            return False
        rest = (sp.MatMul(*mats) if len(mats) > 1 else mats[0]) if mats else sp.S.One
        return all(nonnegative(a) for a in scalars) and nonnegative(rest)
    return False


def positive_for_nonzero(e: Any, v: Any) -> bool:
    """True if ``e`` is certified positive for every real non-zero ``v`` (a column ``MatrixSymbol``).

    Parameters
    ----------
    e : sympy expression or 1x1 matrix expression
    v : MatrixSymbol of shape (n, 1)
    """
    if isinstance(e, (sp.Add, sp.MatAdd)):
        return all(nonnegative(a) for a in e.args) and any(positive_for_nonzero(a, v) for a in e.args)
    if isinstance(e, (sp.Mul, sp.MatMul)):
        u = _is_gram(e)
        if u is not None:
            return u == v
        scalars, mats = _scalar_factors(e)
        if not scalars:
            return False
        rest = (sp.MatMul(*mats) if len(mats) > 1 else mats[0]) if mats else None
        if rest is None:
            # a scalar product: one factor positive for v != 0, the others provably positive
            return any(positive_for_nonzero(a, v) and all(b.is_positive is True for b in scalars if b is not a)
                       for a in scalars)
        return all(a.is_positive is True for a in scalars) and positive_for_nonzero(rest, v)
    return False
