r"""Expectations over Gaussian noise, as a derivation rule.

:func:`gaussian_expectation` takes :math:`\mathbb{E}_\delta[\cdot]` of an expression
that is a polynomial of degree at most two in the entries of an indexed noise
array ``delta[j, k]`` with i.i.d. :math:`\mathcal{N}(0, \sigma^2)` entries, using only

* linearity over sums (``Add`` and ``Sum``) and over factors free of the noise;
* :math:`\mathbb{E}[\delta^{(j)}_k] = 0`;
* :math:`\mathbb{E}[\delta^{(j)}_k \delta^{(j')}_l] = \sigma^2\, \mathbb{1}\{j = j'\}\, \mathbb{1}\{k = l\}`
  (independent samples, :math:`\mathbb{E}[\delta\delta^\top] = \sigma^2 I` within a sample).

Anything else — a cubic term, a product of noisy sums, a noisy sum raised to a
power, noise in a summation bound — raises :class:`NotImplementedError`: the rule
never guesses.  A derivation expands the square first (a double sum), then
applies the rule (see :mod:`derive.noisy.maths`).

Examples
--------
>>> import sympy as sp
>>> from derive.notation import DELTA, THETA
>>> sigma = sp.Symbol("sigma", positive=True)
>>> j, k, l = sp.symbols("j k l", integer=True)
>>> gaussian_expectation(3 * DELTA[j, k] * THETA[k], DELTA, sigma)
0
>>> gaussian_expectation(DELTA[j, k] * DELTA[j, l] * THETA[k], DELTA, sigma)
sigma**2*KroneckerDelta(k, l)*theta[k]
>>> gaussian_expectation(DELTA[j, k] ** 3, DELTA, sigma)
Traceback (most recent call last):
...
NotImplementedError: E over delta: moments of degree 3 are not handled (term delta[j, k]**3)
"""

from __future__ import annotations

from typing import Any

import sympy as sp

__all__ = ["gaussian_expectation", "expectation_rule"]


def _is_noise(x: Any, noise: sp.IndexedBase) -> bool:
    return isinstance(x, sp.Indexed) and x.base == noise


def _moment(entries: list[sp.Indexed], sigma: sp.Expr, term: Any, noise: sp.IndexedBase) -> sp.Expr:
    """E of a product of noise entries (with multiplicity): degree 1 -> 0, degree 2 -> covariance."""
    if len(entries) == 1:
        return sp.S.Zero  # E[delta] = 0
    if len(entries) == 2:
        a, b = entries
        if len(a.indices) != len(b.indices):
            raise NotImplementedError(f"E over {noise}: entries {a} and {b} have different ranks")
        # E[delta_a delta_b] = sigma^2 * prod_i 1{a_i = b_i}  (i.i.d. entries)
        return sigma**2 * sp.Mul(*[sp.KroneckerDelta(u, v) for u, v in zip(a.indices, b.indices)])
    raise NotImplementedError(f"E over {noise}: moments of degree {len(entries)} are not handled (term {term})")


def gaussian_expectation(expr: Any, noise: sp.IndexedBase, sigma: sp.Expr) -> Any:
    r"""Take :math:`\mathbb{E}` over the i.i.d. :math:`\mathcal{N}(0, \sigma^2)` entries of ``noise``.

    Parameters
    ----------
    expr : sympy expression
        At most quadratic in the entries ``noise[...]``, with products of noise
        written out as (double) sums of products of entries.
    noise : IndexedBase
        The random array (e.g. :data:`derive.notation.DELTA`).
    sigma : sympy expression
        The noise's standard deviation.

    Returns
    -------
    sympy expression
        The expectation, with second moments as Kronecker deltas.

    Raises
    ------
    NotImplementedError
        On anything outside linearity and the first two moments.

    Notes
    -----
    .. math::

        \mathbb{E}[\delta^{(j)}_k] = 0, \qquad
        \mathbb{E}[\delta^{(j)}_k \delta^{(j')}_l] = \sigma^2\,
        \mathbb{1}\{j = j'\}\,\mathbb{1}\{k = l\}.
    """
    if not expr.has(noise):
        return expr
    if isinstance(expr, sp.Add):
        return sp.Add(*[gaussian_expectation(a, noise, sigma) for a in expr.args])
    if isinstance(expr, sp.Sum):
        for limit in expr.limits:
            if any(b.has(noise) for b in limit[1:]):
                raise NotImplementedError(f"E over {noise}: noise in summation bounds {limit}")
        inner = gaussian_expectation(expr.function, noise, sigma)
        return sp.S.Zero if inner == 0 else sp.Sum(inner, *expr.limits)
    if _is_noise(expr, noise) or isinstance(expr, sp.Pow):
        return _product(sp.S.One, [expr], expr, noise, sigma)
    if isinstance(expr, sp.Mul):
        const = [f for f in expr.args if not f.has(noise)]
        rand = [f for f in expr.args if f.has(noise)]
        c = sp.Mul(*const)
        if len(rand) == 1 and isinstance(rand[0], (sp.Add, sp.Sum)):
            return c * gaussian_expectation(rand[0], noise, sigma)  # E[c X] = c E[X]
        return _product(c, rand, expr, noise, sigma)
    raise NotImplementedError(f"E over {noise}: cannot take the expectation of {expr} ({type(expr).__name__})")


def _product(c: Any, factors: list[Any], term: Any, noise: sp.IndexedBase, sigma: sp.Expr) -> Any:
    """c * E[product of noise entries and their integer powers]."""
    entries: list[sp.Indexed] = []
    for f in factors:
        if _is_noise(f, noise):
            entries.append(f)
        elif isinstance(f, sp.Pow) and _is_noise(f.base, noise) and f.exp.is_Integer and f.exp > 0:
            entries.extend([f.base] * int(f.exp))
        else:
            raise NotImplementedError(
                f"E over {noise}: expected a product of noise entries, got factor {f} in {term}; "
                "expand products of sums into double sums first")
    return c * _moment(entries, sigma, term, noise)


def expectation_rule(noise: sp.IndexedBase, sigma: sp.Expr):  # noqa: ANN201 - a rule for Step(rule=...)
    """The rule ``e -> E_noise[e]`` for :class:`derive.core.Step`."""

    def rule(expr: Any) -> Any:
        return gaussian_expectation(expr, noise, sigma)

    rule.__name__ = f"E_{noise}"
    return rule
