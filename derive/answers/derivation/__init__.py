r"""Check a hand derivation line by line, in a problem's context (``gradproof check-derivation``).

The pieces: :mod:`.reader` (the input formats -> rows with their line numbers),
:mod:`.claims` (one row -> trees, on the LaTeX tokens of
:mod:`derive.answers.latex_lexer`), :mod:`.context` (a problem's symbols and
definitions; each problem's ``derive/<key>/context.py``), :mod:`.evaluator`
(numbers, with expectations and derivatives), :mod:`.checker` (one claim on
random instances), :mod:`.diagnose` (why a line is wrong), :mod:`.result` (the
verdicts, for the terminal, JSON and notebooks) and :mod:`.engine` (the loop).
"""

from __future__ import annotations

from derive.answers.derivation.engine import check_derivation, guess_problem
from derive.answers.derivation.reader import ReadError
from derive.answers.derivation.result import DerivationResult, Step

__all__ = ["check_derivation", "guess_problem", "ReadError", "DerivationResult", "Step"]
