"""What an answer may use: the question's names (:class:`Vocabulary`).

The functions are in the one table :data:`derive.answers.functions.FUNCTIONS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Vocabulary", "GREEK"]

#: Greek letters typed as themselves -> the names answers use
GREEK = {"σ": "sigma", "θ": "theta", "λ": "lambda", "δ": "delta", "μ": "mu", "α": "alpha", "β": "beta",
         "η": "eta", "ε": "epsilon"}

@dataclass(frozen=True)
class Vocabulary:
    """The names an answer may use.

    Parameters
    ----------
    ndims : mapping
        Every usable name (symbols, derived quantities, sizes, indices) -> its
        number of dimensions (0 for scalars, sizes and indices).
    indices : frozenset of str
        Names that are indices: they may be summed over (``sum_j``) or subscript.
    aliases : mapping
        Alternative spellings, e.g. ``{"x": "X"}`` so that ``x_j`` means ``X[j]``.
    ranges : mapping
        Index -> the size it runs over (``{"j": "N"}``: j = 0..N-1), for the
        limits of a LaTeX ``\\sum``.
    """

    ndims: Mapping[str, int]
    indices: frozenset[str] = frozenset()
    aliases: Mapping[str, str] = field(default_factory=dict)
    ranges: Mapping[str, str] = field(default_factory=dict)

    def resolve(self, name: str) -> str | None:
        """The canonical name of ``name`` (Greek letters may be typed as σ, θ), or None if unknown."""
        name = GREEK.get(name, name)
        name = self.aliases.get(name, name)
        return name if name in self.ndims or name in self.indices else None

    def subscriptable(self) -> dict[str, str]:
        """Names usable as ``name_j``: array symbols and their aliases."""
        out = {n: n for n, k in self.ndims.items() if k >= 1}
        out.update({a: t for a, t in self.aliases.items() if self.ndims.get(t, 0) >= 1})
        return out

    def known(self) -> str:
        """A readable list of the usable names."""
        return ", ".join(sorted(set(self.ndims) | set(self.indices)))
