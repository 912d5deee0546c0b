r"""How the problems' sections write their answers: quoting derivation steps and numbers as LaTeX.

Each problem's ``solution`` module answers the homework's discussion questions from
the result steps of its derivation (rendered from the SymPy expressions, never
typed) and the numbers its experiment measured; these are the phrases they share.
"""

from __future__ import annotations

import re

from derive.core import Derivation
from derive.latex import to_latex
from derive.solutions.steps_tex import PRINTER_SETTINGS, equation_latex
from derive.solutions.texttex import text_to_latex

__all__ = ["eq", "said", "step_number", "fmt", "pct", "sci", "NORM_NAMES", "W60", "W70"]

#: figure widths
W60, W70 = r"0.6\linewidth", r"0.7\linewidth"
#: how norms are written in the text
NORM_NAMES: dict[str, str] = {"l1": "$L_1$", "l2": "$L_2$", "linf": r"$L_\infty$"}


def fmt(x: float, digits: int = 4) -> str:
    """``x`` with ``digits`` decimals (a plain, deterministic rendering)."""
    return f"{x:.{digits}f}"


def pct(x: float, digits: int = 2) -> str:
    r"""``x`` (a fraction) as a percentage: ``4.04\,\%``."""
    return f"{100 * x:.{digits}f}\\,\\%"


def eq(d: Derivation, label: str) -> str:
    r"""The equation of step ``label`` of ``d`` as a ``\fiteq`` display."""
    s = d.step(label)
    return f"\\fiteq{{{equation_latex(d, s.lhs, s.rhs)}}}"


def said(d: Derivation, label: str) -> str:
    """The sentence of step ``label`` as LaTeX text, without a leading question letter such as ``(b)``."""
    return text_to_latex(re.sub(r"^\([a-z]\)\s*", "", d.step(label).text))


def sci(x: float) -> str:
    r"""``x`` for maths mode: ``1e-05`` -> ``10^{-5}``, ``2e-05`` -> ``2 \cdot 10^{-5}``, ``0.5`` -> ``0.5``."""
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{x:g}"
    mant, exp = f"{x:.2e}".split("e")
    m = f"{float(mant):g}"
    return f"10^{{{int(exp)}}}" if m == "1" else f"{m} \\cdot 10^{{{int(exp)}}}"


def step_number(d: Derivation, label: str) -> int:
    """The 1-based number of step ``label``."""
    return 1 + [s.label for s in d.steps].index(label)


