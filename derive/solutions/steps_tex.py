r"""A derivation's steps as LaTeX for the worked solutions, each with how it was checked.

Every equation is printed from the step's SymPy expressions by
:func:`derive.latex.to_latex` (the homework's notation; ``long_frac_ratio`` turns
:math:`\frac{\sum\cdots}{N}` into :math:`\frac1N\sum\cdots`).  Nothing is typed by
hand.  Each display goes through the preamble's ``\fiteq`` macro, which shrinks
an equation only if it is wider than the line, so nothing overflows the margin.

Examples
--------
>>> import sympy as sp
>>> from derive.core import Derivation, Step
>>> x = sp.Symbol("x")
>>> d = Derivation("demo", "A square", [
...     Step("Definition.", sp.Symbol("f"), (x + 1) ** 2, check="definition"),
...     Step("Expand the square.", sp.Symbol("f"), x**2 + 2*x + 1, why="(a + b)² = a² + 2ab + b²")])
>>> print(step_latex(d, 1, d.verify()[1]))
\gpstep{2}{Expand the square.}{(a + b)\ensuremath{^{2}} = \ensuremath{a^{2}} + 2ab + \ensuremath{b^{2}}}{proved for symbolic sizes}
\fiteq{f = 1 + x^{2} + 2 x}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp

from derive.core import Derivation, StepResult, planned_sizes, step_seed
from derive.latex import to_latex
from derive.solutions.texttex import text_to_latex

__all__ = ["step_latex", "derivation_steps_latex", "check_phrase", "equation_latex", "PRINTER_SETTINGS"]

#: printer settings for every equation of the document
PRINTER_SETTINGS: dict[str, Any] = {"long_frac_ratio": 2}


def equation_latex(d: Derivation, lhs: Any, rhs: Any) -> str:
    """``lhs = rhs`` in the homework's notation with the derivation's notation overrides."""
    kw = {"notation": d.notation, **PRINTER_SETTINGS}
    return f"{to_latex(lhs, **kw)} = {to_latex(rhs, **kw)}"


def _sizes_phrase(sizes: Sequence[Mapping[Any, Any]], names: Sequence[str] | None = None) -> str:
    """``$(d, N) = (2, 2), (3, 2)$``: concrete sizes (integer entries only)."""
    rows = [{str(s): v for s, v in m.items() if isinstance(v, int) and not isinstance(v, bool)} for m in sizes]
    if not rows:
        return ""
    names = list(names) if names is not None else list(rows[0])
    if all(set(r) == set(names) for r in rows) and names:
        head = ", ".join(names)
        vals = ", ".join("(" + ", ".join(str(r[n]) for n in names) + ")" for r in rows)
        return f"$({head}) = {vals}$" if len(names) > 1 else f"${head} = {vals.replace('(', '').replace(')', '')}$"
    return "; ".join("$" + ", ".join(f"{k} = {v}" for k, v in r.items()) + "$" for r in rows if r)


def check_phrase(step: Any, result: StepResult | None, index: int | None = None) -> str:
    """What the step's check showed, for the right-hand margin: ``proved for symbolic sizes`` and so on.

    A failed check says ``FAILED`` in bold.  An exact check lists the sizes it was evaluated at:
    the listed ones, the random ones and their seed (from ``result``; without a result, or a result
    that does not record them, the sizes that :func:`derive.core.planned_sizes` draws for step
    ``index`` with seed 0).  ``result=None`` renders the declared check.
    """
    if result is not None and not result.ok:
        return r"\textbf{FAILED}: " + text_to_latex(result.detail)
    if step.check == "definition":
        return "definition (not checked)"
    if step.check == "symbolic":
        return "proved for symbolic sizes"
    if step.check == "positive":
        return f"proved for symbolic sizes; positive for ${to_latex(step.nonzero)} \\ne 0$"
    listed = [{k: v for k, v in m.items() if isinstance(k, sp.Symbol)} for m in step.sizes]
    if result is not None and result.sizes:
        n = len(step.sizes)
        drawn, seed = list(result.sizes[n:n + result.drawn]), result.seed
        gates = list(result.sizes[n + result.drawn:])
    else:
        seed = step_seed(0, index) if index is not None else None
        drawn = [{k: v for k, v in m.items() if isinstance(k, sp.Symbol)}
                 for m in (planned_sizes(step, index) if index is not None else [])]
        gates = []
    names = [str(k) for k in listed[0]]
    numeric = result is not None and "numeric" in result.method
    text = ("checked exactly" if not numeric else "checked (exact rationals; to 80 digits where logarithms and "
            "exponentials remain)") + " at " + _sizes_phrase(listed, names)
    if drawn:
        text += " and at random sizes " + _sizes_phrase(drawn, names) + f" (seed {seed})"
    if gates:
        text += " and at the gate boundaries " + _sizes_phrase(gates, names)
    return text


def step_latex(d: Derivation, index: int, result: StepResult | None) -> str:
    r"""Step ``index`` of ``d``: ``\gpstep{n}{text}{why}{check}`` and its ``\fiteq{lhs = rhs}``."""
    s = d.steps[index]
    head = (f"\\gpstep{{{index + 1}}}{{{text_to_latex(s.text)}}}{{{text_to_latex(s.why)}}}"
            f"{{{check_phrase(s, result, index)}}}")
    return f"{head}\n\\fiteq{{{equation_latex(d, s.lhs, s.rhs)}}}"


def derivation_steps_latex(d: Derivation, results: Sequence[StepResult] | None = None) -> str:
    """Every step of ``d`` (with its check), one after another."""
    if results is not None and len(results) != len(d.steps):
        raise ValueError(f"results: expected one StepResult per step of {d.key!r} ({len(d.steps)}), got {len(results)}")
    return "\n".join(step_latex(d, n, None if results is None else results[n]) for n in range(len(d.steps)))
