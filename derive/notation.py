r"""The homework's notation: symbols and unevaluated operators shared by the derivations.

The renderer in :mod:`derive.latex` prints these the way the homework writes them.
The maths modules build their expressions from these so that every derivation
speaks the same language.

Indexed names and how they print (``style`` "sample": first index is the sample,
shown as a superscript in parentheses; "param": all indices as subscripts):

=============  ==========================  ===================
base           element                     prints as
=============  ==========================  ===================
``X[j, k]``    feature k of sample j       ``x^{(j)}_{k}``
``y[j]``       label of sample j           ``y^{(j)}``
``delta[j,k]`` noise on feature k of j     ``\delta^{(j)}_{k}``
``theta[k]``   parameter k                 ``\theta_{k}``
``W[i, k]``    weight k of class i         ``w_{i,k}``
``b[i]``       bias of class i             ``b_{i}``
=============  ==========================  ===================

Examples
--------
>>> from derive.latex import to_latex
>>> to_latex(Expect(DELTA[0, 1] ** 2, DELTA))
'\\mathbb{E}_{\\delta}\\left[\\left(\\delta^{(0)}_{1}\\right)^{2}\\right]'
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "DEFAULT_NOTATION",
    "Expect",
    "Grad",
    "X", "Y", "DELTA", "THETA", "W", "B", "Z",
]

#: base name -> (LaTeX name, style); style "sample" or "param".
DEFAULT_NOTATION: dict[str, tuple[str, str]] = {
    "X": ("x", "sample"),
    "x": ("x", "param"),
    "y": ("y", "sample"),
    "delta": (r"\delta", "sample"),
    "theta": (r"\theta", "param"),
    "W": ("w", "param"),
    "b": ("b", "param"),
    "z": ("z", "param"),
    "Z": ("z", "sample"),
    "P": ("P", "param"),
}

X = sp.IndexedBase("X", real=True)
Y = sp.IndexedBase("y", integer=True)
DELTA = sp.IndexedBase("delta", real=True)
THETA = sp.IndexedBase("theta", real=True)
W = sp.IndexedBase("W", real=True)
B = sp.IndexedBase("b", real=True)
Z = sp.IndexedBase("Z", real=True)


class Expect(sp.Function):
    r"""Unevaluated expectation :math:`\mathbb{E}_{v}[e]` over the random quantity ``v``.

    Taking the expectation is a derivation *step* (see :mod:`derive.noisy`), not
    something SymPy does behind our back, so this operator never evaluates itself.
    """

    nargs = 2

    @classmethod
    def eval(cls, expr, over):  # noqa: D102 - never auto-evaluates
        return None


class Grad(sp.Function):
    r"""Unevaluated gradient :math:`\nabla_{v} e` (a label for the left-hand side of a step)."""

    nargs = 2

    @classmethod
    def eval(cls, expr, wrt):  # noqa: D102
        return None
