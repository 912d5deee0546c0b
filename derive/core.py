r"""Derivations as machine-checked chains of equations.

A :class:`Derivation` is an ordered list of :class:`Step` s.  Each step states an
equation ``lhs = rhs`` and a short sentence; it follows from an earlier step
(by default the previous one) either by rewriting (``rule=None``: the new right-hand
side must equal the old one) or by applying an operation such as a derivative or an
expectation (``rule``: the new right-hand side must equal ``rule(old)``).

Each step is checked one of three ways, and its result has a ``status`` that says
what was shown:

* ``check="symbolic"``: the difference reduces to zero under SymPy for symbolic
  sizes (see :func:`derive.zero.symbolic_zero`).  Status ``"proved"``.
* ``check="positive"``: as ``"symbolic"``, and the right-hand side is certified
  positive whenever the vector ``nonzero`` is non-zero (:mod:`derive.positivity`).
  Status ``"proved"``.
* ``check="exact"``: where SymPy cannot decide for symbolic sizes, the difference is
  evaluated at concrete sizes with random rational data (:func:`derive.zero.check_exactly`):
  at the sizes the step lists, at sizes drawn at random (one size symbol at a time in
  13..14, the others small, plus a mixed draw; the seed is ``1000 × seed + step number``
  and is recorded), and at the boundaries of any term gated on a size.  Rational values are
  compared with 0 exactly; only where transcendental values remain is a tolerance used
  (relative, 1e-80 at 100 digits).  Status ``"checked"``: true at the listed sizes, not
  proved for all sizes (the sizes are sum ranges and matrix shapes there, so no degree
  argument applies; see :mod:`derive.zero`).

A step that is a definition (the first step, or a restatement that introduces a
name) has status ``"definition"`` and is not checked; a step whose check fails has
status ``"failed"``.  ``StepResult.verified`` is true only for ``"proved"`` and ``"checked"``.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> d = Derivation("demo", "A square", [
...     Step("Definition.", sp.Symbol("f"), (x + 1) ** 2, check="definition"),
...     Step("Expand the square.", sp.Symbol("f"), x**2 + 2*x + 1),
... ])
>>> [r.ok for r in d.verify()]
[True, True]
>>> bad = d.replace_step(1, Step("Expand (wrongly).", sp.Symbol("f"), x**2 + 1))
>>> [r.ok for r in bad.verify()]
[True, False]
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import sympy as sp

from derive.positivity import positive_for_nonzero
from derive.zero import check_exactly, draw_sizes, symbolic_zero

__all__ = ["Step", "StepResult", "Derivation", "DerivationError", "CHECKS", "STATUSES", "step_seed", "planned_sizes"]

#: The ways a step can be checked.
CHECKS = ("definition", "symbolic", "exact", "positive")

#: What a step's check showed: ``verified`` is true only for "proved" and "checked".
STATUSES = ("definition", "proved", "checked", "failed")


def step_seed(seed: int, index: int) -> int:
    """The seed of step ``index``'s random sizes and data: ``1000 * seed + index + 1``."""
    return 1000 * int(seed) + index + 1


def planned_sizes(step: Step, index: int, seed: int = 0) -> list[dict[Any, Any]]:
    """The random sizes an exact check of step ``index`` draws with ``seed`` (besides the listed ones)."""
    if step.check != "exact":
        return []
    rng = np.random.default_rng(step_seed(seed, index))
    return draw_sizes(step.sizes, rng, ranges=step.ranges, where=step.where)


class DerivationError(RuntimeError):
    """A derivation step failed its machine check."""


@dataclass(frozen=True)
class Step:
    """One step of a derivation.

    Parameters
    ----------
    text : str
        A short sentence saying what the step does.
    lhs, rhs : sympy expression
        The step's equation ``lhs = rhs``.
    why : str, optional
        The justification (e.g. ``"E[δ] = 0 and E[δδᵀ] = σ²I"``), shown to readers.
    rule : callable, optional
        An operation applied to the right-hand side of the step this one follows
        (e.g. ``lambda e: sp.diff(e, W[i, p])``).  ``None`` means a rewrite.
    check : {"symbolic", "exact", "positive", "definition"}
        How the step is machine-checked.
    sizes : sequence of mappings
        For ``check="exact"``: concrete values of the size and free index symbols
        (e.g. ``[{d: 2, N: 3}, {d: 3, N: 2}]``), always checked; random sizes are drawn besides.
    follows : str or None
        ``label`` of the step this one follows; ``None`` means the previous step.
    label : str, optional
        A name other steps (and the renderers) can refer to.
    assume : mapping, optional
        Index ranges ``{symbol: (low, high)}`` the check may assume (used to drop
        the range guards SymPy puts on Kronecker-delta sums).
    simplify : callable, optional
        A problem-specific normaliser applied to the difference before the generic
        pipeline (e.g. collapsing sums of Kronecker deltas).
    ranges : mapping, optional
        For ``check="exact"``: ``{symbol: (low, high)}`` ranges of the random sizes that replace
        the defaults of :func:`derive.zero.draw_sizes` (use it to keep an expensive check small
        in one size, or to draw a free index ``p: (0, d - 1)``).
    where : callable, optional
        For ``check="exact"``: a condition random sizes must satisfy (e.g. ``N >= d``).
    nonzero : MatrixSymbol, optional
        For ``check="positive"``: the column vector whose non-zero values make the right-hand
        side positive.
    """

    text: str
    lhs: Any
    rhs: Any
    why: str = ""
    rule: Callable[[Any], Any] | None = None
    check: str = "symbolic"
    sizes: Sequence[Mapping[sp.Symbol, int]] = ()
    follows: str | None = None
    label: str | None = None
    assume: Mapping[sp.Symbol, tuple[Any, Any]] = field(default_factory=dict)
    simplify: Callable[[Any], Any] | None = None
    ranges: Mapping[sp.Symbol, tuple[Any, Any]] | None = None
    where: Callable[[Mapping[sp.Symbol, int]], bool] | None = None
    nonzero: Any = None

    def __post_init__(self) -> None:
        if self.check not in CHECKS:
            raise ValueError(f"Step.check: expected one of {CHECKS}, got {self.check!r}")
        if self.check == "exact" and not self.sizes:
            raise ValueError(f"Step {self.text!r}: check='exact' needs at least one concrete size in `sizes`")
        if self.check == "positive" and not isinstance(self.nonzero, sp.MatrixSymbol):
            raise ValueError(f"Step {self.text!r}: check='positive' needs `nonzero`, the column MatrixSymbol v "
                             f"for which the right-hand side is positive when v != 0; got {self.nonzero!r}")


@dataclass(frozen=True)
class StepResult:
    """The outcome of checking one step.

    Attributes
    ----------
    ok : bool
        The step is a definition or its check passed.
    method : str
        ``"definition"``, ``"symbolic"``, ``"symbolic and positivity"``, ``"exact"`` (every
        value rational, compared exactly) or ``"exact and numeric"`` (transcendental values
        remained: relative tolerance 1e-80 at 100 digits).
    status : str
        One of :data:`STATUSES`; derived from ``ok`` and ``method`` when not given.
    sizes : tuple of dict
        For exact checks: every size evaluated at (listed, drawn, gate boundaries), in order.
    drawn : int
        How many of ``sizes`` were drawn at random (they follow the listed ones).
    seed : int or None
        The seed of the random sizes and data (:func:`step_seed`).
    """

    index: int
    step: Step
    ok: bool
    method: str
    detail: str
    seconds: float
    status: str = ""
    sizes: tuple[dict[str, int], ...] = ()
    drawn: int = 0
    seed: int | None = None

    def __post_init__(self) -> None:
        if not self.status:
            status = ("failed" if not self.ok else "definition" if self.method == "definition"
                      else "checked" if self.method.startswith("exact") else "proved")
            object.__setattr__(self, "status", status)
        if self.status not in STATUSES:
            raise ValueError(f"StepResult.status: expected one of {STATUSES}, got {self.status!r}")

    @property
    def verified(self) -> bool:
        """True only when the step was proved or checked (a definition is not verified)."""
        return self.status in ("proved", "checked")


@dataclass(frozen=True)
class Derivation:
    """An ordered, machine-checkable list of steps ending in a result.

    Parameters
    ----------
    key : str
        Short identifier used on the command line (``"noisy"``, ``"softmax"``, ...).
    title : str
        Human-readable title.
    steps : list of Step
    symbols : mapping, optional
        ``{name: description}`` of the symbols, with shapes, for readers.
    results : tuple of str
        Labels of the steps that are the derivation's results (default: the last).
    notation : mapping, optional
        Overrides of :data:`derive.notation.DEFAULT_NOTATION` for rendering.
    """

    key: str
    title: str
    steps: Sequence[Step]
    symbols: Mapping[str, str] = field(default_factory=dict)
    results: tuple[str, ...] = ()
    notation: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        labels = [s.label for s in self.steps if s.label]
        if len(labels) != len(set(labels)):
            raise ValueError(f"Derivation {self.key!r}: duplicate step labels {labels}")
        known = set(labels)
        for s in self.steps:
            if s.follows is not None and s.follows not in known:
                raise ValueError(f"Derivation {self.key!r}: step {s.text!r} follows unknown label {s.follows!r}")

    # -- access -----------------------------------------------------------------
    def step(self, label: str) -> Step:
        """Return the step with ``label``."""
        for s in self.steps:
            if s.label == label:
                return s
        raise KeyError(f"{self.key}: no step labelled {label!r}; labels: {[s.label for s in self.steps if s.label]}")

    @property
    def result(self) -> Step:
        """The final result (the last step, or the first of ``results``)."""
        return self.step(self.results[0]) if self.results else self.steps[-1]

    def result_steps(self) -> list[Step]:
        """Every step named as a result (default: the last step)."""
        return [self.step(r) for r in self.results] if self.results else [self.steps[-1]]

    def replace_step(self, index: int, new: Step) -> Derivation:
        """Return a copy with step ``index`` replaced (used to test that checking can fail)."""
        steps = list(self.steps)
        steps[index] = new
        return replace(self, steps=steps)

    def _premise(self, index: int) -> Step | None:
        s = self.steps[index]
        if s.follows is not None:
            return self.step(s.follows)
        return self.steps[index - 1] if index > 0 else None

    # -- checking ---------------------------------------------------------------
    def check_step(self, index: int, rng: np.random.Generator | None = None, *, seed: int | None = None) -> StepResult:
        """Check step ``index`` against the step it follows.

        ``seed`` (default: drawn from ``rng``, or 0) fixes the random sizes and data of an
        exact check through :func:`step_seed`.
        """
        s = self.steps[index]
        t0 = time.perf_counter()
        if seed is None:
            seed = int(rng.integers(0, 2**31)) if rng is not None else 0
        if s.check == "definition":
            return StepResult(index, s, True, "definition", "definition (not checked)", time.perf_counter() - t0)
        premise = self._premise(index)
        if premise is None:
            return StepResult(index, s, False, s.check, "a checked step needs a premise", time.perf_counter() - t0)
        try:
            target = s.rule(premise.rhs) if s.rule is not None else premise.rhs
        except Exception as exc:  # a rule that cannot be applied is a failed step
            return StepResult(index, s, False, s.check, f"rule failed: {exc!r}", time.perf_counter() - t0)
        extra: dict[str, Any] = {}
        try:
            diff = _difference(target, s.rhs)
            if s.check in ("symbolic", "positive"):
                verdict = symbolic_zero(diff, assume=s.assume, normalise=s.simplify)
                ok = verdict is True
                detail = "difference reduces to 0 for symbolic sizes" if ok else (
                    "difference is provably non-zero" if verdict is False
                    else "SymPy could not reduce the difference to 0")
                method = "symbolic"
                if ok and s.check == "positive":
                    method = "symbolic and positivity"
                    if positive_for_nonzero(_doit(s.rhs), s.nonzero):
                        detail += f"; the right-hand side is positive for every {s.nonzero} ≠ 0 (sum of squares)"
                    else:
                        ok, detail = False, f"could not show the right-hand side positive for every {s.nonzero} ≠ 0"
            else:
                out = check_exactly(diff, s.sizes, seed=step_seed(seed, index), ranges=s.ranges, where=s.where,
                                    normalise=s.simplify)
                ok, method, detail = out.ok, out.how, out.detail
                extra = {"sizes": out.sizes, "drawn": out.drawn, "seed": out.seed}
        except Exception as exc:  # e.g. a ShapeError from a transposed claim: a failed step, not a crash
            return StepResult(index, s, False, s.check, f"check failed: {type(exc).__name__}: {exc}",
                              time.perf_counter() - t0)
        return StepResult(index, s, ok, method, detail, time.perf_counter() - t0, **extra)

    def verify(self, rng: np.random.Generator | None = None, *, seed: int | None = None) -> list[StepResult]:
        """Check every step; return one :class:`StepResult` per step.

        ``seed`` (default: drawn once from ``rng``, or 0) fixes every random size and data set.
        """
        if seed is None:
            seed = int(rng.integers(0, 2**31)) if rng is not None else 0
        return [self.check_step(i, seed=seed) for i in range(len(self.steps))]

    def verify_or_raise(self, rng: np.random.Generator | None = None) -> list[StepResult]:
        """Like :meth:`verify` but raise :class:`DerivationError` on the first failure."""
        results = self.verify(rng)
        for r in results:
            if not r.ok:
                raise DerivationError(f"{self.key}: step {r.index + 1} ({r.step.text!r}) failed: {r.detail}")
        return results

    # -- presentation -------------------------------------------------------------
    def to_latex(self) -> str:
        """The steps as a LaTeX ``align*`` block in the homework's notation."""
        from derive.latex import derivation_latex

        return derivation_latex(self)

    def _repr_latex_(self) -> str:  # Jupyter: one MathJax display, an aligned row per step
        from derive.latex import derivation_display

        return derivation_display(self)

    def _repr_markdown_(self) -> str:  # Jupyter (markdown + MathJax)
        from derive.latex import derivation_markdown

        return derivation_markdown(self)


def _doit(e: Any) -> Any:
    try:
        return e.doit()
    except (TypeError, ValueError, AttributeError):
        return e


def _difference(a: Any, b: Any) -> Any:
    """``a - b`` for scalars and matrices; for two parametrised sets, the difference of the parametrisations.

    Two ``ImageSet`` s over the same base set are equal when their maps are equal
    (sound, if conservative: different maps may still give one set).
    """
    if isinstance(a, sp.ImageSet) or isinstance(b, sp.ImageSet):
        if not (isinstance(a, sp.ImageSet) and isinstance(b, sp.ImageSet)) or a.base_sets != b.base_sets:
            return sp.Integer(1)  # not comparable as parametrised sets: report non-zero
        va, vb = a.lamda.variables, b.lamda.variables
        return a.lamda.expr - b.lamda.expr.xreplace(dict(zip(vb, va)))
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
        return sp.Matrix(a) - sp.Matrix(b)
    return a - b
