"""Worked solutions: the LaTeX document of all five problems, its figures, and the checks behind them.

:func:`write_solutions` verifies the derivations of :mod:`derive`, runs the
experiments of :mod:`numerics` (seeded), and writes ``solutions.tex`` with every
derivation step rendered from its SymPy expressions, the answers to the
discussion questions written from derived facts and measured numbers, and the
figures; with ``pdf=True`` it compiles the PDF.  ``gradproof solutions`` is its
command line, and ``gradproof all`` calls it for its summary rows
(:attr:`SolutionsResult.checks`).

The problems' own parts (``derive/<key>/experiment.py`` and ``solution.py``, through the
registry :data:`derive.problems.PROBLEMS`) measure and write; the engine here loops over them.
Modules: :mod:`~derive.solutions.texttex` (Unicode sentences as LaTeX),
:mod:`~derive.solutions.steps_tex` (derivation steps), :mod:`~derive.solutions.experiments`
(runs every problem's experiment), :mod:`~derive.solutions.checking` (what checks share),
:mod:`~derive.solutions.discussion` (shared phrases), :mod:`~derive.solutions.document` (assembly),
:mod:`~derive.solutions.compile` (TeX engine), :mod:`~derive.solutions.write` (the pipeline).
"""

from __future__ import annotations

from derive.solutions.results import Check, Experiments, SolutionsResult
from derive.solutions.write import TEX_NAME, verify_derivations, write_solutions

__all__ = ["write_solutions", "verify_derivations", "SolutionsResult", "Experiments", "Check", "TEX_NAME"]
