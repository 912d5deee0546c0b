r"""What a question is: its symbols and shapes, its reference, and its random instances.

A :class:`Question` knows everything needed to check an answer: the names an
answer may use (with shapes, for ``--list`` and for the parsers), the expected
shape of the result, how to draw random instances (sizes from small ranges,
data from a seeded :class:`numpy.random.Generator`), the reference — a call of
the numpy function lambdified from the derivation in :mod:`derive` — and, for the
diagnosis, the reference's terms and some known wrong answers.

The questions themselves are in :mod:`derive.answers.catalogue`.

Examples
--------
>>> from derive.answers.catalogue import get_question
>>> q = get_question("noisy.ridge_gradient")
>>> q.expected_shape({"N": 3, "d": 2})
(2,)
>>> [s.describe() for s in q.symbols][:2]
['X: (N, d) inputs, one sample per row', 'y: (N,) targets']
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from derive.answers.vocabulary import Vocabulary

__all__ = ["SymbolSpec", "Term", "Variant", "Question", "Instance", "SYNTAXES", "DYADIC"]

#: Exact data are multiples of 1/DYADIC.
DYADIC = 2**20


def _log_uniform_int(rng: np.random.Generator, lo: int, hi: int) -> int:
    """A whole number in [lo, hi], log-uniformly (small and large values both common)."""
    return int(min(hi, max(lo, np.floor(np.exp(rng.uniform(np.log(lo + 0.5), np.log(hi + 1)))))))


def _rational(value: Any) -> Any:
    """A float (array) as exact SymPy rationals on the 1/DYADIC grid; integers stay integers."""
    import sympy as sp

    a = np.asarray(value)
    if a.dtype.kind in "iub":
        return value if a.ndim == 0 else np.vectorize(sp.Integer, otypes=[object])(a)
    def one(x: float) -> Any:
        return sp.Rational(int(round(float(x) * DYADIC)), DYADIC)
    return one(a) if a.ndim == 0 else np.vectorize(one, otypes=[object])(a)

#: the three answer syntaxes (keys of :attr:`Question.examples`).
SYNTAXES = ("numpy", "index", "latex")


@dataclass(frozen=True)
class SymbolSpec:
    """A name an answer may use.

    ``kind`` is "input" (data or parameter), "derived" (computed from the inputs,
    e.g. the softmax probabilities P), "size", "index" (a given index such as the
    class i), "bound" (summed over: j) or "stacked" (a free index whose values
    make up the result's axes).  ``positive`` says a scalar input is > 0 (σ).
    """

    name: str
    shape: tuple[str, ...]
    description: str
    kind: str = "input"
    positive: bool = False

    def describe(self) -> str:
        """``name: shape description`` as ``--list`` shows it."""
        if self.kind in ("size", "index", "bound", "stacked"):
            return f"{self.name}: {self.description}"
        shape = "scalar" if not self.shape else "(" + ", ".join(self.shape) + ("," if len(self.shape) == 1 else "") + ")"
        return f"{self.name}: {shape} {self.description}"


@dataclass(frozen=True)
class Term:
    """One additive term of the reference, written in the numpy-like syntax.

    ``coefficient`` is its coefficient in the reference (0 for a term that should
    *not* be there, e.g. the data loss in R); ``sigma_power`` the power of σ in it.
    """

    name: str
    expression: str
    coefficient: float = 1.0
    sigma_power: int = 0


@dataclass(frozen=True)
class Variant:
    """A known wrong answer, written in the numpy-like syntax, and the mistake it shows."""

    mistake: str
    code: str
    expression: str


@dataclass(frozen=True, eq=False)
class Instance:
    """One random instance: its sizes and the values of every name."""

    sizes: dict[str, int]
    env: dict[str, Any]
    shown: dict[str, Any]  # the inputs shown in a counterexample


@dataclass(frozen=True)
class Question:
    """A derived result an answer is checked against (see the module docstring)."""

    id: str
    prompt: str
    symbols: tuple[SymbolSpec, ...]
    shape: tuple[str, ...]
    examples: Mapping[str, str]
    sizes: Mapping[str, tuple[int, int]]
    make_data: Callable[[dict[str, int], np.random.Generator], dict[str, Any]]
    reference: Callable[[dict[str, Any]], Any]
    aliases: Mapping[str, str] = field(default_factory=dict)
    terms: tuple[Term, ...] = ()
    variants: tuple[Variant, ...] = ()
    sigma_power: int | None = None  # power of σ in the whole reference (for σ-power diagnosis)
    symbolic: Callable[[dict[str, Any]], Any] | None = None  # SymPy reference on SymPy values
    symbolic_sizes: tuple[Mapping[str, int], ...] = ()  # non-empty: the reference needs concrete sizes
    case_split: bool = False  # the derived result has case splits (indicators) in the data
    tall: Mapping[str, int] = field(default_factory=dict)  # size -> largest value drawn with the others smallest
    exact_adjust: Callable[[dict[str, Any], np.random.Generator], None] | None = None  # edits exact data in place
    rational_names: bool = True  # False: a derived name (P) is not a rational function of the data
    #: recomputes the derived names exactly from exact inputs (P = softmax of rational scores, in powers
    #: of e), for answers that recompute them (exp, softmax); may move the inputs to a coarser grid
    exact_derived: Callable[[dict[str, Any], bool], None] | None = None  # (env, coarse)
    exact_derived_largest: int = 3  # largest size of those instances (their exact algebra grows fast)

    # -- names ------------------------------------------------------------------------
    @property
    def ranges(self) -> dict[str, str]:
        """Summation index -> the size it runs over."""
        return {s.name: s.shape[0] for s in self.symbols if s.kind == "bound"}

    @property
    def stacked(self) -> tuple[tuple[str, str], ...]:
        """Free indices (name, size) whose values make up the result's axes, in order."""
        return tuple((s.name, s.shape[0]) for s in self.symbols if s.kind == "stacked")

    def vocabulary(self) -> Vocabulary:
        """The names an answer to this question may use."""
        ndims = {s.name: len(s.shape) for s in self.symbols if s.kind in ("input", "derived")}
        ndims.update({s.name: 0 for s in self.symbols if s.kind in ("size", "index")})
        indices = frozenset(s.name for s in self.symbols if s.kind in ("index", "bound", "stacked"))
        return Vocabulary(ndims, indices, dict(self.aliases), self.ranges)

    def expected_shape(self, sizes: Mapping[str, int]) -> tuple[int, ...]:
        """The result's shape at concrete ``sizes``."""
        return tuple(int(sizes[s]) for s in self.shape)

    def shape_text(self) -> str:
        """The expected shape in size names, e.g. ``(d,)`` or ``scalar``."""
        if not self.shape:
            return "scalar"
        return "(" + ", ".join(self.shape) + ("," if len(self.shape) == 1 else "") + ")"

    # -- instances ------------------------------------------------------------------------
    def size_grid(self, count: int, rng: np.random.Generator) -> list[dict[str, int]]:
        """``count`` size combinations over wide ranges.

        The smallest combinations, all sizes at their largest, each size of :attr:`tall`
        drawn large with the others at their smallest, then sizes drawn at random
        (log-uniformly, so small and large sizes are both common).
        """
        names = list(self.sizes)
        lows = {n: lo for n, (lo, _) in self.sizes.items()}
        small = sorted(itertools.product(*(range(lo, min(hi, lo + 2) + 1) for lo, hi in self.sizes.values())),
                       key=lambda c: (sum(c), c))
        grid = [dict(zip(names, c)) for c in small[:3]]
        grid.append({n: hi for n, (_, hi) in self.sizes.items()})
        for n, top in self.tall.items():
            grid.append({**lows, n: int(rng.integers(max(self.sizes[n][1] + 1, top // 2), top + 1))})
        while len(grid) < count:
            grid.append({n: _log_uniform_int(rng, lo, hi) for n, (lo, hi) in self.sizes.items()})
        return grid[:count]

    def exact_size_grid(self, count: int, rng: np.random.Generator, largest: int = 6) -> list[dict[str, int]]:
        """``count`` size combinations for the exact (rational) check: small to moderate sizes."""
        names = list(self.sizes)
        grid = [dict(zip(names, (lo for lo, _ in self.sizes.values())))]
        grid.append({n: min(hi, max(lo, largest)) for n, (lo, hi) in self.sizes.items()})
        while len(grid) < count:
            grid.append({n: int(rng.integers(lo, min(hi, max(lo, largest)) + 1)) for n, (lo, hi) in self.sizes.items()})
        return grid[:count]

    def instances(self, count: int, rng: np.random.Generator) -> list[Instance]:
        """``count`` random float instances over wide sizes (see :meth:`size_grid`)."""
        return [self._instance(sizes, rng) for sizes in self.size_grid(count, rng)]

    def exact_instances(self, count: int, rng: np.random.Generator, *, consistent: bool = False,
                        extra_sizes: Sequence[Mapping[str, int]] = ()) -> list[Instance]:
        """``count`` instances whose data are exact SymPy rationals (dyadic, 2⁻²⁰ apart).

        With ``consistent`` (and :attr:`exact_derived` set) the derived names are recomputed
        exactly from the inputs (the softmax P in powers of e) at sizes up to
        :attr:`exact_derived_largest` — the first instance with the inputs on the fine grid,
        the others on a coarse one; otherwise they are independent exact data.
        ``extra_sizes`` are evaluated too, after the grid (sizes past an answer's own zeros).
        """
        consistent = consistent and self.exact_derived is not None
        largest = self.exact_derived_largest if consistent else 6
        out = []
        for number, sizes in enumerate([*self.exact_size_grid(count, rng, largest), *map(dict, extra_sizes)]):
            inst = self._instance(sizes, rng)
            env = {k: (v if k in sizes else _rational(v)) for k, v in inst.env.items()}
            if self.exact_adjust is not None:
                self.exact_adjust(env, rng)
            if consistent and self.exact_derived is not None:
                self.exact_derived(env, number > 0)  # the first (smallest) on the fine grid
            shown = {k: env[k] for k in inst.shown}
            out.append(Instance(dict(sizes), env, shown))
        return out

    def _instance(self, sizes: Mapping[str, int], rng: np.random.Generator) -> Instance:
        data = self.make_data(dict(sizes), rng)
        kinds = ("input", "index", "derived")
        shown = {k: v for k, v in data.items() if k != "I" and k in {s.name for s in self.symbols if s.kind in kinds}}
        return Instance(dict(sizes), {**sizes, **data}, shown)

    def reference_value(self, instance: Instance) -> NDArray[np.float64]:
        """The derived reference on ``instance`` (float64)."""
        return np.asarray(self.reference(instance.env), dtype=np.float64)
