r"""A problem's context for checking derivations: its symbols, sizes, definitions and data.

Each problem package has a ``context.py`` whose ``CONTEXT`` is a :class:`Context`;
:func:`get_context` collects them through the registry (the ``context`` part of
:class:`derive.registry.Problem`), so a new problem adds its own file and nothing here.

A context says which written names mean what (``x`` and ``X`` are the inputs,
``\theta`` the parameters, ``C`` the class count ...), the sizes they have, the
homework's definitions (``L(\theta)``, ``\tilde{L}(\theta)``, ``\mathcal{L}``,
``\operatorname{softmax}_i(x)``, the hinge loss ...) as trees in the numpy-like
syntax of :mod:`derive.answers.parser`, and how to draw random data.  Sizes are
drawn from small ranges *and* from wide ones, with unrounded data, so that a wrong
line that happens to agree at a few small sizes is still caught.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from derive.answers.ast_nodes import Node
from derive.answers.parser import parse_expression
from derive.answers.vocabulary import Vocabulary

__all__ = ["Symbol", "Definition", "Context", "get_context", "context_keys"]


@dataclass(frozen=True)
class Symbol:
    r"""A named input: ``name`` (its id in the tree), its ``shape`` in size names and how it is written.

    ``kind`` is "input" (data or parameter), "noise" (the Gaussian noise, integrated by
    :math:`\mathbb{E}_\delta`), "label" (integer class labels) or "constant" (e.g. the identity).
    """

    name: str
    shape: tuple[str, ...]
    description: str
    spellings: tuple[str, ...] = ()
    kind: str = "input"


@dataclass(frozen=True)
class Definition:
    r"""A name the homework defines, e.g. ``L(\theta)`` or ``\operatorname{softmax}_i(x)``.

    ``expression`` is in the numpy-like syntax; ``params`` are the names of its
    arguments in parentheses (``L(\theta)``: ``("theta",)``) and ``subscripts`` the
    names of its subscripts (``softmax_i``: ``("i_",)``); a use substitutes what is
    written for them.  ``bound`` gives the range of the expression's own sum indices.
    """

    name: str
    spellings: tuple[str, ...]
    expression: str
    description: str
    params: tuple[str, ...] = ()
    subscripts: tuple[str, ...] = ()
    bound: Mapping[str, str] = field(default_factory=dict)
    param_ndims: Mapping[str, int] = field(default_factory=dict)
    applied: str | None = None  # the definition meant when the name is followed by "(" (P vs P(y | x, θ))
    build: Callable[[], Node] | None = None  # the tree itself, for what the numpy-like syntax cannot say


@dataclass(frozen=True, eq=False)
class Context:
    """Everything a derivation of one problem may refer to (see the module docstring)."""

    key: str
    title: str
    symbols: tuple[Symbol, ...]
    sizes: Mapping[str, str]  # size name -> description
    small: Mapping[str, tuple[int, int]]
    wide: Mapping[str, tuple[int, int]]
    make_data: Callable[[dict[str, int], np.random.Generator], dict[str, Any]]
    definitions: tuple[Definition, ...] = ()
    size_spellings: Mapping[str, str] = field(default_factory=dict)
    noise_scale: str | None = None  # the noise's standard deviation (sigma)
    label_size: str | None = None  # what a label compares with (classes)
    sigma_means_softmax: bool = False
    kink: str | None = None  # a description of the non-differentiable point, if any
    max_noise_entries: int = 48  # cap on the noise's entries where a line takes an expectation
    bare: Mapping[str, str] = field(default_factory=dict)  # spelling without a sample index -> one sample's vector
    #: terms a wrong line may have dropped or added (placeholders: a definition's subscripts, bound to the
    #: line's free indices of the same size); the diagnosis names them
    terms: tuple[Definition, ...] = ()
    #: term name -> {k: "code: message"}: what it means that k × the term is missing (checked before the generic
    #: "missing term" message)
    term_hints: Mapping[str, Mapping[float, str]] = field(default_factory=dict)
    sample_subscript: bool = True  # x_j is sample j (else: entry j of the bare vector x)
    default_variable: str | None = None  # what \nabla differentiates by when it has no subscript
    #: the model's parameters (what a point may be moved in, e.g. onto a kink); empty: none may move
    parameters: tuple[str, ...] = ()
    #: the homework's own sizes (CIFAR-10: 10 classes); a written number that holds only there is said to
    homework: Mapping[str, int] = field(default_factory=dict)

    # -- names ------------------------------------------------------------------------
    @property
    def by_name(self) -> dict[str, Symbol]:
        return {s.name: s for s in self.symbols}

    def spelled(self) -> dict[str, str]:
        """Written spelling -> symbol, size or definition name."""
        out: dict[str, str] = {}
        for s in self.symbols:
            for sp in s.spellings:
                out[sp] = s.name
        for d in self.definitions:
            for sp in d.spellings:
                out[sp] = "def:" + d.name
        out.update({k: "size:" + v for k, v in self.size_spellings.items()})
        out.update({k: "size:" + k for k in self.sizes})
        return out

    def definition(self, name: str) -> Definition:
        return {d.name: d for d in self.definitions + self.terms}[name]

    def ndims(self) -> dict[str, int]:
        out = {s.name: len(s.shape) for s in self.symbols}
        out.update({k: 0 for k in self.sizes})
        return out

    @lru_cache(maxsize=64)  # noqa: B019 - contexts are module-level constants
    def definition_tree(self, name: str) -> Node:
        """The parsed expression of definition ``name`` (trusted text of the context)."""
        d = self.definition(name)
        if d.build is not None:
            return d.build()
        ndims = self.ndims()
        ndims.update({x.name: 2 for x in self.definitions if not x.params and not x.subscripts})
        ndims.update({p: d.param_ndims.get(p, 1) for p in d.params})
        ndims.update({p: 0 for p in d.subscripts})
        vocab = Vocabulary(ndims, frozenset(d.bound) | frozenset(d.subscripts), {}, dict(d.bound))
        return parse_expression(d.expression, vocab)

    def axis_sizes(self, name: str) -> tuple[str, ...] | None:
        s = self.by_name.get(name)
        return None if s is None else s.shape

    # -- instances ----------------------------------------------------------------------
    def size_grid(self, count: int, rng: np.random.Generator, *, cap: Mapping[str, int] | None = None,
                  noise_cap: int | None = None) -> list[dict[str, int]]:
        """``count`` size combinations: two small ones, then random ones over the wide ranges."""
        def clip(s: dict[str, int]) -> dict[str, int]:
            out = {k: min(v, (cap or {}).get(k, v)) for k, v in s.items()}
            noise = [x for x in self.symbols if x.kind == "noise"]
            if noise_cap is not None and noise:
                while int(np.prod([out[a] for a in noise[0].shape])) > noise_cap:
                    big = max(noise[0].shape, key=lambda a: out[a])
                    out[big] = max(self.small[big][0], out[big] // 2)
                    if all(out[a] == self.small[a][0] for a in noise[0].shape):
                        break
            return out
        head = [{k: lo for k, (lo, _) in self.small.items()}, {k: hi for k, (_, hi) in self.small.items()}]
        rest = []
        for _ in range(max(0, count - len(head))):
            rest.append({k: int(rng.integers(lo, hi + 1)) for k, (lo, hi) in self.wide.items()})
        return [clip(s) for s in head + rest][:count]


def context_keys() -> tuple[str, ...]:
    """The problems that have a derivation context, in the registry's order."""
    from derive.problems import PROBLEMS

    return tuple(p.key for p in PROBLEMS if p.context is not None)


def get_context(key: str) -> Context:
    """The :class:`Context` of problem ``key``.

    Raises
    ------
    ValueError
        An unknown problem, or one without a context.
    """
    from derive.problems import PROBLEMS

    for p in PROBLEMS:
        if p.key == key and p.context is not None:
            return p.context()
    raise ValueError(f"problem: expected one of {', '.join(context_keys())}; got {key!r}")
